from django import template

from minsheng.accounts.selectors import is_staff_member

register = template.Library()


@register.simple_tag
def community_desk(user) -> dict:
    """Which desk sections the user may open (for the sub-navigation)."""
    # services_activities imports facilities at module level: this one stays inside.
    from minsheng.services_activities.roster import may_see_roster

    staff = bool(getattr(user, "is_authenticated", False)) and is_staff_member(user)
    return {"staff": staff, "roster": staff and may_see_roster(user)}
