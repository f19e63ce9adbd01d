"""What each person may see of proposal lists, decisions, publicity and objections. Views, the API
and ``require(..., visible=...)`` use these querysets, so an object outside a person's scope answers
404 everywhere alike.

- office, leading group, finance, auditor: everything;
- department officer: the items of their department's applications;
- applicant: the items of their organisation's applications (or that it implements);
- experts and administrators: nothing.
Publicity lists (without personal data) are public on their own pages; objections, which carry the
objector's name and contact, are seen by the fund's readers only.
"""

from django.db.models import Q, QuerySet

from techfund.core.enums import Role
from techfund.decisions.models import Objection, ProposalBatch, ProposalItem, Publicity

READER_ROLES = frozenset({Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR})


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def reads_everything(user) -> bool:
    return bool(_roles(user) & READER_ROLES)


def sees_items(user) -> bool:
    roles = _roles(user)
    return bool(roles & READER_ROLES) or bool(roles & {Role.DEPARTMENT, Role.APPLICANT})


def visible_batches(user) -> QuerySet[ProposalBatch]:
    qs = ProposalBatch.objects.all()
    return qs if reads_everything(user) else qs.none()


def visible_items(user) -> QuerySet[ProposalItem]:
    qs = ProposalItem.objects.all()
    roles = _roles(user)
    if roles & READER_ROLES:
        return qs
    q = Q(pk__in=[])
    if Role.DEPARTMENT in roles:
        q |= Q(application__department_id__in=user.department_ids())
    if Role.APPLICANT in roles:
        orgs = user.organisation_ids()
        q |= Q(application__organisation_id__in=orgs) | Q(implementing_organisation_id__in=orgs)
    if not roles & {Role.DEPARTMENT, Role.APPLICANT}:
        return qs.none()
    return qs.filter(q)


def visible_publicities(user) -> QuerySet[Publicity]:
    qs = Publicity.objects.all()
    return qs if reads_everything(user) else qs.none()


def visible_objections(user) -> QuerySet[Objection]:
    qs = Objection.objects.all()
    return qs if reads_everything(user) else qs.none()
