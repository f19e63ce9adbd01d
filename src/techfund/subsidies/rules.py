"""Who may do what with loans, interest-subsidy claims and the reference-rate table. Scope (which
records a person may see) is in ``scopes.py``; ``require(..., visible=...)`` answers 404 outside it.

- the enterprise (applicant of the project's organisation) registers its loans, drawdowns,
  repayments and interest evidence, files and submits claims;
- the managing department verifies (or returns) a submitted claim;
- finance approves (or returns) a verified claim and instructs the treasury payment;
- the leading group's office keeps the reference-rate table (LPR by effective date).

The three steps of a claim are taken by three different people (checked by the services and by the
database): the department never verifies a claim it submitted, and finance never approves one it
submitted or verified.
"""

from techfund.core.enums import Role
from techfund.core.permissions import can, define
from techfund.core.predicates import (
    is_applicant,
    is_department_officer,
    is_finance,
    is_fund_reader,
    is_office,
)
from techfund.projects.rules import implements_project, manages_project
from techfund.subsidies.enums import ClaimState

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

define(
    "subsidies.view",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | (is_department_officer & manages_project) | (is_applicant & implements_project),
)
define("subsidies.export", (*READERS, Role.DEPARTMENT), is_fund_reader | is_department_officer)
# The enterprise's own records (its loans, their drawdowns, repayments and interest evidence; its claims).
define("subsidies.register", (Role.APPLICANT,), is_applicant & implements_project)
define("subsidies.claim", (Role.APPLICANT,), is_applicant & implements_project)
# 主管部门审核 → 财政部门审批 and 下达国库支付指令.
define("subsidies.verify", (Role.DEPARTMENT,), is_department_officer & manages_project)
define("subsidies.approve", (Role.FINANCE,), is_finance)
define("subsidies.instruct", (Role.FINANCE,), is_finance)
# 参考利率表 (LPR / 基准利率 by effective date).
define("subsidies.manage_rates", (Role.OFFICE,), is_office)
define(
    "subsidies.view_rates",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | is_department_officer | is_applicant,
)


def _people(claim) -> set:
    return {claim.submitted_by_id, claim.verified_by_id} - {None}


# Whether to show a user the button of a step (the services check the same, and more).


def may_submit(user, claim) -> bool:
    return claim.state == ClaimState.DRAFT and can(user, "subsidies.claim", claim)


def may_verify(user, claim) -> bool:
    return (
        claim.state == ClaimState.SUBMITTED
        and user.pk not in _people(claim)
        and can(user, "subsidies.verify", claim)
    )


def may_approve(user, claim) -> bool:
    return (
        claim.state == ClaimState.VERIFIED
        and user.pk not in _people(claim)
        and can(user, "subsidies.approve", claim)
    )


def may_instruct(user, claim) -> bool:
    return claim.state == ClaimState.APPROVED and can(user, "subsidies.instruct", claim)
