"""The opinion form on paper and behind a QR code: a PNG QR code of the answer link, and a printable A4
PDF (reportlab) with Chinese text in an embedded font (minsheng.core.pdf_fonts picks it for every PDF).
"""

from __future__ import annotations

import io

from minsheng.core.pdf_fonts import font_for

# ---------------------------------------------------------------------------------------------
# QR code


def qr_image(url: str):
    import qrcode
    from qrcode.image.pil import PilImage

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.make_image(image_factory=PilImage).get_image()


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    qr_image(url).save(out, format="PNG")
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# The printable form


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for paragraph in (text or "").splitlines() or [""]:
        line = ""
        for ch in paragraph:
            if stringWidth(line + ch, font, size) > width and line:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
    return lines


KIND_HINT = {"single": "单选", "multi": "可多选", "rating": "1–5 分，5 分为最满意", "text": "请填写"}
# The form's own words, beside what staff wrote; all of them go into the embedded font.
WORDS = {
    "kind": "民情征求意见表", "scan": "扫码在线填写", "online": "在线填写：", "page": "第 {n} 页",
    "required": "，必答", "score": "{k} 分", "scale": "（1 很不满意 … 5 很满意）",
    "sign": "称呼（可不填）：________________        填写日期：______年____月____日",
    "privacy": "您的个人信息仅用于办理和回访，不会公开。感谢您对社区工作的支持！",
}


def form_pdf(form, questions, url: str) -> bytes:
    """An A4 PDF of the form: title, introduction, QR code and link, each question with boxes to tick
    or lines to write on, and a page footer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    options = {q.pk: list(q.options.all()) for q in questions}
    font = font_for("".join([form.title, form.intro, form.community.name, url, *WORDS.values(), *KIND_HINT.values(),
                             *(q.text for q in questions), *(o.label for opts in options.values() for o in opts)]))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1, initialFontName=font, initialFontSize=10)
    c.setTitle(f"{form.community.name} · {form.title}")
    c.setAuthor(form.community.name)
    c.setSubject(WORDS["kind"])
    width, height = A4
    left, right, top, bottom = 50, width - 50, height - 50, 60
    page = [1]
    y = top

    def footer():
        c.setFont(font, 9)
        c.setFillGray(0.4)
        c.drawCentredString(width / 2, 30, f"{form.community.name} · {WORDS['kind']} · " + WORDS["page"].format(n=page[0]))
        c.setFillGray(0)

    def need(h: float):
        nonlocal y
        if y - h < bottom:
            footer()
            c.showPage()
            page[0] += 1
            y = top

    # Header: title, community, QR code on the right.
    qr = 92
    c.drawImage(ImageReader(qr_image(url)), right - qr, top - qr + 10, qr, qr)
    c.setFont(font, 8)
    c.drawCentredString(right - qr / 2, top - qr + 2, WORDS["scan"])
    text_width = right - left - qr - 16
    c.setFont(font, 18)
    for line in _wrap(form.title, font, 18, text_width):
        c.drawString(left, y - 8, line)
        y -= 26
    c.setFont(font, 11)
    c.drawString(left, y - 4, f"{form.community.name} · {WORDS['kind']}")
    y -= 22
    c.setFont(font, 10)
    for line in _wrap(form.intro, font, 10, text_width):
        c.drawString(left, y, line)
        y -= 15
    y = min(y, top - qr - 10)
    c.setFont(font, 8)
    c.setFillGray(0.35)
    c.drawString(left, y, WORDS["online"] + url)
    c.setFillGray(0)
    y -= 18
    c.setLineWidth(0.6)
    c.line(left, y, right, y)
    y -= 20

    for n, q in enumerate(questions, start=1):
        hint = KIND_HINT.get(q.kind, "") + (WORDS["required"] if q.required else "")
        head = _wrap(f"{n}. {q.text}（{hint}）", font, 11.5, right - left)
        need(18 * len(head) + 24)
        c.setFont(font, 11.5)
        for line in head:
            c.drawString(left, y, line)
            y -= 18
        c.setFont(font, 10.5)
        if q.kind in ("single", "multi"):
            for o in options[q.pk]:
                lines = _wrap(o.label, font, 10.5, right - left - 40)
                need(16 * len(lines) + 2)
                if q.kind == "multi":
                    c.rect(left + 14, y - 1.5, 9, 9)
                else:
                    c.circle(left + 18.5, y + 3, 4.6)
                for line in lines:
                    c.drawString(left + 30, y, line)
                    y -= 16
        elif q.kind == "rating":
            need(22)
            x = left + 14
            for k in range(1, 6):
                c.rect(x, y - 1.5, 9, 9)
                c.drawString(x + 13, y, WORDS["score"].format(k=k))
                x += 62
            c.setFillGray(0.4)
            c.drawString(x + 6, y, WORDS["scale"])
            c.setFillGray(0)
            y -= 20
        else:
            for _i in range(3):
                need(22)
                y -= 14
                c.setStrokeGray(0.6)
                c.line(left + 14, y, right, y)
                c.setStrokeGray(0)
            y -= 8
        y -= 10

    need(60)
    c.setFont(font, 10.5)
    y -= 6
    c.drawString(left, y, WORDS["sign"])
    y -= 22
    c.setFillGray(0.35)
    c.setFont(font, 9)
    c.drawString(left, y, WORDS["privacy"])
    c.setFillGray(0)
    footer()
    c.save()
    return out.getvalue()
