"""`{% site_menu as can %}`: which staff menu links the signed-in user may open.

Each entry asks the rule the target view itself applies, so a menu never offers a page that answers
403 or 404. This library lives in the dashboard app because it reads the rules of several apps.
"""

from django import template

from minsheng.collection.access import can_collect
from minsheng.collection.services.chat import may_import_chats
from minsheng.demands.pages_support import can_use_desk
from minsheng.projects.selectors import may_open_desk
from minsheng.services_activities.roster import may_see_roster

register = template.Library()


@register.simple_tag(takes_context=True)
def site_menu(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_use_desk(user):
        return {}
    return {
        "collect": can_collect(user),
        "chat": may_import_chats(user),
        "projects": may_open_desk(user),
        "roster": may_see_roster(user),
    }
