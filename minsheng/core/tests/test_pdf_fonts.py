"""Every PDF embeds its font: a subset of the installed CJK font, cut to the document's characters."""

import io

import pytest

from minsheng.core import pdf_fonts

from .pdf_check import fonts, text


def _pdf(lines: list[tuple[str, str]]) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, initialFontName=lines[0][0])
    for y, (font, words) in enumerate(lines):
        c.setFont(font, 12)
        c.drawString(50, 700 - 30 * y, words)
    c.save()
    return out.getvalue()


@pytest.fixture
def installed_cjk_font():
    found = pdf_fonts.font_file()
    assert found, "a CJK font is part of the install (fonts-noto-cjk); .ci/run installs it"
    return found


def test_the_text_extracts_and_its_font_is_embedded(installed_cjk_font):
    words = "湖塘镇民生微实事简报 2026年1月至12月：满意率97.5%"
    pdf = _pdf([(pdf_fonts.font_for(words), words)])
    assert text(pdf).strip() == words
    assert fonts(pdf) and all(fonts(pdf).values()), fonts(pdf)


def test_two_documents_with_different_characters_each_get_their_glyphs(installed_cjk_font):
    first, second = "采菱社区意见征集表", "三勤社区健身器材维修"
    a, b = pdf_fonts.font_for(first), pdf_fonts.font_for(second)
    assert a != b and pdf_fonts.font_for(first) == a  # same characters, same registered subset
    pdf = _pdf([(a, first), (b, second)])
    assert text(pdf).split() == [first, second]
    assert len(fonts(pdf)) == 2 and all(fonts(pdf).values())


def test_a_subset_is_small(installed_cjk_font):
    words = "民生微实事"
    chars = "".join(sorted(set(words + pdf_fonts.ALWAYS)))
    assert len(pdf_fonts._truetype_subset(*installed_cjk_font, chars)) < 200_000


def test_old_subsets_leave_reportlabs_registry(installed_cjk_font, monkeypatch):
    from reportlab.pdfbase import pdfmetrics

    monkeypatch.setattr(pdf_fonts, "KEEP", 2)
    names = [pdf_fonts.font_for(f"第{n}号") for n in "一二三四"]
    registered = set(pdfmetrics.getRegisteredFontNames())
    assert names[0] not in registered and names[1] not in registered
    assert names[2] in registered and names[3] in registered


def test_a_configured_font_file_is_used(installed_cjk_font, settings):
    settings.MINSHENG_PDF_FONT, settings.MINSHENG_PDF_FONT_INDEX = installed_cjk_font
    assert pdf_fonts.font_file() == installed_cjk_font


def test_without_any_cjk_font_the_pdf_still_has_its_text(monkeypatch, settings, caplog):
    settings.MINSHENG_PDF_FONT = ""
    monkeypatch.setattr(pdf_fonts, "INSTALLED", [("/nonexistent/font.ttc", 0)])
    assert pdf_fonts.font_for("民生") == pdf_fonts.NOT_EMBEDDED
    assert "no CJK font installed" in caplog.text
