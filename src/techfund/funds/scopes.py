"""What each person may see of the annual fund. Views, the API and ``require(..., visible=...)`` use
these querysets, so an object outside a person's scope answers 404 everywhere alike.

- office, leading group, finance, auditor: everything;
- department officer: the fund years and frameworks, and the contributions of their own department;
- everyone else (applicants, experts, administrators): nothing.
"""

from django.db.models import QuerySet

from techfund.core.enums import Role
from techfund.funds.models import Allocation, Contribution, Framework, FundYear

#: Roles that read the whole fund.
READER_ROLES = frozenset({Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR})


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def reads_everything(user) -> bool:
    return bool(_roles(user) & READER_ROLES)


def sees_fund(user) -> bool:
    """May open the fund pages at all (readers and department officers)."""
    roles = _roles(user)
    return bool(roles & READER_ROLES) or Role.DEPARTMENT in roles


def visible_fund_years(user) -> QuerySet[FundYear]:
    qs = FundYear.objects.all()
    return qs if sees_fund(user) else qs.none()


def visible_frameworks(user) -> QuerySet[Framework]:
    qs = Framework.objects.all()
    return qs if sees_fund(user) else qs.none()


def visible_allocations(user) -> QuerySet[Allocation]:
    qs = Allocation.objects.all()
    return qs if sees_fund(user) else qs.none()


def visible_contributions(user) -> QuerySet[Contribution]:
    qs = Contribution.objects.all()
    if reads_everything(user):
        return qs
    if Role.DEPARTMENT in _roles(user):
        return qs.filter(department_id__in=user.department_ids())
    return qs.none()


def visible_department_ids(user) -> set[int] | None:
    """``None`` when the user sees every department's money, else the departments they see."""
    if reads_everything(user):
        return None
    if Role.DEPARTMENT in _roles(user):
        return set(user.department_ids())
    return set()


def summary_for(user, fund_year) -> dict:
    """The fund year's summary as ``user`` may see it: a department officer gets the totals of the
    fund but the breakdown rows of their own department only."""
    from techfund.funds.services import summary

    data = summary(fund_year)
    depts = visible_department_ids(user)
    if depts is not None:
        data["by_source"] = [r for r in data["by_source"] if r["department_id"] in depts]
        data["by_department"] = [r for r in data["by_department"] if r["department_id"] in depts]
    return data
