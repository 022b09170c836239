"""`{{ rate|pct }}` → 83.3% (— when there is no figure); `{{ composite|score }}` → 86.5 (out of 100)."""

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def score(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}"


@register.filter
def index(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value):.1f}"
