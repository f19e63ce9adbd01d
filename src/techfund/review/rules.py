"""Who may do what in expert review (django-rules predicates, declared with ``define``).

Scope (what a person may *see*) lives in ``scopes.py``; these rules say what they may *do* with
what they see. The first role listed for a permission is the acting role recorded in the trail.
"""

import rules

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import (
    is_applicant,
    is_auditor,
    is_department_officer,
    is_expert,
    is_fund_reader,
    is_office,
    is_secadmin,
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


# ---- pool: the expert pool and conflicts (回避) ----


@rules.predicate
def is_own_expert_record(user, expert) -> bool:
    """The person is this expert (their own pool record)."""
    return expert is not None and expert.user_id == user.pk


@rules.predicate
def is_application_of_own_organisation(user, application) -> bool:
    return application is not None and application.organisation_id in user.organisation_ids()


# An expert keeps their own profile, availability and declared relationships and signs the pledge;
# the office may record availability and relationships on their behalf.
define("review.edit_own_profile", (Role.EXPERT,), is_expert & is_own_expert_record)
define(
    "review.manage_availability", (Role.OFFICE, Role.EXPERT), is_office | (is_expert & is_own_expert_record)
)
define("review.declare_relation", (Role.EXPERT, Role.OFFICE), is_office | (is_expert & is_own_expert_record))
# Conflicts name experts: the office and the auditor only; the office re-checks a round.
define("review.view_conflicts", (Role.OFFICE, Role.AUDITOR), is_office | is_auditor)
define("review.check_conflicts", (Role.OFFICE,), is_office)
# 申请回避: the applicant organisation names experts to exclude; the fund's readers read the list.
define(
    "review.view_exclusions",
    (*READERS, Role.APPLICANT),
    is_fund_reader | (is_applicant & is_application_of_own_organisation),
)
define("review.manage_exclusions", (Role.APPLICANT,), is_applicant & is_application_of_own_organisation)


# ---- meetings: 会议论证 and 现场考核 ----


@rules.predicate
def is_visit_expert(user, visit) -> bool:
    """The person is one of the experts of this site visit (for its attachments)."""
    attachment_visit = getattr(visit, "visit", None)
    visit = attachment_visit if attachment_visit is not None else visit
    expert_id = expert_id_of(user)
    return visit is not None and expert_id is not None and visit.experts.filter(pk=expert_id).exists()


# The office forms panels, schedules and records meetings, and records site visits.
define("review.manage_meetings", (Role.OFFICE,), is_office)
define("review.record_site_visit", (Role.OFFICE,), is_office)
# A site visit's attachments: the office, the auditors and the visit's own experts.
define(
    "review.download_site_visit_attachment",
    (Role.OFFICE, Role.AUDITOR, Role.EXPERT),
    is_office | is_auditor | (is_expert & is_visit_expert),
)


# ---- scoring: results, calibration and their export ----
# The fund's readers export a closed round's results (xlsx); experts never reach results.
define("review.export_results", READERS, is_fund_reader)


# ---- plans: assignment plans and the expert's acceptance ----
# 专家 accepts an assignment before scoring it (or declines it; a replacement is then drawn).
define("review.accept", (Role.EXPERT,), is_expert & is_assigned_expert)
# The fund's readers read and export plans (xlsx); the office makes, releases and discards them
# (``review.assign``).
define("review.export_plan", READERS, is_fund_reader)


# ---- pool: accounts of experts imported without one (三员分立) ----
# The security administrator links an account (made by the system administrator, granted the expert
# role) to an expert record; the office's import never creates accounts.
define("review.link_expert_account", (Role.SECADMIN,), is_secadmin)
