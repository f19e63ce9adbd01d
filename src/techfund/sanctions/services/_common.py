"""Helpers shared by this stage's services (not part of the public interface)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.core.services import ledger
from techfund.core.validation import raise_errors, text  # noqa: F401 - re-exported to this stage
from techfund.funds.validation import fmt
from techfund.projects import accounts
from techfund.projects.enums import ProjectState
from techfund.projects.models import Payment
from techfund.projects.services._common import lock_project, parse_date, today_or
from techfund.sanctions.enums import OUTSTANDING_RECOVERY_STATES, SanctionKind, SanctionState
from techfund.sanctions.models import RecoveryOrder, RecoveryReceipt, SanctionOrder

__all__ = [
    "Figures",
    "fmt",
    "lock_project",
    "next_number",
    "parse_date",
    "project_figures",
    "raise_errors",
    "recovery_advice",
    "text",
    "today_or",
]


def next_number(model, prefix: str, project) -> str:
    """``{prefix}-{project number}-{nn}``, sequential per project (the caller holds the project lock)."""
    n = model.objects.filter(project=project).count() + 1
    return f"{prefix}-{project.number}-{n:02d}"


@dataclass(frozen=True)
class Figures:
    """A project's money, from the ledger and this stage's records.

    ``arranged = paid + unpaid + released`` and ``disbursed = paid − received`` always hold."""

    arranged: Decimal
    paid: Decimal
    unpaid: Decimal
    released: Decimal
    received: Decimal
    disbursed: Decimal
    #: Still owed on recovery orders waiting for finance or open (amount − received).
    outstanding: Decimal

    @property
    def recoverable(self) -> Decimal:
        """What a new recovery order may still ask for."""
        return max(self.disbursed - self.outstanding, ledger.ZERO)


def outstanding_on_orders(project, *, exclude=None) -> Decimal:
    orders = RecoveryOrder.objects.filter(project=project, state__in=OUTSTANDING_RECOVERY_STATES)
    if exclude is not None:
        orders = orders.exclude(pk=exclude.pk)
    amount = orders.aggregate(s=Sum("amount"))["s"] or ledger.ZERO
    received = RecoveryReceipt.objects.filter(order__in=orders).aggregate(s=Sum("amount"))["s"] or ledger.ZERO
    return amount - received


def project_figures(project) -> Figures:
    paid = Payment.objects.filter(project=project).aggregate(s=Sum("amount"))["s"] or ledger.ZERO
    released = (
        SanctionOrder.objects.filter(
            project=project, kind=SanctionKind.TERMINATE, state=SanctionState.EFFECTIVE
        ).aggregate(s=Sum("released_amount"))["s"]
        or ledger.ZERO
    )
    received = (
        RecoveryReceipt.objects.filter(order__project=project).aggregate(s=Sum("amount"))["s"] or ledger.ZERO
    )
    balances = accounts.project_balances([project])[project.pk]
    return Figures(
        arranged=project.amount,
        paid=paid,
        unpaid=balances["unpaid"],
        released=released,
        received=received,
        disbursed=balances["disbursed"],
        outstanding=outstanding_on_orders(project),
    )


def recovery_advice(project, figures: Figures) -> str:
    """What the policy says about a terminated project's paid money, when some may still be recovered
    (the page suggests a recovery order; nothing is created by itself). Empty when there is no advice."""
    if project.state != ProjectState.TERMINATED or figures.recoverable <= 0:
        return ""
    rule = project.fund_year.profile.rule
    refund = rule("tranches.refund_unspent_on_termination", False)
    misconduct = rule("tranches.recover_on_misconduct", False)
    ctx = {"left": fmt(figures.recoverable)}
    if refund and misconduct:
        msg = _(
            "项目已终止，已拨付未追回 %(left)s 元。按本市政策，终止项目应退回结余资金，因违规终止的应追回已拨资金：可下达追回通知。"
        )
    elif refund:
        msg = _("项目已终止，已拨付未追回 %(left)s 元。按本市政策，终止项目应退回结余资金：可下达追回通知。")
    elif misconduct:
        msg = _(
            "项目已终止，已拨付未追回 %(left)s 元。按本市政策，因违规终止的应追回已拨资金：可下达追回通知。"
        )
    else:
        return ""
    return msg % ctx
