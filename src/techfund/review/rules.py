"""Who may do what in expert review (django-rules predicates, declared with ``define``).

Scope (what a person may *see*) lives in ``scopes.py``; these rules say what they may *do* with
what they see. The first role listed for a permission is the acting role recorded in the trail.
"""

import rules

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import (
    is_applicant,
    is_department_officer,
    is_expert,
    is_fund_reader,
    is_office,
)
from techfund.review.scopes import expert_id_of


@rules.predicate
def is_assigned_expert(user, assignment) -> bool:
    """The person is the expert of this assignment."""
    return assignment is not None and assignment.expert_id == expert_id_of(user)


@rules.predicate
def is_result_of_own_department(user, result) -> bool:
    return result is not None and result.application.department_id in user.department_ids()


@rules.predicate
def is_result_of_own_organisation(user, result) -> bool:
    return result is not None and result.application.organisation_id in user.organisation_ids()


READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

# Reading: the fund's readers see everything; an expert their own tasks; departments and applicants
# the closed results of their applications (never the experts' names).
define("review.view_experts", READERS, is_fund_reader)
define("review.view_rounds", (*READERS, Role.EXPERT), is_fund_reader | is_expert)
define("review.view_assignment", (*READERS, Role.EXPERT), is_fund_reader | (is_expert & is_assigned_expert))
define(
    "review.view_result",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader
    | (is_department_officer & is_result_of_own_department)
    | (is_applicant & is_result_of_own_organisation),
)

# 领导小组办公室: keeps the expert pool, runs the rounds, assigns experts by hand.
define("review.manage_experts", (Role.OFFICE,), is_office)
define("review.manage_rounds", (Role.OFFICE,), is_office)
define("review.assign", (Role.OFFICE,), is_office)

# 专家: scores or declines (回避) only their own assignments.
define("review.score", (Role.EXPERT,), is_expert & is_assigned_expert)
define("review.decline", (Role.EXPERT,), is_expert & is_assigned_expert)
