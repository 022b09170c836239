"""Opinion forms (民情征求意见表): staff pages to build, print and read them, and the public answer page
behind the link and the QR code. Thin over `collection.services`."""


from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minsheng.accounts.selectors import visible
from minsheng.core.errors import DomainError, NotFound
from minsheng.core.ratelimit import client_ip

from ..access import is_community_staff
from ..models import (
    FormResponse,
    OpinionForm,
    Question,
    QuestionKind,
)
from ..printing import form_pdf as make_pdf
from ..printing import qr_png
from ..services import opinion
from .common import PAGE_SIZE, _community, _int, _message, _page, collector_required, staff_communities


def _count(model, fk: str):
    """A correlated count (no join fan-out between two counted relations)."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    sub = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def _form(user, pk) -> OpinionForm:
    f = visible(user, OpinionForm.objects.select_related("community__town")).filter(pk=pk).first()
    if f is None:
        raise NotFound(_("没有这张征求意见表，或您无权查看"))
    return f


def _answer_url(request, form: OpinionForm) -> str:
    return request.build_absolute_uri(reverse("collection:answer", args=[form.token]))


@collector_required
@require_http_methods(["GET", "POST"])
def form_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    ctx: dict = {"communities": list(staff_communities(user)), "values": {}, "error": ""}
    if request.method == "POST":
        p = request.POST
        try:
            f = opinion.create_form(user, community=_community(user, p.get("community")), title=p.get("title", ""),
                                    intro=p.get("intro", ""), allow_anonymous=p.get("allow_anonymous") == "1")
        except DomainError as exc:
            ctx.update(values=p, error=_message(exc))
            status = exc.status
        else:
            messages.success(request, _("已新建征求意见表，请添加题目"))
            return redirect("collection:form", pk=f.pk)
    else:
        status = 200
    qs = visible(user, OpinionForm.objects.select_related("community")).annotate(
        n_questions=_count(Question, "form"), n_responses=_count(FormResponse, "form"),
    ).order_by("-created_at", "-id")
    ctx["page"] = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "collection/forms.html", ctx, status=status)


def _form_context(request, f: OpinionForm, **extra) -> dict:
    ctx = {
        "f": f, "questions": opinion.questions_of(f), "kinds": QuestionKind.choices,
        "can_manage": is_community_staff(request.user, f.community), "answer_url": _answer_url(request, f),
        "responses": f.responses.count(),
    }
    ctx.update(extra)
    return ctx


@collector_required
@require_GET
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    return render(request, "collection/form.html", _form_context(request, f))


def _form_action(request, pk: int, call, done: str, anchor: str = "") -> HttpResponse:
    f = _form(request.user, pk)
    try:
        call(f)
    except DomainError as exc:
        f = _form(request.user, pk)
        ctx = _form_context(request, f, error=_message(exc), values=request.POST)
        return render(request, "collection/form.html", ctx, status=exc.status)
    messages.success(request, done)
    return redirect(reverse("collection:form", args=[pk]) + anchor)


@collector_required
@require_POST
def form_edit(request: HttpRequest, pk: int) -> HttpResponse:
    p = request.POST
    return _form_action(request, pk, lambda f: opinion.update_form(
        f, request.user, title=p.get("title", ""), intro=p.get("intro", ""),
        allow_anonymous=p.get("allow_anonymous") == "1"), _("已保存"))


@collector_required
@require_POST
def form_question_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = request.POST
    return _form_action(request, pk, lambda f: opinion.add_question(
        f, request.user, kind=p.get("kind", ""), text=p.get("text", ""), required=p.get("required") == "1",
        options_text=p.get("options", ""), position=_int(p.get("position"), "position")), _("已添加题目"), "#questions")


@collector_required
@require_POST
def form_question_edit(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    p = request.POST
    return _form_action(request, pk, lambda f: opinion.edit_question(
        f, request.user, qid, text=p.get("text", ""), required=p.get("required") == "1",
        options_text=p.get("options", "")), _("已保存题目"), "#questions")


@collector_required
@require_POST
def form_question_delete(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    return _form_action(request, pk, lambda f: opinion.delete_question(f, request.user, qid), _("已删除题目"),
                        "#questions")


@collector_required
@require_POST
def form_question_move(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    direction = "up" if request.POST.get("direction") == "up" else "down"
    return _form_action(request, pk, lambda f: opinion.move_question(f, request.user, qid, direction),
                        _("已调整顺序"), "#questions")


@collector_required
@require_POST
def form_state(request: HttpRequest, pk: int) -> HttpResponse:
    state = request.POST.get("state", "")
    done = {"open": _("已发布，可分发链接或二维码"), "closed": _("已结束征求"), "draft": _("已改回草稿")}.get(state, "")
    return _form_action(request, pk, lambda f: opinion.set_state(f, request.user, state), done)


@collector_required
@require_GET
def form_qr(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    response = HttpResponse(qr_png(_answer_url(request, f)), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="form-{f.pk}-qr.png"'
    return response


@collector_required
@require_GET
def form_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    questions = opinion.questions_of(f)
    if not questions:
        return _page(request, _("还没有题目"), _("请先为这张表添加题目，再打印。"), 422)
    response = HttpResponse(make_pdf(f, questions, _answer_url(request, f)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="form-{f.pk}.pdf"'
    return response


def _answer_context(f: OpinionForm, questions, *, values=None, errors=None, error: str = "") -> dict:
    chosen: dict[int, list[str]] = {}
    if values is not None:
        for q in questions:
            chosen[q.pk] = values.getlist(f"q{q.pk}")
    return {"f": f, "questions": [(q, chosen.get(q.pk, []), (errors or {}).get(q.pk, "")) for q in questions],
            "values": values or {}, "error": error, "ratings": opinion.RATINGS}


@collector_required
@require_http_methods(["GET", "POST"])
def form_paper(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    questions = opinion.questions_of(f)
    if request.method == "GET":
        ctx = _answer_context(f, questions)
        ctx.update(paper=True, count=f.responses.filter(source=FormResponse.Source.PAPER).count())
        return render(request, "collection/form_paper.html", ctx)
    try:
        opinion.submit_paper(f, request.user, request.POST, respondent_name=request.POST.get("respondent_name", ""))
    except DomainError as exc:
        ctx = _answer_context(f, questions, values=request.POST, errors=getattr(exc, "errors", None),
                              error=_message(exc))
        ctx.update(paper=True, count=f.responses.filter(source=FormResponse.Source.PAPER).count())
        return render(request, "collection/form_paper.html", ctx, status=exc.status)
    messages.success(request, _("已录入一份纸质意见表，可继续录入下一份"))
    return redirect("collection:form_paper", pk=f.pk)


@collector_required
@require_GET
def form_results(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    total, rows = opinion.results(f)
    return render(request, "collection/form_results.html", {
        "f": f, "total": total, "rows": rows, "can_manage": is_community_staff(request.user, f.community),
        "paper": f.responses.filter(source=FormResponse.Source.PAPER).count(),
    })


@collector_required
@require_POST
def form_answer_demand(request: HttpRequest, pk: int, answer: int) -> HttpResponse:
    f = _form(request.user, pk)
    try:
        demand, created = opinion.answer_to_demand(f, request.user, answer)
    except DomainError as exc:
        if exc.status == 403:
            return _page(request, _("无权访问"), _message(exc), 403)
        messages.error(request, _message(exc))
        return redirect(reverse("collection:form_results", args=[pk]) + "#texts")
    if created:
        messages.success(request, _("已登记为诉求 %(code)s") % {"code": demand.code})
    else:
        messages.info(request, _("这条意见此前已登记为诉求 %(code)s，未重复创建") % {"code": demand.code})
    return redirect(reverse("collection:form_results", args=[pk]) + "#texts")


@collector_required
@require_POST
def form_texts_demands(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    try:
        n = opinion.texts_to_demands(f, request.user)
    except DomainError as exc:
        if exc.status == 403:
            return _page(request, _("无权访问"), _message(exc), 403)
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("已把 %(n)d 条意见登记为诉求") % {"n": n})
    return redirect(reverse("collection:form_results", args=[pk]) + "#texts")


# ---------------------------------------------------------------------------------------------
# Opinion forms (residents): the answer page behind the link and the QR code


def _public_form(token: str) -> OpinionForm:
    f = OpinionForm.objects.select_related("community").filter(token=token[:24]).first()
    if f is None or f.state == OpinionForm.State.DRAFT:
        raise Http404("no such form")
    return f


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    f = _public_form(token)
    questions = opinion.questions_of(f)
    user = request.user if request.user.is_authenticated else None
    done_before = bool(user) and FormResponse.objects.filter(form=f, respondent=user,
                                                             source=FormResponse.Source.ONLINE).exists()
    if request.method == "GET":
        ctx = _answer_context(f, questions)
        ctx.update(done_before=done_before, closed=f.state == OpinionForm.State.CLOSED)
        return render(request, "collection/answer.html", ctx)
    try:
        opinion.submit_online(f, request.POST, user=user, ip=client_ip(request),
                              respondent_name=request.POST.get("respondent_name", ""),
                              anonymous=request.POST.get("anonymous") == "1")
    except DomainError as exc:
        ctx = _answer_context(f, questions, values=request.POST, errors=getattr(exc, "errors", None),
                              error=_message(exc))
        ctx.update(done_before=done_before, closed=f.state == OpinionForm.State.CLOSED)
        return render(request, "collection/answer.html", ctx, status=exc.status)
    return redirect("collection:answer_done", token=f.token)


@never_cache
@require_GET
def answer_done(request: HttpRequest, token: str) -> HttpResponse:
    f = _public_form(token)
    return render(request, "collection/answer_done.html", {"f": f})


