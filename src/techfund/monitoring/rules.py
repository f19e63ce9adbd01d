"""Who may do what in monitoring. Scope (what a person may see) is in ``scopes.py``;
``require(..., visible=...)`` answers 404 outside it.

- the implementing unit (申报单位 of the project's organisation) submits progress reports and answers
  rectification orders;
- the managing department (主管部门) reviews reports, issues and verifies rectification orders and
  reports major problems to the office; the office may do the same for any project;
- the office (领导小组办公室) handles escalated problems;
- the leading group, finance and the auditor read everything and change nothing.
"""

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import is_applicant, is_department_officer, is_fund_reader, is_office
from techfund.projects.rules import implements_project, manages_project

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

#: Government staff who supervise projects (and see escalations): readers and the managing department.
supervises = is_fund_reader | (is_department_officer & manages_project)
#: The managing department's officers or the office.
oversees = is_office | (is_department_officer & manages_project)

define(
    "monitoring.view",
    (*READERS, Role.DEPARTMENT, Role.APPLICANT),
    supervises | (is_applicant & implements_project),
)
define("monitoring.view_escalation", (*READERS, Role.DEPARTMENT), supervises)
define("monitoring.export_overdue", (*READERS, Role.DEPARTMENT), is_fund_reader | is_department_officer)

define("monitoring.submit_report", (Role.APPLICANT,), is_applicant & implements_project)
define("monitoring.review_report", (Role.OFFICE, Role.DEPARTMENT), oversees)
define("monitoring.issue_rectification", (Role.OFFICE, Role.DEPARTMENT), oversees)
define("monitoring.respond_rectification", (Role.APPLICANT,), is_applicant & implements_project)
define("monitoring.verify_rectification", (Role.OFFICE, Role.DEPARTMENT), oversees)
define("monitoring.escalate", (Role.DEPARTMENT,), is_department_officer & manages_project)
define("monitoring.handle_escalation", (Role.OFFICE,), is_office)
