"""Who may do what with sanction orders, recovery orders and receipts. Scope (which records a person
may see) is in ``scopes.py``; ``require(..., visible=...)`` answers 404 outside it.

The office proposes (暂停拨款、解除暂停、终止项目) and drafts recovery orders; finance concurs or
rejects, confirms recovery orders and records the money paid back. A decision is joint: an order
takes effect only with both signatures, and the two are never the same person.
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
from techfund.sanctions.enums import RecoveryState, SanctionState

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

# Everyone who sees the project reads its orders: the fund's readers, the managing department, the unit.
define(
    "sanctions.view",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | (is_department_officer & manages_project) | (is_applicant & implements_project),
)
define("sanctions.export", READERS, is_fund_reader)

# 领导小组办公室 proposes; 财政部门 concurs or rejects (the PROJECT table's moves name "sanctions.decide").
define("sanctions.propose", (Role.OFFICE,), is_office)
define("sanctions.decide", (Role.FINANCE,), is_finance)

# 追回: the office drafts the order, finance confirms it and records the receipts.
define("sanctions.issue_recovery", (Role.OFFICE,), is_office)
define("sanctions.decide_recovery", (Role.FINANCE,), is_finance)
define("sanctions.record_receipt", (Role.FINANCE,), is_finance)


# Whether to show a user the button of a step (the services check the same, and more).


def may_decide(user, order) -> bool:
    return (
        order.state == SanctionState.PROPOSED
        and order.proposed_by_id != user.pk
        and can(user, "sanctions.decide", order)
    )


def may_confirm(user, recovery) -> bool:
    return (
        recovery.state == RecoveryState.PROPOSED
        and recovery.issued_by_id != user.pk
        and can(user, "sanctions.decide_recovery", recovery)
    )


def may_receive(user, recovery) -> bool:
    return recovery.state == RecoveryState.OPEN and can(user, "sanctions.record_receipt", recovery)
