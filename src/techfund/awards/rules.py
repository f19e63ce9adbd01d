"""Who may do what with post-award subsidies and competition prizes. Scope (which records a person
may see) is in ``scopes.py``; ``require(..., visible=...)`` answers 404 outside it.

- 领导小组办公室: records the due diligence of competition finalists and proposes the prizes;
- 主管部门 (the project's managing department): verifies a post-award project's achievement evidence
  and eligible spending;
- 财政部门: instructs the payment through the treasury (直通车) — never the person who verified;
- leading group and auditor read; the implementing unit reads its own project's award and payment.
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
from techfund.projects.rules import implements_project, manages_project


@rules.predicate
def routes_application(user, obj) -> bool:
    app = getattr(obj, "application", obj)
    return app is not None and getattr(app, "department_id", None) in user.department_ids()


READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

# The prize schedule of a competition and its export: the fund's readers.
define("awards.view_schedule", READERS, is_fund_reader)
define("awards.export", READERS, is_fund_reader)
# Due diligence records: the readers and the department that routed the finalist.
define(
    "awards.view_diligence",
    (*READERS, Role.DEPARTMENT),
    is_fund_reader | (is_department_officer & routes_application),
)
# A post-award project's verification and payment: whoever sees the project.
define(
    "awards.view_project",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | (is_department_officer & manages_project) | (is_applicant & implements_project),
)
define("awards.record_diligence", (Role.OFFICE,), is_office)
define("awards.apply_prizes", (Role.OFFICE,), is_office)
define("awards.verify", (Role.DEPARTMENT,), is_department_officer & manages_project)
define("awards.instruct", (Role.FINANCE,), is_finance)


def may_verify(user, project) -> bool:
    return can(user, "awards.verify", project)


def may_instruct(user, project) -> bool:
    verification = getattr(project, "award_verification", None)
    return can(user, "awards.instruct", project) and (
        verification is None or verification.verified_by_id != user.pk
    )
