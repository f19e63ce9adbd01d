"""What each person may see of the treasury records.

- office, leading group, finance, auditor: everything;
- department officer: the instructions of the projects their department manages;
- applicant: the instructions paying their organisation, and their organisation's payee accounts;
- experts and administrators: nothing.
Batches and confirmation files are finance's working papers: the fund's readers only.
"""

from django.db.models import Q, QuerySet

from techfund.core.enums import Role
from techfund.treasury.models import ConfirmationImport, PayeeAccount, PaymentBatch, PaymentInstruction

READER_ROLES = frozenset({Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR})


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def reads_treasury(user) -> bool:
    return bool(_roles(user) & READER_ROLES)


def sees_instructions(user) -> bool:
    return bool(_roles(user) & (READER_ROLES | {Role.DEPARTMENT, Role.APPLICANT}))


def sees_accounts(user) -> bool:
    return bool(_roles(user) & (READER_ROLES | {Role.APPLICANT}))


def visible_instructions(user) -> QuerySet[PaymentInstruction]:
    qs = PaymentInstruction.objects.all()
    roles = _roles(user)
    if roles & READER_ROLES:
        return qs
    q = Q(pk__in=[])
    if Role.DEPARTMENT in roles:
        q |= Q(project__department_id__in=user.department_ids())
    if Role.APPLICANT in roles:
        q |= Q(payee_id__in=user.organisation_ids())
    return qs.filter(q)


def visible_batches(user) -> QuerySet[PaymentBatch]:
    return PaymentBatch.objects.all() if reads_treasury(user) else PaymentBatch.objects.none()


def visible_imports(user) -> QuerySet[ConfirmationImport]:
    return ConfirmationImport.objects.filter(batch__in=visible_batches(user))


def visible_accounts(user) -> QuerySet[PayeeAccount]:
    qs = PayeeAccount.objects.all()
    roles = _roles(user)
    if roles & READER_ROLES:
        return qs
    if Role.APPLICANT in roles:
        return qs.filter(organisation_id__in=user.organisation_ids())
    return qs.none()
