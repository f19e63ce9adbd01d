"""Who may do what with payee accounts, payment instructions, batches and confirmations. Scope
(which records a person may see) is in ``scopes.py``; ``require(..., visible=...)`` answers 404
outside it.

- Finance (国库集中支付) instructs, cancels, batches, exports and imports the treasury's confirmations,
  and verifies payee accounts.
- The implementing unit's applicant keeps its own organisation's payee account (finance may also
  record one for a unit, e.g. from a paper form); the verification is always by another person than
  the one who recorded it.
- Office, leading group and auditor read; the managing department reads the instructions of its
  projects; the unit reads the instructions paying it.
"""

import rules

from techfund.core.enums import Role
from techfund.core.permissions import can, define
from techfund.core.predicates import is_applicant, is_department_officer, is_finance, is_fund_reader
from techfund.treasury.enums import AccountState, InstructionState

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)


def _organisation(obj):
    if obj is None:
        return None
    return getattr(obj, "organisation", None) or getattr(obj, "payee", None) or obj


@rules.predicate
def member_of_payee(user, obj) -> bool:
    org = _organisation(obj)
    return org is not None and org.pk in user.organisation_ids()


@rules.predicate
def manages_instruction_project(user, obj) -> bool:
    project = getattr(obj, "project", None)
    return project is not None and project.department_id in user.department_ids()


define(
    "treasury.view_instruction",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | (is_department_officer & manages_instruction_project) | (is_applicant & member_of_payee),
)
define("treasury.view_batch", READERS, is_fund_reader)
define("treasury.instruct", (Role.FINANCE,), is_finance)
define("treasury.cancel", (Role.FINANCE,), is_finance)
define("treasury.batch", (Role.FINANCE,), is_finance)
define("treasury.import", (Role.FINANCE,), is_finance)
define("treasury.export", READERS, is_fund_reader)

define("treasury.view_account", (*READERS, Role.APPLICANT), is_fund_reader | (is_applicant & member_of_payee))
define(
    "treasury.record_account", (Role.APPLICANT, Role.FINANCE), (is_applicant & member_of_payee) | is_finance
)
define("treasury.verify_account", (Role.FINANCE,), is_finance)


# Whether to show a user the button of a step (the services check the same, and more).


def may_verify(user, account) -> bool:
    return (
        account.state == AccountState.PENDING
        and account.recorded_by_id != user.pk
        and can(user, "treasury.verify_account", account)
    )


def may_cancel(user, instruction) -> bool:
    if (
        instruction.state == InstructionState.PENDING
        or instruction.state == InstructionState.BATCHED
        and instruction.batch
        and instruction.batch.state == "draft"
    ):
        pass
    else:
        return False
    return can(user, "treasury.cancel", instruction)
