"""Who may do what with proposal lists, decisions, publicity and objections.

Scope (what a person may *see*) lives in ``scopes.py``. Filing an objection needs no account at all
(``services.file_objection`` takes no actor), so it has no permission here.
"""

import rules

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import (
    is_applicant,
    is_department_officer,
    is_fund_reader,
    is_leading_group,
    is_office,
)


@rules.predicate
def is_officer_of_item_department(user, item) -> bool:
    return item is not None and item.application.department_id in user.department_ids()


@rules.predicate
def is_member_of_item_organisation(user, item) -> bool:
    if item is None:
        return False
    orgs = user.organisation_ids()
    return item.application.organisation_id in orgs or item.implementing_organisation_id in orgs


READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

define("decisions.view_batch", READERS, is_fund_reader)
define(
    "decisions.view_item",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader
    | (is_department_officer & is_officer_of_item_department)
    | (is_applicant & is_member_of_item_organisation),
)
define("decisions.view_publicity", READERS, is_fund_reader)
define("decisions.view_objection", READERS, is_fund_reader)

# 领导小组办公室: proposes the list in batches, publicises, resolves objections, ends the publicity.
define("decisions.create_batch", (Role.OFFICE,), is_office)
define("decisions.propose_item", (Role.OFFICE,), is_office)
define("decisions.remove_item", (Role.OFFICE,), is_office)
define("decisions.submit_batch", (Role.OFFICE,), is_office)
define("decisions.publish_publicity", (Role.OFFICE,), is_office)
define("decisions.resolve_objection", (Role.OFFICE,), is_office)
define("decisions.end_publicity", (Role.OFFICE,), is_office)

# 领导小组: decides each item (领导小组定项目).
define("decisions.decide_item", (Role.LEADING_GROUP,), is_leading_group)
