"""民情征求意见表: a form per community (single/multi choice, rating 1–5, free text), answered online
(named or anonymous; one answer per signed-in resident) or on paper (typed in by staff), its results,
and free-text answers turned into demands (channel `opinion_form`, source `form:<id>`, line = answer id)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max

from minsheng.accounts.models import Role
from minsheng.accounts.selectors import roles
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from minsheng.core.services import hit
from minsheng.demands import rules
from minsheng.demands.services import register
from minsheng.territory.models import Community

from ..access import require_community_staff
from ..models import FormAnswer, FormResponse, OpinionForm, Option, Question, QuestionKind

MAX_QUESTIONS = 60
MAX_OPTIONS = 30
MAX_ANSWER = 2000
RATINGS = (1, 2, 3, 4, 5)
S = OpinionForm.State


def anon_limit() -> int:
    return int(getattr(settings, "MINSHENG_FORM_ANON_LIMIT", 10))


# ---------------------------------------------------------------------------------------------
# Building the form


@transaction.atomic
def create_form(actor, *, community: Community, title: str, intro: str = "", allow_anonymous: bool = True) -> OpinionForm:
    require_community_staff(actor, community, "制作征求意见表")
    return OpinionForm.objects.create(
        community=community, title=rules.clean_text(title, field="title", max_len=120),
        intro=rules.clean_text(intro, field="intro", max_len=2000, required=False),
        allow_anonymous=allow_anonymous, token=secrets.token_urlsafe(12), created_by=actor,
    )


@transaction.atomic
def update_form(form: OpinionForm, actor, *, title: str, intro: str = "", allow_anonymous: bool = True) -> OpinionForm:
    require_community_staff(actor, form.community, "修改征求意见表")
    form.title = rules.clean_text(title, field="title", max_len=120)
    form.intro = rules.clean_text(intro, field="intro", max_len=2000, required=False)
    form.allow_anonymous = allow_anonymous
    form.save(update_fields=["title", "intro", "allow_anonymous"])
    return form


def _locked_draft(form: OpinionForm, actor) -> OpinionForm:
    require_community_staff(actor, form.community, "修改题目")
    f = OpinionForm.objects.select_for_update().get(pk=form.pk)
    if f.state != S.DRAFT:
        raise Conflict("征求意见表已发布，题目不能再修改（可先结束本表，另建一张）")
    return f


def _options(kind: str, options_text: str) -> list[str]:
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTI):
        return []
    labels = list(dict.fromkeys(line.strip() for line in (options_text or "").splitlines() if line.strip()))
    if len(labels) < 2:
        raise InvalidInput("options: 选择题至少要有两个选项（每行一个）", field="options")
    if len(labels) > MAX_OPTIONS:
        raise InvalidInput(f"options: 最多 {MAX_OPTIONS} 个选项", field="options")
    for label in labels:
        rules.clean_text(label, field="options", max_len=120)
    return labels


def _renumber(form: OpinionForm) -> None:
    for i, q in enumerate(form.questions.order_by("order", "id"), start=1):
        if q.order != i:
            Question.objects.filter(pk=q.pk).update(order=i)


@transaction.atomic
def add_question(form: OpinionForm, actor, *, kind: str, text: str, required: bool = False,
                 options_text: str = "", position: int | None = None) -> Question:
    f = _locked_draft(form, actor)
    if kind not in QuestionKind.values:
        raise InvalidInput("kind: 请选择题型", field="kind")
    text = rules.clean_text(text, field="question", max_len=300)
    labels = _options(kind, options_text)
    count = f.questions.count()
    if count >= MAX_QUESTIONS:
        raise InvalidInput(f"question: 每张表最多 {MAX_QUESTIONS} 题", field="question")
    last = f.questions.aggregate(m=Max("order"))["m"] or 0
    order = last + 1
    if position is not None and 1 <= position <= count:
        f.questions.filter(order__gte=position).update(order=F("order") + 1)
        order = position
    q = Question.objects.create(form=f, order=order, kind=kind, text=text, required=required)
    Option.objects.bulk_create([Option(question=q, order=i, label=label) for i, label in enumerate(labels, start=1)])
    _renumber(f)
    return q


def _question(form: OpinionForm, question_id) -> Question:
    try:
        return Question.objects.get(pk=int(question_id), form=form)
    except (TypeError, ValueError, Question.DoesNotExist):
        raise NotFound("没有这道题") from None


@transaction.atomic
def edit_question(form: OpinionForm, actor, question_id, *, text: str, required: bool, options_text: str = "") -> Question:
    f = _locked_draft(form, actor)
    q = _question(f, question_id)
    q.text = rules.clean_text(text, field="question", max_len=300)
    q.required = required
    q.save(update_fields=["text", "required"])
    if q.has_options:
        labels = _options(q.kind, options_text)
        q.options.all().delete()
        Option.objects.bulk_create([Option(question=q, order=i, label=lb) for i, lb in enumerate(labels, start=1)])
    return q


@transaction.atomic
def delete_question(form: OpinionForm, actor, question_id) -> None:
    f = _locked_draft(form, actor)
    _question(f, question_id).delete()
    _renumber(f)


@transaction.atomic
def move_question(form: OpinionForm, actor, question_id, direction: str) -> None:
    f = _locked_draft(form, actor)
    q = _question(f, question_id)
    _renumber(f)
    q.refresh_from_db()
    target = q.order - 1 if direction == "up" else q.order + 1
    other = f.questions.filter(order=target).first()
    if other is None:
        return
    Question.objects.filter(pk=other.pk).update(order=q.order)
    Question.objects.filter(pk=q.pk).update(order=target)


@transaction.atomic
def set_state(form: OpinionForm, actor, state: str) -> OpinionForm:
    require_community_staff(actor, form.community, "发布或结束征求意见表")
    f = OpinionForm.objects.select_for_update().get(pk=form.pk)
    if state not in S.values:
        raise InvalidInput("state: 未知状态", field="state")
    if state == S.OPEN:
        questions = list(f.questions.annotate(n=Count("options")))
        if not questions:
            raise InvalidInput("questions: 这张表还没有题目，不能发布", field="questions")
        if any(q.has_options and q.n < 2 for q in questions):
            raise InvalidInput("questions: 每道选择题至少要有两个选项", field="questions")
    elif state == S.DRAFT:
        if f.responses.exists():
            raise Conflict("已有答卷，不能改回草稿")
    f.state = state
    f.save(update_fields=["state"])
    return f


# ---------------------------------------------------------------------------------------------
# Answering


class AnswerErrors(InvalidInput):
    """Some answers are missing or wrong; `errors` maps question id → message."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("answers: 请检查标出的题目", field="answers")
        self.errors = errors


def questions_of(form: OpinionForm) -> list[Question]:
    return list(form.questions.prefetch_related("options").order_by("order", "id"))


def _parse(questions: list[Question], data) -> tuple[list[FormAnswer], dict[int, str]]:
    answers: list[FormAnswer] = []
    errors: dict[int, str] = {}
    for q in questions:
        key = f"q{q.pk}"
        options = {o.pk: o for o in q.options.all()}
        given: list[FormAnswer] = []
        if q.kind == QuestionKind.SINGLE:
            value = (data.get(key) or "").strip()
            if value:
                option = options.get(int(value)) if value.isdigit() else None
                if option is None:
                    errors[q.pk] = "所选选项不存在"
                    continue
                given.append(FormAnswer(question=q, option=option))
        elif q.kind == QuestionKind.MULTI:
            values = [v.strip() for v in data.getlist(key) if v and v.strip()]
            chosen = []
            for value in dict.fromkeys(values):
                option = options.get(int(value)) if value.isdigit() else None
                if option is None:
                    errors[q.pk] = "所选选项不存在"
                    break
                chosen.append(option)
            if q.pk in errors:
                continue
            given.extend(FormAnswer(question=q, option=o) for o in chosen)
        elif q.kind == QuestionKind.RATING:
            value = (data.get(key) or "").strip()
            if value:
                if not (value.isdigit() and int(value) in RATINGS):
                    errors[q.pk] = "评分须为 1 到 5"
                    continue
                given.append(FormAnswer(question=q, rating=int(value)))
        else:
            value = (data.get(key) or "").strip()
            if value:
                if len(value) > MAX_ANSWER:
                    errors[q.pk] = f"不能超过 {MAX_ANSWER} 字"
                    continue
                if "\x00" in value:
                    errors[q.pk] = "含有非法字符"
                    continue
                given.append(FormAnswer(question=q, text=value))
        if q.required and not given:
            errors[q.pk] = "此题必答"
        answers.extend(given)
    return answers, errors


def _save(form: OpinionForm, answers: list[FormAnswer], **response_fields) -> FormResponse:
    response = FormResponse.objects.create(form=form, **response_fields)
    for a in answers:
        a.response = response
    FormAnswer.objects.bulk_create(answers)
    return response


def _check_answerable(form: OpinionForm, questions: list[Question]) -> None:
    if not questions:
        raise InvalidInput("questions: 这张表还没有题目", field="questions")


def submit_online(form: OpinionForm, data, *, user=None, ip: str = "", respondent_name: str = "",
                  anonymous: bool = False) -> FormResponse:
    """A resident's online answer: one per signed-in user; anonymous answers are rate-limited per address
    (every attempt counts, valid or not)."""
    signed_in = bool(getattr(user, "is_authenticated", False))
    if not signed_in and form.state == S.OPEN and form.allow_anonymous:
        hit(f"opinion:{form.pk}:{ip or 'unknown'}", limit=anon_limit(), per_seconds=3600,
            message="提交过于频繁，请稍后再试")
    return _submit_online(form, data, user=user if signed_in else None, respondent_name=respondent_name,
                          anonymous=anonymous)


@transaction.atomic
def _submit_online(form: OpinionForm, data, *, user, respondent_name: str, anonymous: bool) -> FormResponse:
    form = OpinionForm.objects.select_related("community").get(pk=form.pk)
    if form.state != S.OPEN:
        raise Conflict("本次意见征求已结束" if form.state == S.CLOSED else "本表尚未发布")
    signed_in = user is not None
    if not signed_in:
        if not form.allow_anonymous:
            raise NotAllowed("本表需要登录后填写")
    elif FormResponse.objects.filter(form=form, respondent=user, source=FormResponse.Source.ONLINE).exists():
        raise Conflict("您已经填写过本表，感谢参与")
    questions = questions_of(form)
    _check_answerable(form, questions)
    answers, errors = _parse(questions, data)
    if errors:
        raise AnswerErrors(errors)
    if not answers:
        raise InvalidInput("answers: 请至少回答一道题", field="answers")
    name = rules.clean_text(respondent_name, field="respondent_name", max_len=60, required=False)
    if signed_in and not anonymous and not name:
        name = user.get_full_name() or user.username
    try:
        with transaction.atomic():
            return _save(form, answers, respondent=user if signed_in else None, respondent_name="" if anonymous else name,
                         anonymous=anonymous or not name, source=FormResponse.Source.ONLINE)
    except IntegrityError:  # the same resident, twice at once
        raise Conflict("您已经填写过本表，感谢参与") from None


@transaction.atomic
def submit_paper(form: OpinionForm, actor, data, *, respondent_name: str = "") -> FormResponse:
    """A paper form typed in by staff."""
    require_community_staff(actor, form.community, "录入纸质意见表")
    form = OpinionForm.objects.get(pk=form.pk)
    if form.state == S.DRAFT:
        raise Conflict("本表尚未发布")
    questions = questions_of(form)
    _check_answerable(form, questions)
    answers, errors = _parse(questions, data)
    if errors:
        raise AnswerErrors(errors)
    if not answers:
        raise InvalidInput("answers: 请至少录入一道题的答案", field="answers")
    name = rules.clean_text(respondent_name, field="respondent_name", max_len=60, required=False)
    return _save(form, answers, respondent_name=name, anonymous=not name, source=FormResponse.Source.PAPER,
                 entered_by=actor)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class OptionResult:
    option: Option
    count: int
    percent: int


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    options: list[OptionResult] = field(default_factory=list)
    average: float | None = None
    ratings: list[OptionResult] = field(default_factory=list)
    texts: list[FormAnswer] = field(default_factory=list)


def _pct(n: int, total: int) -> int:
    return round(100 * n / total) if total else 0


def results(form: OpinionForm, *, texts_limit: int = 500) -> tuple[int, list[QuestionResult]]:
    """Total answers and, per question: counts per option, rating average and spread, free texts.
    A fixed number of queries whatever the size of the form."""
    questions = questions_of(form)
    total = form.responses.count()
    answers = FormAnswer.objects.filter(question__form=form)
    answered = dict(answers.values("question").annotate(n=Count("response", distinct=True)).values_list("question", "n"))
    per_option = dict(answers.filter(option__isnull=False).values("option").annotate(n=Count("id"))
                      .values_list("option", "n"))
    per_rating: dict[int, dict[int, int]] = {}
    for qid, rating, n in answers.filter(rating__isnull=False).values("question", "rating").annotate(
            n=Count("id")).values_list("question", "rating", "n"):
        per_rating.setdefault(qid, {})[rating] = n
    texts: dict[int, list[FormAnswer]] = {}
    for a in (answers.filter(question__kind=QuestionKind.TEXT).exclude(text="")
              .select_related("response", "demand").order_by("-id")[:texts_limit]):
        texts.setdefault(a.question_id, []).append(a)
    out = []
    for q in questions:
        r = QuestionResult(q, answered=answered.get(q.pk, 0))
        if q.has_options:
            r.options = [OptionResult(o, per_option.get(o.pk, 0), _pct(per_option.get(o.pk, 0), r.answered))
                         for o in q.options.all()]
        elif q.kind == QuestionKind.RATING:
            spread = per_rating.get(q.pk, {})
            n = sum(spread.values())
            r.average = round(sum(k * v for k, v in spread.items()) / n, 2) if n else None
            r.ratings = [OptionResult(Option(label=str(k), order=k), spread.get(k, 0), _pct(spread.get(k, 0), n))
                         for k in RATINGS]
        else:
            r.texts = texts.get(q.pk, [])
        out.append(r)
    return total, out


# ---------------------------------------------------------------------------------------------
# Free-text answers → demands


def _register_answer(form: OpinionForm, actor, a: FormAnswer):
    resp = a.response
    named = not resp.anonymous
    reporter = resp.respondent if named and resp.respondent_id and Role.RESIDENT in roles(resp.respondent) else None
    demand, _token = register(
        text=a.text[:rules.MAX_TEXT], channel="opinion_form", actor=actor, community=form.community,
        reporter_name=resp.respondent_name[:rules.MAX_NAME] if named else "", reporter_user=reporter,
        received_at=resp.created_at, source_ref=form.source_ref, source_line=a.pk,
    )
    a.demand = demand
    a.save(update_fields=["demand"])
    return demand


@transaction.atomic
def answer_to_demand(form: OpinionForm, actor, answer_id) -> tuple[object, bool]:
    """Register one free-text answer as a demand; the second time, return the first one's demand."""
    require_community_staff(actor, form.community, "把意见转为诉求")
    try:
        a = (FormAnswer.objects.select_for_update(of=("self",)).select_related("response__respondent", "demand")
             .get(pk=int(answer_id), question__form=form, question__kind=QuestionKind.TEXT))
    except (TypeError, ValueError, FormAnswer.DoesNotExist):
        raise NotFound("没有这条意见") from None
    if a.demand_id:
        return a.demand, False
    if not a.text.strip():
        raise InvalidInput("text: 这条意见是空的", field="text")
    form = OpinionForm.objects.select_related("community__town").get(pk=form.pk)
    return _register_answer(form, actor, a), True


@transaction.atomic
def texts_to_demands(form: OpinionForm, actor) -> int:
    """Every free-text answer not yet registered becomes a demand. Returns how many were created."""
    require_community_staff(actor, form.community, "把意见转为诉求")
    ids = list(FormAnswer.objects.filter(question__form=form, question__kind=QuestionKind.TEXT, demand__isnull=True)
               .exclude(text="").values_list("pk", flat=True))
    created = 0
    for pk in ids:
        _d, new = answer_to_demand(form, actor, pk)
        created += new
    return created


def forget_respondents(demand_ids) -> int:
    """Erasure and retention: an answer turned into one of these demands no longer names its respondent."""
    responses = FormAnswer.objects.filter(demand_id__in=demand_ids).values("response_id")
    return FormResponse.objects.filter(pk__in=responses).exclude(respondent_name="").update(respondent_name="")
