from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def yuan(value, places: int = 0) -> str:
    """38000 → 38,000 (grouped the same way in every language)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    return f"{number:,.{int(places)}f}"
