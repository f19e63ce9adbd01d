"""What each person may see in the project library.

The library shows applications exactly as far as the applications stage lets a person see them
(``techfund.applications.scopes.visible_applications``): applicants their own organisation's,
department officers their own department's once submitted, office, finance, leading group and
auditor all of them, experts none here.

Government readers (``sees_internal``) also see the internal side of a record: the office's proposal
items and the leading group's decision before it is made public (公示), with their audit events.
Applicants see a decision once it is public, and the events about their application, its
department pre-screens and its formal checks.
"""

from techfund.applications.scopes import visible_applications
from techfund.core.enums import Role

#: Roles that search the whole library.
READER_ROLES = frozenset({Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR})
#: Roles that see the internal side of a record.
GOVERNMENT_ROLES = READER_ROLES | {Role.DEPARTMENT}


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def sees_internal(user) -> bool:
    return bool(_roles(user) & GOVERNMENT_ROLES)


__all__ = ["visible_applications", "sees_internal", "READER_ROLES", "GOVERNMENT_ROLES"]
