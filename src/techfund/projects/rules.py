"""Who may do what with projects, contracts and payments. Scope (what a person may see) is in
``scopes.py``; ``require(..., visible=visible_projects(actor))`` answers 404 outside it."""

import rules

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import (
    is_applicant,
    is_department_officer,
    is_finance,
    is_fund_reader,
    is_office,
)


def _project(obj):
    return getattr(obj, "project", obj)


@rules.predicate
def manages_project(user, obj) -> bool:
    p = _project(obj)
    return p is not None and p.department_id in user.department_ids()


@rules.predicate
def implements_project(user, obj) -> bool:
    p = _project(obj)
    return p is not None and p.organisation_id in user.organisation_ids()


READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

define(
    "projects.view_project",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | (is_department_officer & manages_project) | (is_applicant & implements_project),
)
# 财政部门下资金: finance arranges the budget, confirms the statutory approval and pays (直通车).
define("projects.arrange", (Role.FINANCE,), is_finance)
define("projects.confirm_statutory_approval", (Role.FINANCE,), is_finance)
define("projects.pay", (Role.FINANCE,), is_finance)
# 任务书: drawn up by the office or the managing department; signed by both sides.
define(
    "projects.generate_contract",
    (Role.OFFICE, Role.DEPARTMENT),
    is_office | (is_department_officer & manages_project),
)
define(
    "projects.sign_contract",
    (Role.OFFICE, Role.DEPARTMENT, Role.APPLICANT),
    is_office | (is_department_officer & manages_project) | (is_applicant & implements_project),
)
# The project list's Excel export: whoever has projects in scope (the export is filtered by scope).
define(
    "projects.export",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | is_department_officer | is_applicant,
)
