from django import template

from techfund.core.permissions import can
from techfund.policy.enums import SupportMode
from techfund.subsidies.scopes import visible_claims, visible_loans

register = template.Library()


@register.simple_tag
def subsidies_panel(project, user):
    """The loans and claims of an interest-subsidy project the user may see (None for other modes)."""
    if project.support_mode != SupportMode.INTEREST_SUBSIDY:
        return None
    return {
        "loans": list(visible_loans(user).filter(project=project).order_by("start_date", "id")),
        "claims": list(
            visible_claims(user)
            .filter(project=project)
            .select_related("loan", "organisation", "project__fund_year")
        ),
        "may_register": can(user, "subsidies.register", project),
    }
