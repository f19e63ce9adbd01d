"""Who may use the project library (django-rules predicates, declared with ``define``).

What a person finds there is their scope (``scopes.py``): the library shows every application they
may see, and nothing else. Experts and the system administrators do not use it.
"""

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import is_applicant, is_department_officer, is_fund_reader

ROLES = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT, Role.APPLICANT)
uses_library = is_fund_reader | is_department_officer | is_applicant

define("library.search", ROLES, uses_library)
define("library.view_application", ROLES, uses_library)
define("library.export", ROLES, uses_library)
