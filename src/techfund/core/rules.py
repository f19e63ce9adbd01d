"""Permissions of the core app (accounts, organisations, grants, audit trail)."""

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import (
    is_applicant,
    is_auditadmin,
    is_auditor,
    is_department_officer,
    is_fund_reader,
    is_office,
    is_secadmin,
    is_sysadmin,
)

# 三员分立: the system administrator keeps accounts and organisations, the security administrator
# grants roles, the audit administrator reads the trail. None of them does fund business.
define("core.manage_accounts", (Role.SYSADMIN,), is_sysadmin)
define("core.manage_departments", (Role.SYSADMIN,), is_sysadmin)
define("core.register_organisation", (Role.SYSADMIN, Role.OFFICE), is_sysadmin | is_office)
define("core.grant_roles", (Role.SECADMIN,), is_secadmin)
define("core.view_audit_trail", (Role.AUDITOR, Role.AUDITADMIN), is_auditor | is_auditadmin)

# Who may open the organisation pages at all; which organisations each sees is ``scopes.visible_organisations``.
define(
    "core.view_organisations",
    (
        Role.SYSADMIN,
        Role.OFFICE,
        Role.LEADING_GROUP,
        Role.FINANCE,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
    ),
    is_sysadmin | is_fund_reader | is_department_officer | is_applicant,
)
define("core.maintain_calendar", (Role.OFFICE,), is_office)
