from django import template

from techfund.decisions.transitions import fmt_date
from techfund.policy.enums import SupportMode

register = template.Library()


@register.filter
def support_mode_label(code) -> str:
    try:
        return str(SupportMode(code).label)
    except ValueError:
        return str(code or "—")


@register.filter
def cn_date(value) -> str:
    """2026-10-10 → 2026年10月10日 (translated)."""
    return fmt_date(value) if value else "—"
