"""What each person may see of the evaluation records. Views, the API and ``require(..., visible=...)``
use these querysets, so a record outside a person's scope answers 404 everywhere alike.

- self-evaluations and comprehensive evaluations follow their project
  (``project__in=visible_projects(user)``): office, leading group, finance, auditor all; a
  department officer the projects their department manages; an applicant their organisation's;
- the grades pages (per project, department, focus area): the fund's readers and department
  officers, each over the projects they see;
- next-year proposals: the fund's readers (office, leading group, finance, auditor) only.
"""

from django.db.models import QuerySet

from techfund.core.enums import Role
from techfund.evaluation.models import ComprehensiveEvaluation, NextYearLine, NextYearProposal, SelfEvaluation
from techfund.projects.scopes import READER_ROLES, visible_projects


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def reads_everything(user) -> bool:
    return bool(_roles(user) & READER_ROLES)


def sees_evaluations(user) -> bool:
    """May open the evaluation pages at all (readers, department officers, applicants)."""
    return bool(_roles(user) & (READER_ROLES | {Role.DEPARTMENT, Role.APPLICANT}))


def sees_grades(user) -> bool:
    return bool(_roles(user) & (READER_ROLES | {Role.DEPARTMENT}))


def visible_self_evaluations(user) -> QuerySet[SelfEvaluation]:
    return SelfEvaluation.objects.filter(project__in=visible_projects(user))


def visible_comprehensive(user) -> QuerySet[ComprehensiveEvaluation]:
    return ComprehensiveEvaluation.objects.filter(project__in=visible_projects(user))


def visible_next_year(user) -> QuerySet[NextYearProposal]:
    qs = NextYearProposal.objects.all()
    return qs if reads_everything(user) else qs.none()


def visible_next_year_lines(user) -> QuerySet[NextYearLine]:
    return NextYearLine.objects.filter(proposal__in=visible_next_year(user))
