"""Who may load and who may read the city policy profile.

Loading is the office's work (and the system administrator's at installation); everyone who runs
or oversees the fund may read the profile. Applicants and experts may not: to them the policy pages
answer 404, as if they did not exist (the published calls carry what they need).
"""

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import (
    is_auditor,
    is_department_officer,
    is_finance,
    is_leading_group,
    is_office,
    is_sysadmin,
)

define("policy.load", (Role.OFFICE, Role.SYSADMIN), is_office | is_sysadmin)
define(
    "policy.view",
    (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT, Role.SYSADMIN),
    is_office | is_leading_group | is_finance | is_auditor | is_department_officer | is_sysadmin,
)
