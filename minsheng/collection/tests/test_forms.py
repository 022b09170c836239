"""民情征求意见表: builder, distribution (link, QR, A4 PDF), online and paper answers, results, free text
→ demands, scope and query counts."""

import io

import pytest
from django.test import Client

from minsheng.collection.models import FormAnswer, FormResponse, OpinionForm, Question
from minsheng.collection.services import opinion
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed
from minsheng.demands.models import Demand


@pytest.fixture
def form(cailing, users):
    """An open form with one question of each kind."""
    staff = users["demo-cailing"]
    f = opinion.create_form(staff, community=cailing, title="2026年下半年民情征求意见表",
                            intro="请您对社区工作提出宝贵意见。")
    opinion.add_question(f, staff, kind="single", text="您最关心的问题是？", required=True,
                         options_text="停车难\n环境卫生\n健身设施")
    opinion.add_question(f, staff, kind="multi", text="希望增加哪些设施？", options_text="晾衣架\n休闲椅\n充电棚")
    opinion.add_question(f, staff, kind="rating", text="对社区工作的满意程度", required=True)
    opinion.add_question(f, staff, kind="text", text="其他意见和建议")
    opinion.set_state(f, staff, "open")
    return f


def q(f, kind):
    return Question.objects.get(form=f, kind=kind)


def opt(f, kind, label):
    return q(f, kind).options.get(label=label).pk


def answers(f, single="停车难", multi=("晾衣架",), rating="4", text=""):
    body = {f"q{q(f, 'single').pk}": opt(f, "single", single) if single else "",
            f"q{q(f, 'multi').pk}": [opt(f, "multi", m) for m in multi], f"q{q(f, 'rating').pk}": rating,
            f"q{q(f, 'text').pk}": text}
    return body


# --- building ----------------------------------------------------------------------------------


def test_staff_build_a_form_on_the_page(user_client, cailing):
    c = user_client("demo-cailing")
    r = c.post("/desk/collect/forms/", {"community": cailing.pk, "title": "征求意见", "allow_anonymous": "1"})
    f = OpinionForm.objects.get()
    assert r.status_code == 302 and f.state == "draft" and f.allow_anonymous
    base = f"/desk/collect/forms/{f.pk}"
    assert c.post(f"{base}/questions", {"kind": "rating", "text": "满意度", "required": "1"}).status_code == 302
    assert c.post(f"{base}/questions", {"kind": "single", "text": "最关心", "options": "停车\n卫生\n停车"}).status_code == 302
    assert c.post(f"{base}/questions", {"kind": "text", "text": "建议", "position": "1"}).status_code == 302
    assert list(f.questions.values_list("text", "order")) == [("建议", 1), ("满意度", 2), ("最关心", 3)]
    assert list(q(f, "single").options.values_list("label", flat=True)) == ["停车", "卫生"]  # duplicates dropped
    c.post(f"{base}/questions/{q(f, 'single').pk}/move", {"direction": "up"})
    assert list(f.questions.values_list("text", flat=True)) == ["建议", "最关心", "满意度"]
    c.post(f"{base}/questions/{q(f, 'text').pk}/delete")
    assert list(f.questions.values_list("text", "order")) == [("最关心", 1), ("满意度", 2)]
    c.post(f"{base}/questions/{q(f, 'single').pk}/edit", {"text": "您最关心", "options": "停车\n卫生\n绿化",
                                                         "required": "1"})
    assert q(f, "single").required and q(f, "single").options.count() == 3
    assert c.post(f"{base}/state", {"state": "open"}).status_code == 302
    f.refresh_from_db()
    assert f.state == "open"
    # Once published the questions are fixed.
    r = c.post(f"{base}/questions", {"kind": "text", "text": "再加一题"})
    assert r.status_code == 409 and f.questions.count() == 2


def test_a_form_with_no_questions_cannot_be_published_or_answered(user_client, cailing, users):
    c = user_client("demo-cailing")
    f = opinion.create_form(users["demo-cailing"], community=cailing, title="空表")
    r = c.post(f"/desk/collect/forms/{f.pk}/state", {"state": "open"})
    assert r.status_code == 422 and "还没有题目" in r.content.decode()
    assert Client().get(f"/collect/forms/{f.token}/").status_code == 404  # a draft is not public
    OpinionForm.objects.filter(pk=f.pk).update(state="open")  # even if forced open
    r = Client().post(f"/collect/forms/{f.token}/", {"respondent_name": "张三"})
    assert r.status_code == 422 and not FormResponse.objects.exists()
    assert c.get(f"/desk/collect/forms/{f.pk}/print.pdf").status_code == 422


@pytest.mark.parametrize("kind, options, message", [
    ("single", "只有一个", "至少要有两个选项"),
    ("poll", "", "请选择题型"),
    ("text", "", None),
])
def test_question_input_is_checked(form, cailing, users, kind, options, message):
    f = opinion.create_form(users["demo-cailing"], community=cailing, title="草稿")
    if message is None:
        opinion.add_question(f, users["demo-cailing"], kind=kind, text="意见", options_text=options)
        assert f.questions.count() == 1
    else:
        with pytest.raises(InvalidInput, match=message):
            opinion.add_question(f, users["demo-cailing"], kind=kind, text="题目", options_text=options)
    with pytest.raises(InvalidInput):
        opinion.add_question(f, users["demo-cailing"], kind="text", text="  ")


# --- answering ---------------------------------------------------------------------------------


def test_an_anonymous_resident_answers_on_the_public_page(form):
    c = Client()
    page = c.get(f"/collect/forms/{form.token}/").content.decode()
    assert "您最关心的问题是？" in page and "其他意见和建议" in page
    r = c.post(f"/collect/forms/{form.token}/", answers(form, multi=("晾衣架", "充电棚"), text="二期晾衣架太少"))
    assert r.status_code == 302 and r["Location"] == f"/collect/forms/{form.token}/done"
    resp = FormResponse.objects.get()
    assert resp.anonymous and resp.respondent is None and resp.source == "online"
    assert resp.answers.count() == 5  # single, two options, rating, text
    assert "感谢您的意见" in c.get(r["Location"]).content.decode()


@pytest.mark.parametrize("change, message", [
    ({"single": "火星"}, "所选选项不存在"),
    ({"rating": "9"}, "评分须为 1 到 5"),
    ({"rating": "好"}, "评分须为 1 到 5"),
    ({"single": None}, "此题必答"),
    ({"rating": ""}, "此题必答"),
])
def test_wrong_answers_are_refused_per_question(form, change, message):
    kw = {k: v for k, v in change.items()}
    body = answers(form, **{k: v for k, v in kw.items() if k != "single"}, single="停车难")
    if "single" in kw:
        body[f"q{q(form, 'single').pk}"] = "" if kw["single"] is None else "999999"
    r = Client().post(f"/collect/forms/{form.token}/", body)
    assert r.status_code == 422 and message in r.content.decode()
    assert not FormResponse.objects.exists()


def test_an_option_of_another_question_is_an_unknown_option(form):
    body = answers(form)
    body[f"q{q(form, 'multi').pk}"] = [opt(form, "single", "环境卫生")]
    r = Client().post(f"/collect/forms/{form.token}/", body)
    assert r.status_code == 422 and "所选选项不存在" in r.content.decode()
    assert not FormAnswer.objects.exists()


def test_one_answer_per_signed_in_resident_named_or_anonymous(form, user_client):
    c = user_client("demo-resident")
    assert c.post(f"/collect/forms/{form.token}/", answers(form, text="希望增设休闲椅")).status_code == 302
    resp = FormResponse.objects.get()
    assert resp.respondent.username == "demo-resident" and not resp.anonymous
    assert resp.respondent_name == "采菱社区居民（演示）"
    r = c.post(f"/collect/forms/{form.token}/", answers(form, single="环境卫生"))
    assert r.status_code == 409 and "已经填写过" in r.content.decode()
    assert "您已经填写过本表" in c.get(f"/collect/forms/{form.token}/").content.decode()
    assert FormResponse.objects.count() == 1
    # Another signed-in user may choose to answer anonymously.
    user_client("demo-cailing-grid").post(f"/collect/forms/{form.token}/", {**answers(form), "anonymous": "1"})
    other = FormResponse.objects.exclude(pk=resp.pk).get()
    assert other.anonymous and other.respondent_name == ""


def test_anonymous_answers_are_rate_limited(form, settings):
    settings.MINSHENG_FORM_ANON_LIMIT = 2
    c = Client()
    assert c.post(f"/collect/forms/{form.token}/", answers(form)).status_code == 302
    assert c.post(f"/collect/forms/{form.token}/", answers(form, rating="")).status_code == 422  # counts too
    r = c.post(f"/collect/forms/{form.token}/", answers(form))
    assert r.status_code == 429 and "过于频繁" in r.content.decode()
    assert FormResponse.objects.count() == 1


def test_forms_that_need_sign_in_and_closed_forms(form, users, user_client):
    OpinionForm.objects.filter(pk=form.pk).update(allow_anonymous=False)
    r = Client().post(f"/collect/forms/{form.token}/", answers(form))
    assert r.status_code == 403 and not FormResponse.objects.exists()
    assert user_client("demo-resident").post(f"/collect/forms/{form.token}/", answers(form)).status_code == 302
    opinion.set_state(form, users["demo-cailing"], "closed")
    r = user_client("demo-cailing-grid").post(f"/collect/forms/{form.token}/", answers(form))
    assert r.status_code == 409 and "已结束" in r.content.decode()
    assert "已结束" in Client().get(f"/collect/forms/{form.token}/").content.decode()
    assert Client().get("/collect/forms/no-such-token/").status_code == 404
    with pytest.raises(Conflict):
        opinion.set_state(form, users["demo-cailing"], "draft")  # it has answers


def test_staff_type_in_paper_forms(form, user_client):
    c = user_client("demo-cailing")
    assert "您最关心的问题是？" in c.get(f"/desk/collect/forms/{form.pk}/paper").content.decode()
    for n in range(3):  # several paper forms by the same staff member
        r = c.post(f"/desk/collect/forms/{form.pk}/paper", {**answers(form), "respondent_name": f"居民{n}"})
        assert r.status_code == 302
    r = c.post(f"/desk/collect/forms/{form.pk}/paper", answers(form, rating="6"))
    assert r.status_code == 422
    assert FormResponse.objects.filter(source="paper").count() == 3
    assert set(FormResponse.objects.values_list("entered_by__username", flat=True)) == {"demo-cailing"}
    assert user_client("demo-sanqin").post(f"/desk/collect/forms/{form.pk}/paper", answers(form)).status_code == 404
    assert user_client("demo-cailing-grid").post(f"/desk/collect/forms/{form.pk}/paper",
                                                 answers(form)).status_code == 403


# --- results and demands -----------------------------------------------------------------------


def test_results_count_options_average_ratings_and_list_texts(form, users):
    staff = users["demo-cailing"]
    data = [("停车难", ("晾衣架", "休闲椅"), "5", "北门空地建议改停车场"), ("停车难", ("晾衣架",), "4", ""),
            ("环境卫生", (), "2", "垃圾桶太少"), ("停车难", ("充电棚",), "4", "")]
    for single, multi, rating, text in data:
        opinion.submit_paper(form, staff, _qd(answers(form, single=single, multi=multi, rating=rating, text=text)))
    total, rows = opinion.results(form)
    assert total == 4
    single, multi, rating, text = rows
    assert [(o.option.label, o.count, o.percent) for o in single.options] == [
        ("停车难", 3, 75), ("环境卫生", 1, 25), ("健身设施", 0, 0)]
    assert multi.answered == 3
    assert [(o.option.label, o.count) for o in multi.options] == [("晾衣架", 2), ("休闲椅", 1), ("充电棚", 1)]
    assert rating.average == 3.75 and [o.count for o in rating.ratings] == [0, 1, 0, 2, 1]
    assert sorted(a.text for a in text.texts) == ["北门空地建议改停车场", "垃圾桶太少"]


def test_free_text_answers_become_demands_once(form, user_client):
    resident = user_client("demo-resident")
    resident.post(f"/collect/forms/{form.token}/", answers(form, text="采菱家园二期晾衣架太少，希望增加"))
    Client().post(f"/collect/forms/{form.token}/", {**answers(form, text="采菱一期3幢楼道灯不亮"),
                                                    "respondent_name": "李师傅"})
    Client().post(f"/collect/forms/{form.token}/", answers(form, text=""))
    c = user_client("demo-cailing")
    page = c.get(f"/desk/collect/forms/{form.pk}/results").content.decode()
    assert "转为诉求" in page and "李师傅" in page
    first = FormAnswer.objects.get(text="采菱家园二期晾衣架太少，希望增加")
    r = c.post(f"/desk/collect/forms/{form.pk}/answers/{first.pk}/demand")
    assert r.status_code == 302
    d = Demand.objects.get()
    assert (d.channel, d.source_ref, d.source_line) == ("opinion_form", f"form:{form.pk}", first.pk)
    assert d.community.name == "采菱社区" and d.reporter_user.username == "demo-resident"
    # Twice → nothing new; the "all" button registers only what is left.
    c.post(f"/desk/collect/forms/{form.pk}/answers/{first.pk}/demand")
    assert Demand.objects.count() == 1
    c.post(f"/desk/collect/forms/{form.pk}/answers/demands")
    c.post(f"/desk/collect/forms/{form.pk}/answers/demands")
    assert Demand.objects.count() == 2
    second = Demand.objects.exclude(pk=d.pk).get()
    assert second.reporter_name == "李师傅" and second.reporter_user is None
    assert set(Demand.objects.values_list("source_line", flat=True)) == set(
        FormAnswer.objects.exclude(text="").values_list("pk", flat=True))
    # Only staff of the community, and only free-text answers.
    with pytest.raises(NotAllowed):
        opinion.answer_to_demand(form, _user("demo-sanqin"), first.pk)
    choice = FormAnswer.objects.filter(option__isnull=False).first()
    assert c.post(f"/desk/collect/forms/{form.pk}/answers/{choice.pk}/demand", follow=True).status_code == 200
    assert Demand.objects.count() == 2


def _user(name):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=name)


# --- distribution: link, QR, PDF ----------------------------------------------------------------


def test_qr_code_is_a_png_of_the_answer_link(form, user_client):
    from PIL import Image

    r = user_client("demo-cailing").get(f"/desk/collect/forms/{form.pk}/qr.png")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(r.content))
    assert image.format == "PNG" and image.width >= 100
    page = user_client("demo-cailing").get(f"/desk/collect/forms/{form.pk}/").content.decode()
    assert f"http://testserver/collect/forms/{form.token}/" in page


def test_printable_pdf_is_a4_with_chinese_text(form, user_client):
    from pypdf import PdfReader

    from minsheng.core.tests.pdf_check import fonts

    r = user_client("demo-cailing").get(f"/desk/collect/forms/{form.pk}/print.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = "".join(p.extract_text() for p in reader.pages)
    for words in ("2026年下半年民情征求意见表", "采菱社区", "您最关心的问题是？", "停车难", "环境卫生",
                  "对社区工作的满意程度", "其他意见和建议", f"/collect/forms/{form.token}/"):
        assert words in text, words
    used = fonts(r.content)
    assert used and all(used.values()), used  # every font travels with the file


def test_a_long_form_spills_onto_more_pages(cailing, users):
    from pypdf import PdfReader

    from minsheng.collection.printing import form_pdf

    staff = users["demo-cailing"]
    f = opinion.create_form(staff, community=cailing, title="长表")
    for n in range(25):
        opinion.add_question(f, staff, kind="text", text=f"第{n + 1}个问题：您对小区的意见")
    reader = PdfReader(io.BytesIO(form_pdf(f, opinion.questions_of(f), "http://x/collect/forms/t/")))
    assert len(reader.pages) >= 3
    assert "第25个问题" in reader.pages[-1].extract_text()


# --- scope and query counts ---------------------------------------------------------------------


def test_staff_of_another_community_cannot_see_a_form(form, user_client):
    other = user_client("demo-sanqin")
    for path in ("", "results", "qr.png", "print.pdf", "paper"):
        assert other.get(f"/desk/collect/forms/{form.pk}/{path}").status_code == 404, path
    assert f'data-form="{form.pk}"' not in other.get("/desk/collect/forms/").content.decode()
    assert other.post(f"/desk/collect/forms/{form.pk}/state", {"state": "closed"}).status_code == 404
    r = other.post("/desk/collect/forms/", {"community": form.community.pk, "title": "越权"})
    assert r.status_code == 422 and OpinionForm.objects.count() == 1
    assert user_client("demo-town").get(f"/desk/collect/forms/{form.pk}/").status_code == 200


def test_results_and_list_query_counts_do_not_grow(form, user_client, django_assert_max_num_queries):
    c = user_client("demo-cailing")
    Client().post(f"/collect/forms/{form.token}/", answers(form, text="意见一"))
    c.get(f"/desk/collect/forms/{form.pk}/results")
    with django_assert_max_num_queries(15) as few:
        assert c.get(f"/desk/collect/forms/{form.pk}/results").status_code == 200
    with django_assert_max_num_queries(12) as few_list:
        assert c.get("/desk/collect/forms/").status_code == 200
    for n in range(12):
        opinion.submit_paper(form, _user("demo-cailing"), _qd(answers(form, text=f"意见{n}")))
        opinion.create_form(_user("demo-cailing"), community=form.community, title=f"表{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = c.get(f"/desk/collect/forms/{form.pk}/results")
    assert "意见11" in r.content.decode()
    with django_assert_max_num_queries(len(few_list.captured_queries)):
        assert c.get("/desk/collect/forms/").status_code == 200


def _qd(body):
    from django.http import QueryDict

    qd = QueryDict(mutable=True)
    for k, v in body.items():
        qd.setlist(k, [str(x) for x in v] if isinstance(v, list) else [str(v)])
    return qd
