"""追回已拨资金: the office drafts a recovery order for money already paid to the unit, finance confirms
it (or rejects it with its opinion) and records the money paid back; each receipt moves disbursed →
the fund year's pool, and the order is settled when fully received.

An order may ask for at most what was paid and not yet recovered, less what other orders of the
project still claim, so the project's recovery orders together never exceed its disbursed balance.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.funds.accounts import data_language, pool_account
from techfund.funds.validation import amount as parse_amount
from techfund.projects import accounts
from techfund.projects.models import Payment
from techfund.projects.scopes import visible_projects
from techfund.sanctions.enums import Decision, RecoveryState
from techfund.sanctions.models import BASIS_MAX, TEXT_MAX, RecoveryOrder, RecoveryReceipt
from techfund.sanctions.scopes import visible_recoveries
from techfund.sanctions.services._common import (
    fmt,
    lock_project,
    next_number,
    outstanding_on_orders,
    parse_date,
    raise_errors,
    text,
    today_or,
)
from techfund.sanctions.transitions import RECOVERY

TREASURY_REF_MAX = 60
NOTE_MAX = 300


def received_on_order(order) -> object:
    return RecoveryReceipt.objects.filter(order=order).aggregate(s=Sum("amount"))["s"] or ledger.ZERO


def _check_amount(project, value, *, exclude=None) -> None:
    """Refuse ``value`` beyond the project's disbursed balance less what other orders still claim."""
    disbursed = ledger.balance(accounts.disbursed_account(project))
    others = outstanding_on_orders(project, exclude=exclude)
    available = disbursed - others
    figures = {"disbursed": fmt(disbursed), "others": fmt(others), "v": fmt(value)}
    if available <= 0:
        msg = _(
            "项目 %(number)s 没有可追回的已拨资金（已拨付未追回 %(disbursed)s 元，其他追回通知待缴 %(others)s 元）。"
        ) % {"number": project.number, **figures}
        raise ServiceError(msg, code="nothing_to_recover", errors={"amount": [msg]})
    if value > available:
        msg = _(
            "追回金额 %(v)s 元超过可追回金额 %(left)s 元（已拨付未追回 %(disbursed)s 元，其他追回通知待缴 %(others)s 元）。"
        ) % {"left": fmt(available), **figures}
        raise ServiceError(msg, code="exceeds_disbursed", errors={"amount": [msg]})


@transaction.atomic
def issue_recovery(
    project,
    *,
    actor,
    amount,
    reason: str,
    basis: str,
    deadline,
    today: dt.date | None = None,
) -> RecoveryOrder:
    """The office drafts a recovery order (追回通知); it is effective once finance confirms it."""
    project = lock_project(project)
    role = require(actor, "sanctions.issue_recovery", project, visible=visible_projects(actor))
    day = today_or(today)
    errors: dict = {}
    value = None
    try:
        value = parse_amount(amount, field="amount", label=_("追回金额"))
    except ServiceError as exc:
        errors.update(exc.errors)
    reason = text(reason, field="reason", label=_("事由"), max_length=TEXT_MAX, required=True, errors=errors)
    basis = text(basis, field="basis", label=_("依据"), max_length=BASIS_MAX, required=True, errors=errors)
    due = None
    try:
        due = parse_date(deadline, field="deadline", label=_("缴回期限"))
    except ServiceError as exc:
        errors.update(exc.errors)
    if due is not None and due <= day:
        errors.setdefault("deadline", []).append(
            _("缴回期限须晚于拟定日期（%(d)s）。") % {"d": day.isoformat()}
        )
    raise_errors(errors, "recovery_invalid", _("追回通知有%(n)d处需要修改。") % {"n": len(errors)})
    _check_amount(project, value)
    order = RecoveryOrder.objects.create(
        project=project,
        number=next_number(RecoveryOrder, "ZH", project),
        amount=value,
        reason=reason,
        basis=basis,
        deadline=due,
        issued_by=actor,
        issued_on=day,
    )
    audit.record(
        "sanctions.recovery.issued",
        actor=actor,
        role=role,
        target=order,
        after={"state": order.state, "amount": value, "deadline": due, "basis": basis},
        data={"project": project.pk, "project_state": project.state},
        reason=reason,
    )
    return order


def _lock_order(order) -> RecoveryOrder:
    project = lock_project(RecoveryOrder.objects.get(pk=order.pk).project)
    order = RecoveryOrder.objects.select_for_update().get(pk=order.pk)
    order.project = project
    return order


@transaction.atomic
def decide_recovery(
    order, *, actor, decision: str, opinion: str = "", today: dt.date | None = None
) -> RecoveryOrder:
    """Finance confirms the recovery order (it is then open: the unit owes the money) or rejects it."""
    order = _lock_order(order)
    project = order.project
    role = require(actor, "sanctions.decide_recovery", order, visible=visible_recoveries(actor))
    if order.state != RecoveryState.PROPOSED:
        raise ServiceError(
            _("追回通知 %(order)s 已处理（%(state)s），不能再次确认。")
            % {"order": order.number, "state": RecoveryState(order.state).label},
            code="recovery_decided",
        )
    if order.issued_by_id == actor.pk:
        raise ServiceError(
            _("确认须由拟定人以外的财政部门人员进行：不能确认本人拟定的追回通知。"), code="same_person"
        )
    errors: dict = {}
    if decision not in Decision.values:
        errors["decision"] = [_("请选择确认意见（同意或不同意）。")]
    opinion = text(
        opinion,
        field="opinion",
        label=_("财政部门意见"),
        max_length=TEXT_MAX,
        required=decision == Decision.REJECT,
        errors=errors,
    )
    day = today_or(today)
    if day < order.issued_on:
        errors.setdefault("decided_on", []).append(
            _("确认日期不能早于拟定日期（%(d)s）。") % {"d": order.issued_on.isoformat()}
        )
    elif decision == Decision.CONCUR and order.deadline <= day:
        errors.setdefault("decided_on", []).append(
            _("缴回期限（%(d)s）已到，请办公室重新拟定追回通知。") % {"d": order.deadline.isoformat()}
        )
    raise_errors(errors, "decision_invalid", _("确认意见有%(n)d处需要修改。") % {"n": len(errors)})
    to = RecoveryState.OPEN if decision == Decision.CONCUR else RecoveryState.REJECTED
    RECOVERY.check(order, to)
    if to == RecoveryState.OPEN:
        _check_amount(project, order.amount, exclude=order)
    before = {"state": order.state}
    order.state = to
    order.decided_by, order.decided_on, order.decided_at = actor, day, timezone.now()
    order.opinion = opinion
    order.save()
    audit.record(
        "sanctions.recovery.confirmed" if to == RecoveryState.OPEN else "sanctions.recovery.rejected",
        actor=actor,
        role=role,
        target=order,
        before=before,
        after={"state": to},
        data={"project": project.pk, "amount": order.amount, "issued_by": order.issued_by_id},
        reason=opinion,
    )
    return order


@transaction.atomic
def record_receipt(
    order,
    *,
    actor,
    amount,
    treasury_ref: str,
    received_on=None,
    note: str = "",
    today: dt.date | None = None,
) -> RecoveryReceipt:
    """Finance records money paid back against an open order: disbursed → the fund year's pool. The
    order is settled when the receipts reach its amount."""
    order = _lock_order(order)
    project = order.project
    role = require(actor, "sanctions.record_receipt", order, visible=visible_recoveries(actor))
    if order.state != RecoveryState.OPEN:
        messages = {
            RecoveryState.PROPOSED: _("追回通知 %(order)s 尚未经财政部门确认，不能登记缴回。"),
            RecoveryState.SETTLED: _("追回通知 %(order)s 已全额缴回，不能再登记。"),
            RecoveryState.REJECTED: _("追回通知 %(order)s 财政部门未同意，不能登记缴回。"),
        }
        raise ServiceError(messages[order.state] % {"order": order.number}, code="recovery_not_open")
    errors: dict = {}
    value = None
    try:
        value = parse_amount(amount, field="amount", label=_("缴回金额"))
    except ServiceError as exc:
        errors.update(exc.errors)
    ref = text(
        treasury_ref,
        field="treasury_ref",
        label=_("国库缴款凭证号"),
        max_length=TREASURY_REF_MAX,
        required=True,
        errors=errors,
    )
    if (
        ref
        and "treasury_ref" not in errors
        and (
            RecoveryReceipt.objects.filter(treasury_ref=ref).exists()
            or Payment.objects.filter(treasury_ref=ref).exists()
        )
    ):
        errors["treasury_ref"] = [_("国库凭证号“%(ref)s”已登记过，不能重复使用。") % {"ref": ref}]
    note = text(note, field="note", label=_("备注"), max_length=NOTE_MAX, required=False, errors=errors)
    today_ = today_or(today)
    day = None
    try:
        day = parse_date(received_on or today_, field="received_on", label=_("缴回日期"))
    except ServiceError as exc:
        errors.update(exc.errors)
    if day is not None:
        if day > today_:
            errors.setdefault("received_on", []).append(_("缴回日期不能晚于今天。"))
        elif day < order.decided_on:
            errors.setdefault("received_on", []).append(
                _("缴回日期不能早于追回通知确认日期（%(d)s）。") % {"d": order.decided_on.isoformat()}
            )
    raise_errors(errors, "receipt_invalid", _("缴回登记有%(n)d处需要修改。") % {"n": len(errors)})
    received = received_on_order(order)
    outstanding = order.amount - received
    if value > outstanding:
        msg = _(
            "本次缴回 %(v)s 元超过待缴金额 %(left)s 元（追回 %(amount)s 元，已缴回 %(received)s 元）。"
        ) % {
            "v": fmt(value),
            "left": fmt(outstanding),
            "amount": fmt(order.amount),
            "received": fmt(received),
        }
        raise ServiceError(msg, code="exceeds_outstanding", errors={"amount": [msg]})
    year = project.fund_year.year
    with data_language():
        memo = _("追回资金缴回：%(number)s %(order)s %(amount)s 元（%(ref)s）") % {
            "number": project.number,
            "order": order.number,
            "amount": fmt(value),
            "ref": ref,
        }
    entry = ledger.transfer(
        accounts.disbursed_account(project),
        pool_account(year),
        value,
        code="sanctions.recovery.received",
        memo=memo,
        year=year,
        actor=actor,
        ref=order,
    )
    receipt = RecoveryReceipt.objects.create(
        order=order,
        amount=value,
        received_on=day,
        treasury_ref=ref,
        note=note,
        recorded_by=actor,
        entry=entry,
    )
    audit.record(
        "sanctions.receipt.recorded",
        actor=actor,
        role=role,
        target=receipt,
        after={"amount": value, "received_on": day, "treasury_ref": ref},
        data={"order": order.pk, "project": project.pk, "entry": entry.pk, "received_before": received},
        reason=note,
    )
    if received + value == order.amount:
        RECOVERY.check(order, RecoveryState.SETTLED)
        order.state = RecoveryState.SETTLED
        order.settled_on = day
        order.save(update_fields=["state", "settled_on"])
        audit.record(
            "sanctions.recovery.settled",
            actor=actor,
            role=role,
            target=order,
            before={"state": RecoveryState.OPEN},
            after={"state": order.state, "settled_on": day},
            data={"project": project.pk, "amount": order.amount, "receipt": receipt.pk},
        )
    return receipt
