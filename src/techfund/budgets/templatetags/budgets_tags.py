"""Template tags of this stage: ``{% load budgets_tags %}``.

- ``{% budget_panel project user as b %}``  what the project page's budget section shows the user:
  the current lines with their fiscal spending, the pending request and the rates (``None`` outside
  scope or when the project has no budget).
"""

from django import template

from techfund.budgets import rates, services
from techfund.budgets.models import ProjectBudget
from techfund.core.permissions import can

register = template.Library()


@register.simple_tag
def budget_panel(project, user):
    if user is None or not can(user, "budgets.view", project):
        return None
    budget = ProjectBudget.objects.filter(project=project).first()
    row = rates.project_rows([project])[0]
    return {
        "budget": budget,
        "lines": services.budget.line_table(budget, project) if budget else [],
        "pending": services.pending_request(project),
        "row": row,
    }


@register.filter
def pct(value) -> str:
    """A rate in percent with two places, or "—" when there is none."""
    return "—" if value is None else f"{value:.2f}%"
