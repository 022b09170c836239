"""`{% collect_nav as can %}`: whether the signed-in user may use the collection pages (民情收集)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def collect_nav(context) -> bool:
    from minsheng.collection.access import can_collect

    request = context.get("request")
    return bool(request is not None and can_collect(getattr(request, "user", None)))
