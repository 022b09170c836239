"""`{% collect_nav as can %}`: whether the signed-in user may use the collection pages (民情收集)."""

from django import template

from minsheng.collection.access import can_collect

register = template.Library()


@register.simple_tag(takes_context=True)
def collect_nav(context) -> bool:
    request = context.get("request")
    return bool(request is not None and can_collect(getattr(request, "user", None)))
