"""暂停拨款、解除暂停、终止项目执行: the office proposes, finance concurs (the order takes effect and
the project moves, in one transaction) or rejects with its opinion.

A termination releases the project's unpaid commitment to its focus area (commitment → area), so
that for every project ``arranged = paid + unpaid + released``. Payments need the project in
progress (``projects.services.pay_tranche``), so a suspension stops them with no further check.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.decisions.accounts import area_account
from techfund.funds.accounts import data_language
from techfund.projects import accounts
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import visible_projects
from techfund.projects.transitions import PROJECT
from techfund.sanctions.enums import TARGET_STATE, Decision, SanctionKind, SanctionState
from techfund.sanctions.models import BASIS_MAX, TEXT_MAX, SanctionOrder
from techfund.sanctions.scopes import visible_sanctions
from techfund.sanctions.services._common import (
    fmt,
    lock_project,
    next_number,
    raise_errors,
    text,
    today_or,
)
from techfund.sanctions.transitions import SANCTION

#: Audit action of the project's own move, by kind of order.
PROJECT_ACTIONS = {
    SanctionKind.SUSPEND: "sanctions.project.suspended",
    SanctionKind.LIFT: "sanctions.project.resumed",
    SanctionKind.TERMINATE: "sanctions.project.terminated",
}


def _state_label(project) -> str:
    return str(ProjectState(project.state).label)


def check_move(project, kind: str) -> str:
    """The project state ``kind`` moves the project to, or a refusal saying why it cannot from here."""
    to = TARGET_STATE[kind]
    if (project.state, to) in PROJECT.moves:
        return to
    ctx = {"number": project.number, "state": _state_label(project)}
    if kind == SanctionKind.SUSPEND:
        if project.state == ProjectState.SUSPENDED:
            msg = _("项目 %(number)s 已暂停拨款，不能重复暂停。") % ctx
        else:
            msg = _("项目 %(number)s 当前状态为“%(state)s”，只有执行中的项目才能暂停拨款。") % ctx
    elif kind == SanctionKind.LIFT:
        msg = _("项目 %(number)s 当前状态为“%(state)s”，没有暂停拨款，无需解除。") % ctx
    elif project.state == ProjectState.TERMINATED:
        msg = _("项目 %(number)s 已终止，不能重复终止。") % ctx
    else:
        msg = (
            _(
                "项目 %(number)s 当前状态为“%(state)s”，不能终止（只有预算已安排、执行中或暂停拨款的项目可以终止）。"
            )
            % ctx
        )
    raise ServiceError(msg, code="project_state")


def open_order(project) -> SanctionOrder | None:
    return SanctionOrder.objects.filter(project=project, state=SanctionState.PROPOSED).first()


@transaction.atomic
def propose_sanction(
    project, *, actor, kind: str, reason: str, basis: str, today: dt.date | None = None
) -> SanctionOrder:
    """The office proposes to suspend payments, lift the suspension or terminate the project."""
    project = lock_project(project)
    role = require(actor, "sanctions.propose", project, visible=visible_projects(actor))
    if kind not in SanctionKind.values:
        msg = _("处置类别“%(v)s”无效（可选：suspend 暂停拨款、lift 解除暂停、terminate 终止项目）。") % {
            "v": kind
        }
        raise ServiceError(msg, code="kind_invalid", errors={"kind": [msg]})
    kind = SanctionKind(kind)
    pending = open_order(project)
    if pending is not None:
        raise ServiceError(
            _("项目 %(number)s 已有一项待财政部门会签的建议（%(order)s，%(kind)s），处理完毕前不能再提出。")
            % {
                "number": project.number,
                "order": pending.number,
                "kind": SanctionKind(pending.kind).label,
            },
            code="order_pending",
        )
    check_move(project, kind)
    errors: dict = {}
    reason = text(reason, field="reason", label=_("事由"), max_length=TEXT_MAX, required=True, errors=errors)
    basis = text(basis, field="basis", label=_("依据"), max_length=BASIS_MAX, required=True, errors=errors)
    raise_errors(errors, "order_invalid", _("建议有%(n)d处需要修改。") % {"n": len(errors)})
    order = SanctionOrder.objects.create(
        project=project,
        number=next_number(SanctionOrder, "CZ", project),
        kind=kind,
        reason=reason,
        basis=basis,
        proposed_by=actor,
        proposed_on=today_or(today),
    )
    audit.record(
        "sanctions.order.proposed",
        actor=actor,
        role=role,
        target=order,
        after={"state": order.state, "kind": kind, "basis": basis},
        data={"project": project.pk, "project_state": project.state},
        reason=reason,
    )
    return order


@transaction.atomic
def decide_sanction(
    order, *, actor, decision: str, opinion: str = "", today: dt.date | None = None
) -> SanctionOrder:
    """Finance concurs (the order takes effect: the project moves; a termination releases the unpaid
    commitment to the focus area) or rejects with its opinion."""
    project = lock_project(SanctionOrder.objects.get(pk=order.pk).project)
    order = SanctionOrder.objects.select_for_update().get(pk=order.pk)
    order.project = project
    role = require(actor, "sanctions.decide", order, visible=visible_sanctions(actor))
    if order.state != SanctionState.PROPOSED:
        raise ServiceError(
            _("建议 %(order)s 已处理（%(state)s），不能再次会签。")
            % {"order": order.number, "state": SanctionState(order.state).label},
            code="order_decided",
        )
    if order.proposed_by_id == actor.pk:
        raise ServiceError(
            _("会签须由提出人以外的财政部门人员进行：不能会签本人提出的建议。"), code="same_person"
        )
    errors: dict = {}
    if decision not in Decision.values:
        errors["decision"] = [_("请选择会签意见（同意或不同意）。")]
    opinion = text(
        opinion,
        field="opinion",
        label=_("财政部门意见"),
        max_length=TEXT_MAX,
        required=decision == Decision.REJECT,
        errors=errors,
    )
    day = today_or(today)
    if day < order.proposed_on:
        errors.setdefault("decided_on", []).append(
            _("会签日期不能早于提出日期（%(d)s）。") % {"d": order.proposed_on.isoformat()}
        )
    raise_errors(errors, "decision_invalid", _("会签意见有%(n)d处需要修改。") % {"n": len(errors)})
    before = {"state": order.state}
    order.decided_by, order.decided_on, order.decided_at = actor, day, timezone.now()
    order.opinion = opinion
    if decision == Decision.REJECT:
        SANCTION.check(order, SanctionState.REJECTED)
        order.state = SanctionState.REJECTED
        order.save()
        audit.record(
            "sanctions.order.rejected",
            actor=actor,
            role=role,
            target=order,
            before=before,
            after={"state": order.state},
            data={"project": project.pk},
            reason=opinion,
        )
        return order

    # Concurrence: the project must still be able to move (its state may have changed since).
    to = check_move(project, order.kind)
    SANCTION.check(order, SanctionState.EFFECTIVE)
    PROJECT.check(project, to)
    if order.kind == SanctionKind.TERMINATE:
        from techfund.treasury.services import pending_for_project

        pending = pending_for_project(project)
        if pending > 0:
            # The treasury may already be paying it: releasing that money would leave the payment
            # with nothing to come from. Cancel the instructions or wait for the treasury's answer.
            raise ServiceError(
                _(
                    "项目 %(number)s 有待国库确认的支付指令 %(amount)s 元：请先撤销指令或待国库回单导入后再终止项目。"
                )
                % {"number": project.number, "amount": fmt(pending)},
                code="payments_pending",
            )
    order.state = SanctionState.EFFECTIVE
    order.from_state = project.state
    released = None
    if order.kind == SanctionKind.TERMINATE:
        released = ledger.balance(accounts.commitment_account(project))
        order.released_amount = released
        if released > 0:
            year = project.fund_year.year
            with data_language():
                memo = _("终止项目 %(number)s，释放未拨付资金 %(amount)s 元回%(area)s") % {
                    "number": project.number,
                    "amount": fmt(released),
                    "area": project.focus_area.name,
                }
            order.release_entry = ledger.transfer(
                accounts.commitment_account(project),
                area_account(year, project.focus_area),
                released,
                code="sanctions.termination.released",
                memo=memo,
                year=year,
                actor=actor,
                ref=order,
            )
    order.save()
    audit.record(
        "sanctions.order.concurred",
        actor=actor,
        role=role,
        target=order,
        before=before,
        after={"state": order.state, "released_amount": released},
        data={
            "project": project.pk,
            "proposed_by": order.proposed_by_id,
            "release_entry": order.release_entry_id,
        },
        reason=opinion,
    )
    project_before = project.state
    project.state = to
    project.save(update_fields=["state"])
    audit.record(
        PROJECT_ACTIONS[order.kind],
        actor=actor,
        role=role,
        target=project,
        before={"state": project_before},
        after={"state": to},
        data={
            "order": order.pk,
            "number": order.number,
            "proposed_by": order.proposed_by_id,
            "concurred_by": actor.pk,
            "released_amount": released,
        },
        reason=order.reason,
    )
    return order
