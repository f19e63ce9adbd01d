"""Who may do what in acceptance and evaluation. Scope (what a person may see) is in ``scopes.py``;
``require(..., visible=...)`` answers 404 outside it.

- the implementing unit (an applicant of the project's organisation) submits the self-evaluation;
- the office accepts or returns it, proposes the comprehensive evaluation and the next-year proposal;
- finance confirms (or returns) the comprehensive evaluation, which completes the project;
- the leading group, finance and the auditor read everything; a department officer reads the
  evaluations and grades of the projects their department manages; a unit its own projects'.
"""

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import (
    is_applicant,
    is_department_officer,
    is_finance,
    is_fund_reader,
    is_office,
)
from techfund.projects.rules import implements_project, manages_project

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

define(
    "evaluation.view_evaluation",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    is_fund_reader | (is_department_officer & manages_project) | (is_applicant & implements_project),
)
define("evaluation.view_grades", (*READERS, Role.DEPARTMENT), is_fund_reader | is_department_officer)
define("evaluation.view_next_year", READERS, is_fund_reader)

# 单位自评: the implementing unit.
define("evaluation.submit_self_evaluation", (Role.APPLICANT,), is_applicant & implements_project)
# 验收: the office accepts the self-evaluation as the basis of the comprehensive evaluation, or returns it.
define("evaluation.accept_self_evaluation", (Role.OFFICE,), is_office)
define("evaluation.return_self_evaluation", (Role.OFFICE,), is_office)
# 综合绩效评价: proposed by the office, confirmed (or returned) by finance; confirmation completes the project.
define("evaluation.propose_comprehensive", (Role.OFFICE,), is_office)
define("evaluation.complete_evaluation", (Role.FINANCE,), is_finance)
define("evaluation.return_comprehensive", (Role.FINANCE,), is_finance)
# 评价结果与以后年度预算安排挂钩: the office proposes, adjusts and submits next year's framework.
define("evaluation.propose_next_year", (Role.OFFICE,), is_office)
define("evaluation.adjust_next_year", (Role.OFFICE,), is_office)
define("evaluation.submit_next_year", (Role.OFFICE,), is_office)
