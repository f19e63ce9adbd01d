from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """1234567.8 → "1,234,567.80" (yuan, two places)."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value):,.2f}"
    except Exception:
        return str(value)


@register.filter
def percent(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value) * 100:.2f}".rstrip("0").rstrip(".") + "%"
    except Exception:
        return str(value)
