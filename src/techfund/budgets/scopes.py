"""What each person may see of budgets, adjustments and spending: those of the projects they see
(``techfund.projects.scopes.visible_projects``): office, leading group, finance and auditor all; a
department officer the projects of their department; an applicant their organisation's projects;
experts and administrators none (404)."""

from django.db.models import QuerySet

from techfund.budgets.models import Adjustment, Expenditure, ProjectBudget
from techfund.projects.scopes import sees_projects, visible_projects

__all__ = ["sees_budgets", "visible_adjustments", "visible_budgets", "visible_expenditures"]


def sees_budgets(user) -> bool:
    """Whether the user has any budget pages at all (others get 404, as for a record outside scope)."""
    return sees_projects(user)


def visible_budgets(user) -> QuerySet[ProjectBudget]:
    return ProjectBudget.objects.filter(project__in=visible_projects(user))


def visible_adjustments(user) -> QuerySet[Adjustment]:
    return Adjustment.objects.filter(project__in=visible_projects(user))


def visible_expenditures(user) -> QuerySet[Expenditure]:
    return Expenditure.objects.filter(project__in=visible_projects(user))
