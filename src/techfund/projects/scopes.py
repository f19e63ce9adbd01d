"""What each person may see of projects and everything hung on them (contracts, payments, and the
later stages' records, which filter by ``project__in=visible_projects(user)``).

- office, leading group, finance, auditor: every project;
- department officer: the projects their department manages;
- applicant: the projects their organisation implements;
- experts and administrators: none.
"""

from django.db.models import Q, QuerySet

from techfund.core.enums import Role
from techfund.projects.models import Contract, Payment, Project, Tranche

READER_ROLES = frozenset({Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR})


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def reads_all_projects(user) -> bool:
    return bool(_roles(user) & READER_ROLES)


def sees_projects(user) -> bool:
    """May open the project pages at all (the roles with projects in their scope)."""
    return bool(_roles(user) & (READER_ROLES | {Role.DEPARTMENT, Role.APPLICANT}))


def visible_projects(user) -> QuerySet[Project]:
    qs = Project.objects.all()
    roles = _roles(user)
    if roles & READER_ROLES:
        return qs
    if not roles & {Role.DEPARTMENT, Role.APPLICANT}:
        return qs.none()
    q = Q(pk__in=[])
    if Role.DEPARTMENT in roles:
        q |= Q(department_id__in=user.department_ids())
    if Role.APPLICANT in roles:
        q |= Q(organisation_id__in=user.organisation_ids())
    return qs.filter(q)


def visible_contracts(user) -> QuerySet[Contract]:
    return Contract.objects.filter(project__in=visible_projects(user))


def visible_payments(user) -> QuerySet[Payment]:
    return Payment.objects.filter(project__in=visible_projects(user))


def visible_tranches(user) -> QuerySet[Tranche]:
    return Tranche.objects.filter(contract__project__in=visible_projects(user))
