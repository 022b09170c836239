"""The bulletin carries the seed article's figures, in md, docx and pdf, and no personal data."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

SEED_FIGURES = ["有37个居民小组，设置8个基础网格、2个专属网格", "不锈钢晾衣架100个", "三人木质休闲椅20张",
                "堵塞污水管道疏通15处", "健身器材维修50件"]
SANQIN = ["健身器材25件", "塑胶地面500平方米", "预计总投资10万元"]
XIALEI = ["小型汽车停车位80个", "场地平整及地面硬化2000平方米"]


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def full_demo(db):
    from minsheng.demo.loaders import load_all

    load_all()


def test_bulletin_formats(full_demo, tmp_path):
    from docx import Document
    from pypdf import PdfReader

    from minsheng.core.tests.pdf_check import fonts
    from minsheng.demands.models import Demand

    year = str(timezone.localdate().year if timezone.localdate().month * 100 + timezone.localdate().day >= 1115
               else timezone.localdate().year - 1)
    period = f"{int(year) - 1}-01-01..{timezone.localdate().isoformat()}"
    out = tmp_path / "caiLing.md"
    call_command("report", scope="采菱社区", period=period, format="md", out=str(out))
    md = out.read_text()
    assert md.startswith("# 采菱社区民生微实事简报")
    for fig in SEED_FIGURES:
        assert fig in md
    assert "满意率" in md and "响应率" in md and "解决率" in md and "综合得分" in md
    assert "共收集群众诉求" in md

    town = tmp_path / "town.md"
    call_command("report", scope="湖塘镇", period=period, format="md", out=str(town))
    text = town.read_text()
    for fig in SEED_FIGURES[1:] + SANQIN + XIALEI:
        assert fig in text

    phones = {d.reporter_phone for d in Demand.objects.exclude(reporter_phone="")}
    names = {d.reporter_name for d in Demand.objects.exclude(reporter_name="") if len(d.reporter_name) >= 2}
    for secret in phones | names:
        assert secret not in text

    pdf = tmp_path / "town.pdf"
    call_command("report", scope="湖塘镇", period=period, format="pdf", out=str(pdf))
    reader = PdfReader(str(pdf))
    ptext = flat("".join(page.extract_text() for page in reader.pages))
    for fig in SANQIN + XIALEI + ["不锈钢晾衣架100个", "满意率"]:
        assert fig in ptext
    used = fonts(pdf.read_bytes())
    assert used and all(used.values()), used  # every font embedded: no blank pages without a Chinese pack

    docx = tmp_path / "sanqin.docx"
    call_command("report", scope="三勤社区", period=period, format="docx", out=str(docx))
    doc = Document(str(docx))
    dtext = flat("\n".join(p.text for p in doc.paragraphs))
    for fig in SANQIN:
        assert fig in dtext
    assert doc.inline_shapes and len(doc.inline_shapes) == 1  # the chart
    assert 'w:eastAsia="Noto Sans CJK SC"' in doc.styles["Normal"].element.xml
    table = "".join(c.text for row in doc.tables[0].rows for c in row.cells)
    assert "满意率" in table


def test_report_bad_scope(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("report", scope="不存在", period="2026", format="md", out="/dev/null")


def test_chart_png_is_png(demo_territory):
    from minsheng.publishing.bulletin import build, chart_png

    png = chart_png(build("湖塘镇", "2026"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    assert Image.open(io.BytesIO(png)).size == (900, 420)


def test_a_period_reads_as_months_and_a_range_is_not_since():
    from datetime import date

    from minsheng.kpis.periods import Period
    from minsheng.publishing.bulletin import _lead, period_text

    assert period_text(Period("2026-01-01..2026-12-31", date(2026, 1, 1), date(2026, 12, 31))) == "2026年1月至12月"
    assert period_text(Period("x", date(2025, 7, 1), date(2026, 6, 30))) == "2025年7月至2026年6月"
    assert period_text(Period("x", date(2026, 3, 5), date(2026, 4, 20))) == "2026年3月5日至4月20日"
    year = Period("2026", date(2026, 1, 1), date(2026, 12, 31))
    assert _lead(year) == "2026年以来，"
    assert _lead(Period("2026-01-01..2026-06-30", date(2026, 1, 1), date(2026, 6, 30))) == "2026年1月至6月，"


def test_amounts_keep_their_precision():
    from decimal import Decimal

    from minsheng.publishing.bulletin import _money

    assert _money(Decimal("100000")) == "10万元"
    assert _money(Decimal("123456")) == "12.3456万元"
    assert _money(Decimal("8650.50")) == "8650.5元"
