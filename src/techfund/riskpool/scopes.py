"""What each person may see of risk compensation.

- office, leading group, finance, auditor: everything;
- department officer: the pools their department manages, those pools' claims and recoveries, and
  the loans and partner banks of those pools' banks;
- applicant: its own organisation's covered loans (with their filings) only;
- experts and administrators: nothing.
"""

from django.db.models import QuerySet

from techfund.core.enums import Role
from techfund.riskpool.models import BankRecovery, CoveredLoan, DefaultClaim, PartnerBank, RiskPool


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def reads_all(user) -> bool:
    return _active(user) and bool(
        user.roles() & {Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR}
    )


def sees_riskpool(user) -> bool:
    """Whether the user has any risk compensation pages at all (others get 404)."""
    return _active(user) and (reads_all(user) or bool(user.roles() & {Role.DEPARTMENT, Role.APPLICANT}))


def sees_pools(user) -> bool:
    return _active(user) and (reads_all(user) or Role.DEPARTMENT in user.roles())


def visible_pools(user) -> QuerySet[RiskPool]:
    if reads_all(user):
        return RiskPool.objects.all()
    if not _active(user):
        return RiskPool.objects.none()
    return RiskPool.objects.filter(department_id__in=user.department_ids())


def visible_banks(user) -> QuerySet[PartnerBank]:
    if reads_all(user):
        return PartnerBank.objects.all()
    if not _active(user):
        return PartnerBank.objects.none()
    return PartnerBank.objects.filter(pk__in=visible_pools(user).values("bank_id"))


def visible_loans(user) -> QuerySet[CoveredLoan]:
    if reads_all(user):
        return CoveredLoan.objects.all()
    if not _active(user):
        return CoveredLoan.objects.none()
    banks = visible_pools(user).values("bank_id")
    return CoveredLoan.objects.filter(bank_id__in=banks) | CoveredLoan.objects.filter(
        borrower_id__in=user.organisation_ids()
    )


def visible_claims(user) -> QuerySet[DefaultClaim]:
    return DefaultClaim.objects.filter(pool__in=visible_pools(user))


def visible_recoveries(user) -> QuerySet[BankRecovery]:
    return BankRecovery.objects.filter(claim__pool__in=visible_pools(user))
