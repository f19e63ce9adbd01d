"""What each person may see of the calls. Views, the API and ``require(..., visible=...)`` use these.

- office, leading group, finance, auditor, department officers: every call, drafts included;
- everyone else, anonymous visitors included: the public calls (published or closed).
"""

from django.db.models import Prefetch, QuerySet

from techfund.calls.enums import CallState
from techfund.calls.models import Call, CallQuota
from techfund.core.enums import Role
from techfund.core.models import Organisation

#: Roles that see every call, drafts and cancelled ones included.
STAFF_ROLES = frozenset({Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT})
#: States the public sees.
PUBLIC_STATES = (CallState.PUBLISHED, CallState.CLOSED)


def _roles(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return user.roles()


def sees_all_calls(user) -> bool:
    return bool(_roles(user) & STAFF_ROLES)


def public_calls() -> QuerySet[Call]:
    return Call.objects.filter(state__in=PUBLIC_STATES)


def visible_calls(user) -> QuerySet[Call]:
    return Call.objects.all() if sees_all_calls(user) else public_calls()


def with_details(qs: QuerySet[Call]) -> QuerySet[Call]:
    """Calls with what their pages show (focus area, year, quotas, designated units) in a fixed number of queries."""
    return qs.select_related("fund_year", "focus_area").prefetch_related(
        Prefetch(
            "quotas", queryset=CallQuota.objects.select_related("department").order_by("department__code")
        ),
        Prefetch("designated_organisations", queryset=Organisation.objects.order_by("name")),
    )
