"""Who may do what with risk compensation. Scope (which records a person sees) is in ``scopes.py``;
``require(..., visible=...)`` answers 404 outside it.

There is no bank role: the office (the managing agency, 管理机构) records what the partner banks
submit — the cooperation agreement, the loans, their monthly filings and the banks' claims — and a
*different* office member reviews each claim (agency_review). The claim is approved by an officer of
the pool's managing department (主管部门, e.g. 科技局; department_approval); finance funds the pools,
pays approved claims through the treasury and records what the banks recover afterwards.
Nobody takes two steps of one claim.
"""

import rules

from techfund.core.enums import Role
from techfund.core.permissions import can, define
from techfund.core.predicates import (
    is_applicant,
    is_department_officer,
    is_finance,
    is_fund_reader,
    is_office,
)
from techfund.riskpool.enums import ClaimState

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)


def _department_id(obj):
    """The managing department of a pool, a claim or a recovery (None for other records)."""
    from techfund.riskpool.models import BankRecovery, DefaultClaim, RiskPool

    if isinstance(obj, RiskPool):
        return obj.department_id
    if isinstance(obj, DefaultClaim):
        return obj.pool.department_id
    if isinstance(obj, BankRecovery):
        return obj.claim.pool.department_id
    return None


@rules.predicate
def manages_pool(user, obj) -> bool:
    dept = _department_id(obj)
    return dept is not None and dept in user.department_ids()


@rules.predicate
def borrows_loan(user, obj) -> bool:
    from techfund.riskpool.models import CoveredLoan

    return isinstance(obj, CoveredLoan) and obj.borrower_id in user.organisation_ids()


@rules.predicate
def no_object(user, obj) -> bool:
    """Pages as a whole (the lists); the records on them are filtered by scope."""
    return obj is None


define(
    "riskpool.view",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | is_department_officer | (is_applicant & (no_object | borrows_loan)),
)
define("riskpool.export", READERS, is_fund_reader)
define("riskpool.manage_banks", (Role.OFFICE,), is_office)
define("riskpool.fund", (Role.FINANCE,), is_finance)
define("riskpool.register_loan", (Role.OFFICE,), is_office)
define("riskpool.file", (Role.OFFICE,), is_office)
define("riskpool.claim", (Role.OFFICE,), is_office)
define("riskpool.review", (Role.OFFICE,), is_office)
define("riskpool.approve", (Role.DEPARTMENT,), is_department_officer & manages_pool)
define("riskpool.pay", (Role.FINANCE,), is_finance)
define("riskpool.record_recovery", (Role.FINANCE,), is_finance)


# Whether to show a user the button of a step (the services check the same, and more).


def _took_part(user, claim) -> bool:
    return user.pk in {claim.claimed_by_id, claim.reviewed_by_id, claim.approved_by_id}


def _steps(claim) -> list[str]:
    return list(claim.pool.fund_year.profile.rule("risk_compensation.claim_steps") or [])


def may_review(user, claim) -> bool:
    return (
        claim.state == ClaimState.CLAIMED
        and "agency_review" in _steps(claim)
        and not _took_part(user, claim)
        and can(user, "riskpool.review", claim)
    )


def may_approve(user, claim) -> bool:
    steps = _steps(claim)
    ready = ClaimState.REVIEWED if "agency_review" in steps else ClaimState.CLAIMED
    return (
        claim.state == ready
        and "department_approval" in steps
        and not _took_part(user, claim)
        and can(user, "riskpool.approve", claim)
    )


def may_pay(user, claim) -> bool:
    return (
        claim.state == ClaimState.APPROVED
        and not _took_part(user, claim)
        and can(user, "riskpool.pay", claim)
    )


def may_record_recovery(user, claim) -> bool:
    return claim.state == ClaimState.PAID and can(user, "riskpool.record_recovery", claim)
