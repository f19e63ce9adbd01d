"""What each person may see of monitoring records. Views, the API and ``require(..., visible=...)``
use these querysets, so a record outside a person's scope answers 404 everywhere alike.

- reports and rectifications follow the project (``visible_projects``): office, leading group,
  finance and auditor all; a department officer its department's projects; an applicant its
  organisation's projects;
- escalations are the government's internal matter: readers and the managing department only, not
  the implementing unit;
- experts and administrators see nothing.
"""

from django.db.models import QuerySet

from techfund.core.enums import Role
from techfund.monitoring.models import Escalation, ProgressReport, Rectification
from techfund.projects.scopes import READER_ROLES, visible_projects


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def sees_monitoring(user) -> bool:
    """Whether the person has any monitoring pages at all (lists answer 404 otherwise)."""
    return bool(_roles(user) & (READER_ROLES | {Role.DEPARTMENT, Role.APPLICANT}))


def sees_escalations(user) -> bool:
    return bool(_roles(user) & (READER_ROLES | {Role.DEPARTMENT}))


def visible_reports(user) -> QuerySet[ProgressReport]:
    return ProgressReport.objects.filter(project__in=visible_projects(user))


def visible_rectifications(user) -> QuerySet[Rectification]:
    return Rectification.objects.filter(project__in=visible_projects(user))


def visible_escalations(user) -> QuerySet[Escalation]:
    roles = _roles(user)
    if roles & READER_ROLES:
        return Escalation.objects.all()
    if Role.DEPARTMENT in roles:
        return Escalation.objects.filter(project__department_id__in=user.department_ids())
    return Escalation.objects.none()
