"""Who may do what with applications (django-rules predicates declared with ``define``).

Scope (what a person may *see*) lives in ``scopes.py``; these rules say what they may *do* with
what they see. The first role listed for a permission is the acting role recorded in the trail.
"""

import rules

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import (
    is_applicant,
    is_department_officer,
    is_fund_reader,
    is_office,
    is_officer_of_department,
)


@rules.predicate
def is_member_of_applying_organisation(user, application) -> bool:
    return application is not None and application.organisation_id in user.organisation_ids()


@rules.predicate
def is_officer_of_routing_department(user, application) -> bool:
    """The application (or batch) is routed through one of the user's departments."""
    return application is not None and application.department_id in user.department_ids()


is_own_applicant = is_applicant & is_member_of_applying_organisation
is_screening_officer = is_department_officer & is_officer_of_routing_department

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

define(
    "applications.view",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | is_screening_officer | is_own_applicant,
)
# 申报单位: starts, fills in, submits and withdraws its own applications.
define("applications.start", (Role.APPLICANT,), is_applicant)
define("applications.edit", (Role.APPLICANT,), is_own_applicant)
define("applications.submit", (Role.APPLICANT,), is_own_applicant)
define("applications.withdraw", (Role.APPLICANT,), is_own_applicant)
# 职能部门: pre-screens what is routed to it and forwards the recommended ones in batches.
define("applications.prescreen", (Role.DEPARTMENT,), is_screening_officer)
define("applications.forward", (Role.DEPARTMENT,), is_department_officer & is_officer_of_department)
define("applications.view_batch", (*READERS, Role.DEPARTMENT), is_fund_reader | is_screening_officer)
# 领导小组办公室: the formal check (形式审查).
define("applications.formal_check", (Role.OFFICE,), is_office)
