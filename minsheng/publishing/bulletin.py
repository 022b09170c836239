"""The 民生微实事 bulletin (简报): a news-style text per community and for the town, generated from
the data with fixed templates (no invented facts, no personal data), as markdown, docx or pdf.

Its tone follows the seed article: resident groups and grids, how opinions were collected, the
projects with their quantities and money, the activities, and the satisfaction figures.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from minsheng.core.errors import InvalidInput
from minsheng.core.pdf_fonts import font_file, font_for
from minsheng.demands.models import Channel, Demand
from minsheng.kpis import periods
from minsheng.kpis.engine import figures
from minsheng.kpis.selectors import counts_from_counters, node_filter, node_town
from minsheng.projects.models import Project
from minsheng.projects.models import Status as PStatus
from minsheng.services_activities.models import Activity
from minsheng.territory.models import Community, Grid, ResidentGroup
from minsheng.territory.selectors import Node, find_node

UNITS = {"㎡": "平方米", "m²": "平方米", "m2": "平方米", "m": "米"}
DONE = {PStatus.IN_SERVICE, PStatus.EVALUATED, PStatus.ARCHIVED, PStatus.INSPECTION}
def _fmt_rate(key: str, x) -> str:
    return _score(x) + "分" if key == "composite" else _pct(x)


RATES_HEADING = "三率与综合得分"
CHART_TITLE = RATES_HEADING + "（%）"
RATE_LABELS = [("response_rate", "响应率"), ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"),
               ("composite", "综合得分")]


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Bulletin:
    title: str
    scope: str
    period: str
    sections: list[Section]
    rates: dict  # the kpis figures


def _qty(value) -> str:
    d = Decimal(value).normalize()
    return f"{d:f}"


def _money(yuan) -> str:
    yuan = Decimal(yuan)
    if yuan >= 10000:
        return f"{(yuan / 10000).normalize():f}万元"  # 12345 元 → 1.2345万元: every yuan kept
    return f"{_qty(yuan)}元"


def _pct(x) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _score(x) -> str:
    return "—" if x is None else f"{x * 100:.1f}"


def _span(a, b, tz) -> str:
    a, b = a.astimezone(tz), b.astimezone(tz)
    if (a.year, a.month) == (b.year, b.month):
        return f"于{a.year}年{a.month}月"
    if a.year == b.year:
        return f"从{a.year}年{a.month}月至{b.month}月"
    return f"从{a.year}年{a.month}月至{b.year}年{b.month}月"


def period_text(p: periods.Period) -> str:
    import re

    if m := re.fullmatch(r"(\d{4})", p.label):
        return f"{m.group(1)}年"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", p.label):
        return f"{m.group(1)}年{int(m.group(2))}月"
    if m := re.fullmatch(r"(\d{4})-Q(\d)", p.label):
        return f"{m.group(1)}年第{'一二三四'[int(m.group(2)) - 1]}季度"
    a, b = p.first, p.last
    whole_months = a.day == 1 and (b + timedelta(days=1)).day == 1
    if whole_months:
        return f"{a.year}年{a.month}月至{b.month}月" if a.year == b.year else f"{a.year}年{a.month}月至{b.year}年{b.month}月"
    if a.year == b.year:
        return f"{a.year}年{a.month}月{a.day}日至{b.month}月{b.day}日"
    return f"{a.year}年{a.month}月{a.day}日至{b.year}年{b.month}月{b.day}日"


def _lead(p: periods.Period) -> str:
    """"2026年以来，" for a year; a month, quarter or range is named as it is: "2026年1月至6月，"."""
    import re

    return f"{period_text(p)}以来，" if re.fullmatch(r"\d{4}", p.label) else f"{period_text(p)}，"


def _items(p: Project) -> str:
    return "、".join(f"{i.name}{_qty(i.quantity)}{UNITS.get(i.unit, i.unit)}" for i in p.items.all())


def _communities(node: Node):
    if node.level == "district":
        return list(Community.objects.order_by("town_id", "id"))
    if node.level == "town":
        return list(Community.objects.filter(town=node.obj).order_by("id"))
    if node.level == "community":
        return [node.obj]
    return [node.obj.community]


def _structure(node: Node) -> str:
    if node.level == "grid":
        g = node.obj
        return f"{g.name}是{g.community.name}的{g.get_kind_display()}{'，覆盖' + g.unit if g.unit else ''}。"
    comms = _communities(node)
    groups = ResidentGroup.objects.filter(community__in=comms).count()
    grids = Grid.objects.filter(community__in=comms).aggregate(
        basic=Count("id", filter=Q(kind="basic")), dedicated=Count("id", filter=~Q(kind="basic")))
    text = f"有{groups}个居民小组，设置{grids['basic']}个基础网格、{grids['dedicated']}个专属网格。"
    if node.level == "town":
        return f"{node.name}下辖{len(comms)}个社区，共{text}"
    if node.level == "district":
        towns = len({c.town_id for c in comms})
        return f"{node.name}下辖{towns}个镇（街道）、{len(comms)}个社区，共{text}"
    return f"{node.name}{text}"


def _demand_qs(node: Node, p: periods.Period):
    tz = ZoneInfo(node_town(node).time_zone)
    start, end = p.bounds(tz)
    return Demand.objects.filter(node_filter(node), received_at__gte=start, received_at__lt=end)


def _channels(node: Node, p: periods.Period) -> str:
    mix = Counter(dict(_demand_qs(node, p).values("channel").annotate(n=Count("id")).values_list("channel", "n")))
    total = sum(mix.values())
    if not total:
        return "本期暂无登记的群众诉求。"
    labels = dict(Channel.choices)
    parts = [f"{labels.get(ch, ch)}{n}件" for ch, n in mix.most_common()]
    return (f"本期通过{'、'.join(str(labels.get(ch, ch)) for ch, _ in mix.most_common())}等渠道，"
            f"共收集群众诉求{total}件，其中{'，'.join(parts)}，充分收集民意，让“遇事多商量”落到实处。")


def _projects(node: Node, p: periods.Period) -> list[str]:
    tz = ZoneInfo(node_town(node).time_zone)
    start, end = p.bounds(tz)
    qs = (Project.objects.filter(community__in=_communities(node), created_at__lt=end)
          .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
          .exclude(status__in=[PStatus.REJECTED, PStatus.CANCELLED])
          .select_related("community").prefetch_related("items").order_by("community_id", "created_at", "id"))
    out = []
    for pr in qs:
        who = pr.community.name if node.level in ("town", "district") else "社区"
        items = _items(pr)
        what = f"{pr.title}（{items}）" if items else pr.title
        if pr.status in DONE and pr.started_at and pr.completed_at:
            when = _span(pr.started_at, pr.completed_at, tz)
            money = pr.spent if pr.spent else pr.budget
            out.append(f"{who}{when}完成{what}，投入{_money(money)}左右，已投入使用。")
        elif pr.status == PStatus.IMPLEMENTING:
            out.append(f"{who}正在实施{what}，预计总投资{_money(pr.budget)}，目前完成{_qty(pr.progress)}%。")
        elif pr.status == PStatus.APPROVED:
            out.append(f"{who}已立项{what}，预算{_money(pr.budget)}，即将开工。")
        else:
            out.append(f"{who}{pr.get_status_display()}中的项目：{what}，预算{_money(pr.budget)}。")
    return out


def _activities(node: Node, p: periods.Period) -> str:
    acts = list(Activity.objects.filter(community__in=_communities(node), cancelled=False,
                                        date__gte=p.first, date__lte=p.last)
                .annotate(n_served=Count("served", distinct=True)).order_by("date", "id"))
    if not acts:
        return ""
    served = sum(a.n_served + a.extra_headcount for a in acts)
    titles = "、".join(a.title if "“" in a.title else f"“{a.title}”" for a in acts[:8])
    more = "等" if len(acts) > 8 else ""
    return (f"积极开展{titles}{more}{len(acts)}场服务活动，服务群众{served}人次，"
            f"将关心关爱居民融入到日常治理中。")


def build(scope: str, period: str) -> Bulletin:
    node = find_node(scope)
    p = periods.parse(period)
    rates = figures(counts_from_counters(node, p))
    sections = []
    lead = Section("“微实事”提升居民幸福指数")
    lead.paragraphs.append(
        f"{_lead(p)}{node.name}紧紧围绕居民需求，出实策、办实事、求实效，以一件件看得见、摸得着的民生“微实事”"
        f"为抓手，不断提升辖区群众的获得感、幸福感和归属感。")
    lead.paragraphs.append(_structure(node) + _channels(node, p))
    sections.append(lead)
    proj = _projects(node, p)
    if proj:
        sections.append(Section("民生“微实事”项目", proj))
    acts = _activities(node, p)
    if acts:
        sections.append(Section("服务活动", [f"{node.name}{acts}"]))
    sat = Section("群众满意度")
    if rates["assigned"] or rates["satisfaction_rate"] is not None:
        sat.paragraphs.append(
            f"本期共派单办理群众诉求{rates['assigned']}件，响应率{_pct(rates['response_rate'])}，"
            f"解决率{_pct(rates['resolution_rate'])}，满意率{_pct(rates['satisfaction_rate'])}，"
            f"综合得分{_score(rates['composite'])}分"
            + (f"；按时办结率{_pct(rates['on_time_rate'])}。" if rates["on_time_rate"] is not None else "。"))
    else:
        sat.paragraphs.append("本期暂无派单办理的诉求，三率暂无数据。")
    sections.append(sat)
    return Bulletin(title=f"{node.name}民生微实事简报（{period_text(p)}）", scope=node.name, period=p.label,
                    sections=sections, rates=rates)


# ---------------------------------------------------------------------------------------------
# Output formats


def to_markdown(b: Bulletin) -> str:
    lines = [f"# {b.title}", ""]
    for s in b.sections:
        lines += [f"## {s.title}", ""]
        for para in s.paragraphs:
            lines += [para, ""]
    lines += ["| 指标 | 数值 |", "|---|---|"]
    for key, label in RATE_LABELS:
        lines.append(f"| {label} | {_fmt_rate(key, b.rates[key])} |")
    lines += ["", "> 数据来源：民生微实事平台，按诉求登记时间统计；不含任何个人信息。", ""]
    return "\n".join(lines)


def chart_png(b: Bulletin, width: int = 900, height: int = 420) -> bytes:
    """A bar chart of the three rates and the composite, drawn with Pillow."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    found = font_file()
    font = ImageFont.truetype(found[0], 22, index=found[1]) if found else ImageFont.load_default()
    left, bottom, top = 70, height - 60, 50
    draw.line([(left, top), (left, bottom), (width - 30, bottom)], fill="#333", width=2)
    for tick in range(0, 101, 25):
        y = bottom - (bottom - top) * tick / 100
        draw.line([(left - 5, y), (width - 30, y)], fill="#ddd")
        draw.text((10, y - 12), f"{tick}%", fill="#333", font=font)
    n = len(RATE_LABELS)
    slot = (width - 30 - left) / n
    colours = ["#c23531", "#2f4554", "#61a0a8", "#d48265"]
    for i, (key, label) in enumerate(RATE_LABELS):
        v = b.rates[key] or 0
        x0 = left + slot * i + slot * 0.2
        x1 = x0 + slot * 0.6
        y = bottom - (bottom - top) * v
        draw.rectangle([x0, y, x1, bottom], fill=colours[i])
        draw.text((x0, y - 28), _pct(b.rates[key]), fill="#333", font=font)
        if found:
            draw.text((x0, bottom + 10), label, fill="#333", font=font)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def to_docx(b: Bulletin) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    east_asian = "Noto Sans CJK SC"
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = doc.styles[style_name]
        style.font.name = east_asian
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), east_asian)
    doc.styles["Normal"].font.size = Pt(11)
    heading = doc.add_heading(b.title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for s in b.sections:
        doc.add_heading(s.title, level=1)
        for para in s.paragraphs:
            par = doc.add_paragraph(para)
            par.paragraph_format.first_line_indent = Pt(22)
    doc.add_heading(RATES_HEADING, level=1)
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "指标", "数值"
    for key, label in RATE_LABELS:
        row = table.add_row()
        row.cells[0].text, row.cells[1].text = label, _fmt_rate(key, b.rates[key])
    doc.add_picture(io.BytesIO(chart_png(b)), width=Cm(15))
    doc.add_paragraph("数据来源：民生微实事平台，按诉求登记时间统计；不含任何个人信息。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _pdf_chart(b: Bulletin, font: str):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    d = Drawing(440, 220)
    d.initialFontName = font  # else the drawing's state starts in Helvetica, which is not embedded
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 50, 40, 360, 150
    chart.data = [[round((b.rates[k] or 0) * 100, 1) for k, _ in RATE_LABELS]]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
    chart.categoryAxis.categoryNames = [label for _, label in RATE_LABELS]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = chart.barLabels.fontName = font
    chart.bars[0].fillColor = colors.HexColor("#c23531")
    chart.barLabelFormat = "%.1f"
    chart.barLabels.nudge = 8
    d.add(chart)
    d.add(String(220, 205, CHART_TITLE, fontName=font, fontSize=11, textAnchor="middle"))
    return d


def to_pdf(b: Bulletin) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    font = font_for(to_markdown(b) + RATES_HEADING + CHART_TITLE)
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=12)
    h = ParagraphStyle("h", fontName=font, fontSize=14, leading=20, spaceBefore=10, spaceAfter=6)
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=18, firstLineIndent=22, wordWrap="CJK")
    story = [Paragraph(escape(b.title), title)]
    for s in b.sections:
        story.append(Paragraph(escape(s.title), h))
        for para in s.paragraphs:
            story.append(Paragraph(escape(para), body))
    story.append(Paragraph(RATES_HEADING, h))
    rows = [["指标", "数值"]] + [[label, _fmt_rate(k, b.rates[k])] for k, label in RATE_LABELS]
    table = Table(rows, colWidths=[4 * cm, 4 * cm])
    table.setStyle([("FONTNAME", (0, 0), (-1, -1), font), ("GRID", (0, 0), (-1, -1), 0.5, "#999999")])
    story += [table, Spacer(1, 12), _pdf_chart(b, font),
              Paragraph("数据来源：民生微实事平台，按诉求登记时间统计；不含任何个人信息。", body)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=b.title, leftMargin=2 * cm, rightMargin=2 * cm,
                      initialFontName=font).build(story)
    return out.getvalue()


FORMATS = {"md": ("text/markdown; charset=utf-8", lambda b: to_markdown(b).encode()),
           "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", to_docx),
           "pdf": ("application/pdf", to_pdf)}


def render(scope: str, period: str, fmt: str) -> bytes:
    if fmt not in FORMATS:

        raise InvalidInput("format: 须为 md、docx 或 pdf", field="format")
    return FORMATS[fmt][1](build(scope, period))
