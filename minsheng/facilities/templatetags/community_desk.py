from django import template

register = template.Library()


@register.simple_tag
def community_desk(user) -> dict:
    """Which desk sections the user may open (for the sub-navigation)."""
    from minsheng.accounts.selectors import is_staff_member
    from minsheng.services_activities.roster import may_see_roster

    staff = bool(getattr(user, "is_authenticated", False)) and is_staff_member(user)
    return {"staff": staff, "roster": staff and may_see_roster(user)}
