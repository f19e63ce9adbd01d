"""What each person may see of the core records. Views, the API and ``require(..., visible=...)``
use these querysets, so an object outside a person's scope answers 404 everywhere alike.

Organisations:
- office, leading group, finance, auditor, department officers and the system administrator: all;
- applicants: their own organisation(s) only;
- experts, the security and the audit administrator: none.

Accounts and role grants: the system administrator keeps the accounts, the security administrator
grants roles (and so sees every account and grant). The audit trail: auditor and audit administrator.
"""

from django.db.models import Prefetch, QuerySet

from techfund.core.enums import Role
from techfund.core.models import AuditEvent, Department, Organisation, RoleGrant, User

#: Roles that see every organisation.
ORGANISATION_READER_ROLES = frozenset(
    {Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT, Role.SYSADMIN}
)
#: Roles that see every account (to keep them, or to grant roles to them).
ACCOUNT_READER_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN})
#: Roles that read the audit trail.
AUDIT_READER_ROLES = frozenset({Role.AUDITOR, Role.AUDITADMIN})


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def sees_all_organisations(user) -> bool:
    return bool(_roles(user) & ORGANISATION_READER_ROLES)


def visible_organisations(user) -> QuerySet[Organisation]:
    qs = Organisation.objects.all()
    roles = _roles(user)
    if roles & ORGANISATION_READER_ROLES:
        return qs
    if Role.APPLICANT in roles:
        return qs.filter(pk__in=user.organisation_ids())
    return qs.none()


def grantable_organisations(user) -> QuerySet[Organisation]:
    """The organisations the security administrator may pick as the scope of an applicant grant."""
    qs = Organisation.objects.all()
    return qs if Role.SECADMIN in _roles(user) else qs.none()


def visible_departments(user) -> QuerySet[Department]:
    qs = Department.objects.all()
    return qs if _roles(user) & {Role.SYSADMIN, Role.SECADMIN} else qs.none()


def active_grants_prefetch() -> Prefetch:
    return Prefetch(
        "grants",
        queryset=RoleGrant.objects.filter(revoked_at__isnull=True).select_related(
            "organisation", "department"
        ),
        to_attr="active_grant_list",
    )


def visible_users(user) -> QuerySet[User]:
    qs = User.objects.all()
    return qs if _roles(user) & ACCOUNT_READER_ROLES else qs.none()


def visible_grants(user) -> QuerySet[RoleGrant]:
    qs = RoleGrant.objects.select_related("user", "organisation", "department", "granted_by", "revoked_by")
    return qs if Role.SECADMIN in _roles(user) else qs.none()


def visible_audit_events(user) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("actor")
    return qs if _roles(user) & AUDIT_READER_ROLES else qs.none()
