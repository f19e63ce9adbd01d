"""What each person may see of sanction orders, recovery orders and receipts: those of the projects
they see (``techfund.projects.scopes.visible_projects``).

- office, leading group, finance, auditor: all;
- department officer: those of the projects their department manages;
- applicant: those of the projects their organisation implements;
- experts and administrators: none.
"""

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from techfund.core.enums import Role
from techfund.projects.scopes import reads_all_projects, visible_projects
from techfund.sanctions.models import RecoveryOrder, RecoveryReceipt, SanctionOrder

__all__ = [
    "reads_all_projects",
    "sees_sanctions",
    "visible_receipts",
    "visible_recoveries",
    "visible_sanctions",
    "with_received",
]


def sees_sanctions(user) -> bool:
    """Whether the user has any sanctions pages at all (others get 404, as for a record outside scope)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return reads_all_projects(user) or bool(user.roles() & {Role.DEPARTMENT, Role.APPLICANT})


def visible_sanctions(user) -> QuerySet[SanctionOrder]:
    return SanctionOrder.objects.filter(project__in=visible_projects(user))


def with_received(qs: QuerySet[RecoveryOrder]) -> QuerySet[RecoveryOrder]:
    """Annotate each order with ``received`` (the sum of its receipts, 0 when none) and
    ``outstanding`` (amount − received)."""
    money = DecimalField(max_digits=18, decimal_places=2)
    return qs.annotate(received=Coalesce(Sum("receipts__amount"), Value(0), output_field=money)).annotate(
        outstanding=ExpressionWrapper(F("amount") - F("received"), output_field=money)
    )


def visible_recoveries(user) -> QuerySet[RecoveryOrder]:
    return RecoveryOrder.objects.filter(project__in=visible_projects(user))


def visible_receipts(user) -> QuerySet[RecoveryReceipt]:
    return RecoveryReceipt.objects.filter(order__project__in=visible_projects(user))
