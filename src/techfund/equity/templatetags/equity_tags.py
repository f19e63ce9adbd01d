from django import template

from techfund.equity.services._common import pct

register = template.Library()


@register.filter
def share_pct(value) -> str:
    """A six-place share as a percentage (27.50%); an empty share as —."""
    return "—" if value in (None, "") else pct(value)
