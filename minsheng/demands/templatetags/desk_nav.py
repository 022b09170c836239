"""`{% desk_nav as nav %}`: whether the signed-in user works at the desk, and their unread messages."""

from django import template

from minsheng.demands.pages_support import can_use_desk
from minsheng.notifications.services import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def desk_nav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_use_desk(user):
        return {"staff": False, "unread": 0}
    return {"staff": True, "unread": unread_count(user)}
