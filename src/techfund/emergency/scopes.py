"""What each person may see of emergency requests (一事一议).

- office, leading group, finance, auditor: every request;
- department officer: the requests of their department;
- everyone else (applicants, experts, administrators): none — an applicant sees the approved
  project through the projects stage, flagged 一事一议.
"""

from django.db.models import QuerySet

from techfund.core.enums import Role
from techfund.emergency.models import EmergencyRequest

READER_ROLES = frozenset({Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR})


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def reads_all_requests(user) -> bool:
    return bool(_roles(user) & READER_ROLES)


def sees_requests(user) -> bool:
    roles = _roles(user)
    return bool(roles & READER_ROLES) or Role.DEPARTMENT in roles


def visible_requests(user) -> QuerySet[EmergencyRequest]:
    qs = EmergencyRequest.objects.all()
    roles = _roles(user)
    if roles & READER_ROLES:
        return qs
    if Role.DEPARTMENT in roles:
        return qs.filter(department_id__in=user.department_ids())
    return qs.none()
