"""Template filters of the project pages: ``{% load projects_tags %}``."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain_number(value) -> str:
    """A target value without trailing zeros or exponent: Decimal("10.0000") → "10", 0.5000 → "0.5"."""
    if value is None or value == "":
        return "—"
    try:
        d = Decimal(value).normalize()
    except Exception:
        return str(value)
    return f"{d:f}"
