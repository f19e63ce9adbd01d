"""Composable permission predicates (django-rules) shared by every stage.

Predicates are named for what they mean and combined with ``&`` and ``|`` in each app's
``rules.py``. ``techfund.core.permissions.require`` is how services check them.
"""

import rules

from techfund.core.enums import Role


def _has_role(role: str):
    @rules.predicate(name=f"has_role_{role}")
    def pred(user) -> bool:
        return bool(user and user.is_authenticated and hasattr(user, "has_role") and user.has_role(role))

    return pred


is_applicant = _has_role(Role.APPLICANT)
is_department_officer = _has_role(Role.DEPARTMENT)
is_office = _has_role(Role.OFFICE)
is_leading_group = _has_role(Role.LEADING_GROUP)
is_finance = _has_role(Role.FINANCE)
is_expert = _has_role(Role.EXPERT)
is_auditor = _has_role(Role.AUDITOR)
is_sysadmin = _has_role(Role.SYSADMIN)
is_secadmin = _has_role(Role.SECADMIN)
is_auditadmin = _has_role(Role.AUDITADMIN)

#: Government readers of the whole fund (the auditor reads everything, changes nothing).
is_fund_reader = is_office | is_finance | is_leading_group | is_auditor


@rules.predicate
def is_member_of_organisation(user, organisation) -> bool:
    return organisation is not None and organisation.pk in user.organisation_ids()


@rules.predicate
def is_officer_of_department(user, department) -> bool:
    return department is not None and department.pk in user.department_ids()
