"""What each person may see of loans and interest-subsidy claims: those of the projects they see
(``techfund.projects.scopes.visible_projects``).

- office, leading group, finance, auditor: all;
- department officer: those of the projects their department manages;
- applicant: those of the projects their organisation implements (its own loans and claims);
- experts and administrators: none.

The reference-rate table is public knowledge: everyone with subsidy pages reads it.
"""

from django.db.models import QuerySet

from techfund.core.enums import Role
from techfund.projects.scopes import reads_all_projects, visible_projects
from techfund.subsidies.models import Drawdown, InterestPayment, Loan, Repayment, SubsidyClaim

__all__ = [
    "sees_subsidies",
    "visible_claims",
    "visible_drawdowns",
    "visible_interest",
    "visible_loans",
    "visible_repayments",
    "visible_subsidy_projects",
]


def sees_subsidies(user) -> bool:
    """Whether the user has any subsidy pages at all (others get 404, as for a record outside scope)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return reads_all_projects(user) or bool(user.roles() & {Role.DEPARTMENT, Role.APPLICANT})


def visible_subsidy_projects(user):
    return visible_projects(user).filter(support_mode="interest_subsidy")


def visible_loans(user) -> QuerySet[Loan]:
    return Loan.objects.filter(project__in=visible_projects(user))


def visible_drawdowns(user) -> QuerySet[Drawdown]:
    return Drawdown.objects.filter(loan__project__in=visible_projects(user))


def visible_repayments(user) -> QuerySet[Repayment]:
    return Repayment.objects.filter(loan__project__in=visible_projects(user))


def visible_interest(user) -> QuerySet[InterestPayment]:
    return InterestPayment.objects.filter(loan__project__in=visible_projects(user))


def visible_claims(user) -> QuerySet[SubsidyClaim]:
    return SubsidyClaim.objects.filter(project__in=visible_projects(user))
