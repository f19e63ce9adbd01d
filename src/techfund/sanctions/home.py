"""This stage's part of each role's home page: pending work and links (registered in ``apps.py``).

- finance: proposals to co-sign, recovery orders to confirm, open orders whose money is still owed;
- office: proposals finance recently rejected, open recovery orders past their deadline;
- applicant: the recovery orders its organisation must still pay back.
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.funds.validation import fmt
from techfund.sanctions.enums import RecoveryState, SanctionKind, SanctionState
from techfund.sanctions.scopes import visible_recoveries, visible_sanctions, with_received

#: How long a rejection stays on the office's home page (it acts on it or lets it go).
REJECTED_SHOWN_DAYS = 30


def _orders(user):
    return visible_sanctions(user).select_related("project").order_by("proposed_at", "id")


def _recoveries(user):
    return with_received(visible_recoveries(user)).select_related("project").order_by("deadline", "id")


def orders_to_decide(user):
    for o in _orders(user).filter(state=SanctionState.PROPOSED).exclude(proposed_by=user):
        yield Pending(
            title=f"{o.project.number} {o.project.title}",
            url=reverse("sanctions:order_detail", args=[o.pk]),
            kind=_("%(kind)s建议，待财政部门会签") % {"kind": SanctionKind(o.kind).label},
            detail=o.reason[:80],
        )


def recoveries_to_confirm(user):
    for r in _recoveries(user).filter(state=RecoveryState.PROPOSED).exclude(issued_by=user):
        yield Pending(
            title=f"{r.project.number} {r.project.title}",
            url=reverse("sanctions:recovery_detail", args=[r.pk]),
            kind=_("追回通知待财政部门确认"),
            detail=_("追回 %(amount)s 元，缴回期限 %(d)s") % {"amount": fmt(r.amount), "d": r.deadline},
        )


def _outstanding_detail(r) -> str:
    return _("待缴 %(left)s 元（追回 %(amount)s 元），缴回期限 %(d)s") % {
        "left": fmt(r.amount - r.received),
        "amount": fmt(r.amount),
        "d": r.deadline,
    }


def receipts_outstanding(user):
    for r in _recoveries(user).filter(state=RecoveryState.OPEN):
        yield Pending(
            title=f"{r.number} {r.project.title}",
            url=reverse("sanctions:recovery_detail", args=[r.pk]),
            kind=_("追回资金待缴回登记"),
            detail=_outstanding_detail(r),
        )


def rejected_recently(user):
    since = timezone.now() - dt.timedelta(days=REJECTED_SHOWN_DAYS)
    for o in _orders(user).filter(state=SanctionState.REJECTED, decided_at__gte=since):
        yield Pending(
            title=f"{o.project.number} {o.project.title}",
            url=reverse("sanctions:order_detail", args=[o.pk]),
            kind=_("%(kind)s建议财政部门不同意") % {"kind": SanctionKind(o.kind).label},
            detail=o.opinion[:80],
        )
    for r in _recoveries(user).filter(state=RecoveryState.REJECTED, decided_at__gte=since):
        yield Pending(
            title=f"{r.project.number} {r.project.title}",
            url=reverse("sanctions:recovery_detail", args=[r.pk]),
            kind=_("追回通知财政部门不同意"),
            detail=r.opinion[:80],
        )


def recoveries_overdue(user):
    today = timezone.localdate()
    for r in _recoveries(user).filter(state=RecoveryState.OPEN, deadline__lt=today):
        yield Pending(
            title=f"{r.number} {r.project.title}",
            url=reverse("sanctions:recovery_detail", args=[r.pk]),
            kind=_("追回资金逾期未缴清"),
            detail=_outstanding_detail(r),
        )


def recoveries_to_pay(user):
    for r in _recoveries(user).filter(state=RecoveryState.OPEN):
        yield Pending(
            title=f"{r.number} {r.project.title}",
            url=reverse("sanctions:recovery_detail", args=[r.pk]),
            kind=_("追回通知：请按期缴回已拨资金"),
            detail=_outstanding_detail(r),
        )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.FINANCE)(orders_to_decide)
    register_pending(Role.FINANCE)(recoveries_to_confirm)
    register_pending(Role.FINANCE)(receipts_outstanding)
    register_pending(Role.OFFICE)(rejected_recently)
    register_pending(Role.OFFICE)(recoveries_overdue)
    register_pending(Role.APPLICANT)(recoveries_to_pay)
    for role in (
        Role.OFFICE,
        Role.FINANCE,
        Role.LEADING_GROUP,
        Role.AUDITOR,
        Role.DEPARTMENT,
    ):
        register_link(role, "sanctions:overview", gettext_lazy("暂停拨款、终止与追回"))
