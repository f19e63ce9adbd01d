"""What each person may see of the applications. Views, the API and ``require(..., visible=...)`` use
these querysets, so an application outside a person's scope answers 404 everywhere alike.

- office, leading group, finance, auditor: every application;
- department officer: the applications routed to their department once submitted (a draft that was
  never submitted is the applicant's own work in progress);
- applicant: their organisation's applications;
- experts and everyone else: none here (the review stage gives experts their assignments).
"""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from techfund.applications.models import Application, Attachment, Batch
from techfund.core.enums import Role

READER_ROLES = frozenset({Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR})


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def reads_everything(user) -> bool:
    return bool(_roles(user) & READER_ROLES)


def sees_applications(user) -> bool:
    roles = _roles(user)
    return bool(roles & READER_ROLES) or bool(roles & {Role.DEPARTMENT, Role.APPLICANT})


def visible_applications(user) -> QuerySet[Application]:
    qs = Application.objects.all()
    roles = _roles(user)
    if roles & READER_ROLES:
        return qs
    parts = []
    if Role.APPLICANT in roles:
        parts.append(Q(organisation_id__in=user.organisation_ids()))
    if Role.DEPARTMENT in roles:
        parts.append(Q(department_id__in=user.department_ids(), submitted_at__isnull=False))
    if not parts:
        return qs.none()
    return qs.filter(reduce(or_, parts))


def visible_batches(user) -> QuerySet[Batch]:
    qs = Batch.objects.all()
    roles = _roles(user)
    if roles & READER_ROLES:
        return qs
    if Role.DEPARTMENT in roles:
        return qs.filter(department_id__in=user.department_ids())
    return qs.none()


def visible_attachments(user) -> QuerySet[Attachment]:
    return Attachment.objects.filter(application__in=visible_applications(user))
