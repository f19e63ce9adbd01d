"""核销 and 退出: two-person steps (办公室提出 → 财政部门确认, never the same person).

**Write-off (核销)** — 先投后股 whose project failed: written off without blame (尽职免责). On
confirmation the whole disbursed balance moves disbursed → ``fund:{year}:written_off:{number}``; stages
not yet paid are cancelled; the investment is ``written_off``.

**Exit (退出)** — transfer, sale, buy-back or liquidation (the policy's ``equity.exits``) of a holding
(invested or converted). The office proposes it with the proceeds; finance confirms the receipt with
the bank reference. With H = the money held (the project's disbursed balance) and P = proceeds:
principal = min(P, H) disbursed → pool; gain = max(0, P − H) income → pool; loss = max(0, H − P)
disbursed → written off — one balanced entry. The investment is ``exited``.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.equity import accounts as equity_accounts
from techfund.equity.enums import EXITABLE_STATES, Decision, ExitKind, Instrument, InvestmentState, StepState
from techfund.equity.models import BASIS_MAX, TEXT_MAX, Exit, WriteOff
from techfund.equity.scopes import visible_exits, visible_investments, visible_write_offs
from techfund.equity.services._common import (
    cancel_planned_stages,
    fmt,
    held,
    lock_investment,
    parse_date,
    raise_errors,
    refuse_pending,
    text,
    today_or,
)
from techfund.equity.transitions import EXIT, INVESTMENT, WRITE_OFF
from techfund.funds.accounts import data_language, pool_account
from techfund.projects import accounts

BANK_REF_MAX = 60


def split_proceeds(invested: Decimal, proceeds: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(principal, gain, loss) of an exit: min(P, H), max(0, P − H), max(0, H − P) — exact to the fen."""
    return (
        min(proceeds, invested),
        max(ledger.ZERO, proceeds - invested),
        max(ledger.ZERO, invested - proceeds),
    )


def _open_step(model, inv):
    return model.objects.filter(investment=inv, state=StepState.PROPOSED).first()


def _refuse_open(inv) -> None:
    for model, label in ((WriteOff, _("核销")), (Exit, _("退出"))):
        step = _open_step(model, inv)
        if step is not None:
            raise ServiceError(
                _("投资 %(number)s 已有一项待财政部门确认的%(what)s，处理完毕前不能再提出。")
                % {"number": inv.number, "what": label},
                code="step_pending",
            )


def _reason_basis(reason, basis, errors):
    reason = text(reason, field="reason", label=_("事由"), max_length=TEXT_MAX, required=True, errors=errors)
    basis = text(basis, field="basis", label=_("依据"), max_length=BASIS_MAX, required=True, errors=errors)
    return reason, basis


def _decision(step, *, actor, decision, opinion, day, errors):
    if step.proposed_by_id == actor.pk:
        raise ServiceError(
            _("确认须由提出人以外的财政部门人员进行：不能确认本人提出的事项。"), code="same_person"
        )
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
    if day < step.proposed_on:
        errors.setdefault("decided_on", []).append(
            _("确认日期不能早于提出日期（%(d)s）。") % {"d": step.proposed_on.isoformat()}
        )
    return opinion


def _reject(step, table, action, *, actor, role, opinion, day):
    table.check(step, StepState.REJECTED)
    step.state = StepState.REJECTED
    step.decided_by, step.decided_on, step.decided_at, step.opinion = actor, day, timezone.now(), opinion
    step.save()
    audit.record(
        action,
        actor=actor,
        role=role,
        target=step,
        before={"state": StepState.PROPOSED},
        after={"state": step.state},
        data={"investment": step.investment_id, "proposed_by": step.proposed_by_id},
        reason=opinion,
    )
    return step


# ---------------------------------------------------------------- write-off


@transaction.atomic
def propose_write_off(
    investment, *, actor, reason: str, basis: str, today: dt.date | None = None
) -> WriteOff:
    """The office proposes to write off a failed 先投后股 investment (without blame)."""
    inv = lock_investment(investment)
    role = require(actor, "equity.propose_write_off", inv, visible=visible_investments(actor))
    if inv.instrument != Instrument.INVEST_THEN_EQUITY:
        INVESTMENT.check(inv, InvestmentState.WRITTEN_OFF)  # raises: only 先投后股
    if inv.state != InvestmentState.INVESTED:
        raise ServiceError(
            _("投资 %(number)s 当前状态为“%(state)s”，只有已出资、未转股的先投后股可以核销。")
            % {"number": inv.number, "state": InvestmentState(inv.state).label},
            code="investment_state",
        )
    _refuse_open(inv)
    errors: dict = {}
    reason, basis = _reason_basis(reason, basis, errors)
    raise_errors(errors, "write_off_invalid", _("核销建议有%(n)d处需要修改。") % {"n": len(errors)})
    wo = WriteOff.objects.create(
        investment=inv, reason=reason, basis=basis, proposed_by=actor, proposed_on=today_or(today)
    )
    audit.record(
        "equity.write_off.proposed",
        actor=actor,
        role=role,
        target=wo,
        after={"state": wo.state, "basis": basis, "held": held(inv)},
        data={"investment": inv.pk, "project": inv.project_id},
        reason=reason,
    )
    return wo


def _lock_step(model, step):
    found = model.objects.select_related("investment").get(pk=step.pk)
    inv = lock_investment(found.investment)
    step = model.objects.select_for_update().get(pk=step.pk)
    step.investment = inv
    return step


@transaction.atomic
def confirm_write_off(
    write_off, *, actor, decision: str, opinion: str = "", today: dt.date | None = None
) -> WriteOff:
    """Finance confirms (disbursed → written off; the investment is written off) or rejects."""
    wo = _lock_step(WriteOff, write_off)
    inv, project = wo.investment, wo.investment.project
    role = require(actor, "equity.confirm_write_off", wo, visible=visible_write_offs(actor))
    if wo.state != StepState.PROPOSED:
        raise ServiceError(
            _("核销建议已处理（%(state)s），不能再次确认。") % {"state": StepState(wo.state).label},
            code="step_decided",
        )
    day = today_or(today)
    errors: dict = {}
    opinion = _decision(wo, actor=actor, decision=decision, opinion=opinion, day=day, errors=errors)
    raise_errors(errors, "decision_invalid", _("确认意见有%(n)d处需要修改。") % {"n": len(errors)})
    if decision == Decision.REJECT:
        return _reject(
            wo, WRITE_OFF, "equity.write_off.rejected", actor=actor, role=role, opinion=opinion, day=day
        )
    WRITE_OFF.check(wo, StepState.CONFIRMED)
    INVESTMENT.check(inv, InvestmentState.WRITTEN_OFF)
    refuse_pending(inv)
    amount = held(inv)
    if amount <= 0:
        raise ServiceError(
            _("投资 %(number)s 没有可核销的已出资金额。") % {"number": inv.number},
            code="nothing_to_write_off",
        )
    year = project.fund_year.year
    with data_language():
        memo = _("先投后股项目失败，尽职免责核销：%(number)s %(amount)s 元") % {
            "number": inv.number,
            "amount": fmt(amount),
        }
    entry = ledger.transfer(
        accounts.disbursed_account(project),
        equity_accounts.written_off_account(project),
        amount,
        code="equity.write_off.confirmed",
        memo=memo,
        year=year,
        actor=actor,
        ref=wo,
    )
    wo.state, wo.amount, wo.entry = StepState.CONFIRMED, amount, entry
    wo.decided_by, wo.decided_on, wo.decided_at, wo.opinion = actor, day, timezone.now(), opinion
    wo.save()
    cancelled = cancel_planned_stages(inv)
    inv.state = InvestmentState.WRITTEN_OFF
    inv.save(update_fields=["state"])
    audit.record(
        "equity.write_off.confirmed",
        actor=actor,
        role=role,
        target=wo,
        before={"state": StepState.PROPOSED, "investment_state": InvestmentState.INVESTED},
        after={"state": wo.state, "investment_state": inv.state, "amount": amount},
        data={
            "investment": inv.pk,
            "project": project.pk,
            "entry": entry.pk,
            "proposed_by": wo.proposed_by_id,
            "cancelled_stages": cancelled,
        },
        reason=opinion,
    )
    return wo


# ---------------------------------------------------------------- exit


@transaction.atomic
def propose_exit(
    investment,
    *,
    actor,
    kind: str,
    proceeds,
    reason: str,
    basis: str,
    counterparty: str = "",
    today: dt.date | None = None,
) -> Exit:
    """The office proposes to exit a holding (transfer, sale, buy-back, liquidation) for ``proceeds``."""
    inv = lock_investment(investment)
    role = require(actor, "equity.propose_exit", inv, visible=visible_investments(actor))
    if inv.state not in EXITABLE_STATES:
        raise ServiceError(
            _("投资 %(number)s 当前状态为“%(state)s”，只有已出资或已转股的投资可以退出。")
            % {"number": inv.number, "state": InvestmentState(inv.state).label},
            code="investment_state",
        )
    _refuse_open(inv)
    errors: dict = {}
    allowed = inv.project.fund_year.profile.rule("equity.exits", []) or []
    if kind not in ExitKind.values or kind not in allowed:
        errors["kind"] = [
            _("退出方式“%(v)s”不在本市政策允许的范围内（%(allowed)s）。")
            % {
                "v": kind,
                "allowed": "、".join(str(ExitKind(k).label) for k in allowed if k in ExitKind.values),
            }
        ]
    value = None
    if proceeds in (None, ""):
        errors["proceeds"] = [_("请填写退出所得（清算无所得时填 0）。")]
    else:
        try:
            value = ledger.money(proceeds)
            if value < 0:
                errors["proceeds"] = [_("退出所得不能为负数。")]
                value = None
        except ServiceError as exc:
            errors["proceeds"] = [str(exc.message)]
    reason, basis = _reason_basis(reason, basis, errors)
    counterparty = text(
        counterparty,
        field="counterparty",
        label=_("受让方或回购方"),
        max_length=200,
        required=False,
        errors=errors,
    )
    raise_errors(errors, "exit_invalid", _("退出建议有%(n)d处需要修改。") % {"n": len(errors)})
    refuse_pending(inv)
    ex = Exit.objects.create(
        investment=inv,
        kind=kind,
        proceeds=value,
        counterparty=counterparty,
        reason=reason,
        basis=basis,
        proposed_by=actor,
        proposed_on=today_or(today),
    )
    h = held(inv)
    principal, gain, loss = split_proceeds(h, value)
    audit.record(
        "equity.exit.proposed",
        actor=actor,
        role=role,
        target=ex,
        after={
            "state": ex.state,
            "kind": kind,
            "proceeds": value,
            "counterparty": counterparty,
            "basis": basis,
        },
        data={"investment": inv.pk, "held": h, "principal": principal, "gain": gain, "loss": loss},
        reason=reason,
    )
    return ex


@transaction.atomic
def confirm_exit(
    exit_,
    *,
    actor,
    decision: str,
    bank_ref: str = "",
    received_on=None,
    opinion: str = "",
    today: dt.date | None = None,
) -> Exit:
    """Finance confirms the receipt of the proceeds (the money goes back to the fund; the investment
    has exited) or rejects the exit with its opinion."""
    ex = _lock_step(Exit, exit_)
    inv, project = ex.investment, ex.investment.project
    role = require(actor, "equity.confirm_exit", ex, visible=visible_exits(actor))
    if ex.state != StepState.PROPOSED:
        raise ServiceError(
            _("退出建议已处理（%(state)s），不能再次确认。") % {"state": StepState(ex.state).label},
            code="step_decided",
        )
    day = today_or(today)
    errors: dict = {}
    opinion = _decision(ex, actor=actor, decision=decision, opinion=opinion, day=day, errors=errors)
    got = None
    ref = ""
    if decision == Decision.CONCUR:
        ref = text(
            bank_ref,
            field="bank_ref",
            label=_("银行到账凭证号"),
            max_length=BANK_REF_MAX,
            required=ex.proceeds > 0,
            errors=errors,
        )
        if ref and Exit.objects.filter(bank_ref=ref).exclude(pk=ex.pk).exists():
            errors.setdefault("bank_ref", []).append(
                _("银行凭证号“%(ref)s”已登记过，不能重复使用。") % {"ref": ref}
            )
        try:
            got = parse_date(received_on or day, field="received_on", label=_("到账日期"))
        except ServiceError as exc:
            errors.update(exc.errors)
        if got is not None and got > day:
            errors.setdefault("received_on", []).append(_("到账日期不能晚于今天。"))
    raise_errors(errors, "decision_invalid", _("确认意见有%(n)d处需要修改。") % {"n": len(errors)})
    if decision == Decision.REJECT:
        return _reject(ex, EXIT, "equity.exit.rejected", actor=actor, role=role, opinion=opinion, day=day)
    EXIT.check(ex, StepState.CONFIRMED)
    INVESTMENT.check(inv, InvestmentState.EXITED)
    refuse_pending(inv)
    h = held(inv)
    if h <= 0:
        raise ServiceError(
            _("投资 %(number)s 没有持有的投资本金，不能退出。") % {"number": inv.number}, code="nothing_held"
        )
    principal, gain, loss = split_proceeds(h, ex.proceeds)
    year = project.fund_year.year
    disbursed = accounts.disbursed_account(project)
    lines = [(disbursed, -h)]
    if principal + gain > 0:
        lines.append((pool_account(year), principal + gain))
    if gain > 0:
        lines.append((equity_accounts.income_account(year), -gain))
    if loss > 0:
        lines.append((equity_accounts.written_off_account(project), loss))
    with data_language():
        memo = _(
            "股权退出（%(kind)s）：%(number)s 所得 %(proceeds)s 元，收回本金 %(principal)s 元，收益 %(gain)s 元，损失 %(loss)s 元（%(ref)s）"
        ) % {
            "kind": ExitKind(ex.kind).label,
            "number": inv.number,
            "proceeds": fmt(ex.proceeds),
            "principal": fmt(principal),
            "gain": fmt(gain),
            "loss": fmt(loss),
            "ref": ref or "—",
        }
    entry = ledger.post(lines, code="equity.exit.confirmed", memo=memo, year=year, actor=actor, ref=ex)
    ex.state, ex.entry = StepState.CONFIRMED, entry
    ex.invested, ex.principal, ex.gain, ex.loss = h, principal, gain, loss
    ex.bank_ref, ex.received_on = ref, got
    ex.decided_by, ex.decided_on, ex.decided_at, ex.opinion = actor, day, timezone.now(), opinion
    ex.save()
    cancelled = cancel_planned_stages(inv)
    before = inv.state
    inv.state = InvestmentState.EXITED
    inv.save(update_fields=["state"])
    audit.record(
        "equity.exit.confirmed",
        actor=actor,
        role=role,
        target=ex,
        before={"state": StepState.PROPOSED, "investment_state": before},
        after={
            "state": ex.state,
            "investment_state": inv.state,
            "bank_ref": ref,
            "received_on": got,
            "principal": principal,
            "gain": gain,
            "loss": loss,
        },
        data={
            "investment": inv.pk,
            "project": project.pk,
            "held": h,
            "proceeds": ex.proceeds,
            "entry": entry.pk,
            "proposed_by": ex.proposed_by_id,
            "cancelled_stages": cancelled,
        },
        reason=opinion,
    )
    return ex
