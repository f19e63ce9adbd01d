"""直通车: finance pays a tranche straight to the implementing unit from the treasury, against the
signed contract. Refused beyond the tranche or the contract, before the statutory approval, and
whenever the project is not in progress (suspended, terminated, closed). Only grants are paid by
tranches (the other modes are paid by their own instrument).

Two ways, which count each other so that together they never overpay:

- ``instruct_tranche``: a treasury payment instruction (purpose ``grant_tranche``); the ``Payment``
  is created only when the treasury's confirmation is imported (``grant_tranche_confirmed``);
- ``pay_tranche``: registering by hand a payment the treasury has already made (its voucher), for
  years whose policy does not use the batch files (``procedure.direct_payment: false``) or for a
  payment made outside them.

Both count the tranche's pending instructions (instructed, neither confirmed nor returned) as if paid.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import acting_role, require
from techfund.core.services import audit, ledger
from techfund.funds.accounts import data_language
from techfund.funds.validation import amount as parse_amount
from techfund.funds.validation import fmt
from techfund.policy.enums import SupportMode
from techfund.projects import accounts
from techfund.projects.enums import ContractState, ProjectState
from techfund.projects.models import Payment, Tranche
from techfund.projects.scopes import visible_projects
from techfund.projects.services._common import lock_project, parse_date, today_or

TREASURY_REF_MAX = 60


def paid_on_tranche(tranche) -> object:
    return Payment.objects.filter(tranche=tranche).aggregate(s=Sum("amount"))["s"] or ledger.ZERO


def _pending(tranche):
    from techfund.treasury.services import pending_amount

    return pending_amount(tranche)


def _pending_project(project):
    from techfund.treasury.services import pending_for_project

    return pending_for_project(project)


def _check_payable(project, contract) -> None:
    """Refuse (one message) when the project may not be paid at all right now."""
    if project.support_mode != SupportMode.GRANT:
        raise ServiceError(
            _("项目 %(number)s 的支持方式为“%(mode)s”，按支持方式专门程序拨付，不按任务书分期拨付。")
            % {"number": project.number, "mode": SupportMode(project.support_mode).label},
            code="not_grant",
        )
    if project.state == ProjectState.SUSPENDED:
        raise ServiceError(
            _("项目 %(number)s 已暂停拨款，解除暂停前不能拨付。") % {"number": project.number},
            code="payments_suspended",
        )
    if project.state != ProjectState.IN_PROGRESS:
        raise ServiceError(
            _("项目 %(number)s 当前状态为“%(state)s”，不能拨付。")
            % {"number": project.number, "state": ProjectState(project.state).label},
            code="project_not_payable",
        )
    if contract.state != ContractState.SIGNED:  # in_progress implies signed; kept as a second lock
        raise ServiceError(_("任务书尚未由双方签订，不能拨付。"), code="contract_not_signed")
    if not project.statutory_approved:
        raise ServiceError(
            _("项目 %(number)s 的预算尚未确认按法定程序批准，不能拨付。") % {"number": project.number},
            code="not_statutory_approved",
        )


def _check_amount(tranche, project, contract, value, *, paid, pending) -> None:
    """Refuse a payment of ``value`` beyond the tranche (counting what is paid and what is instructed
    and not yet confirmed), before an earlier tranche is paid, or beyond the unpaid commitment."""
    remaining = tranche.amount - paid - pending
    if tranche.amount - paid <= 0:
        raise ServiceError(
            _("第%(seq)s期已全额拨付（%(amount)s 元）。")
            % {"seq": tranche.seq, "amount": fmt(tranche.amount)},
            code="tranche_paid",
        )
    if remaining <= 0:
        raise ServiceError(
            _(
                "第%(seq)s期计划 %(plan)s 元，已拨 %(paid)s 元，其余 %(pending)s 元已生成支付指令待国库确认，不能再拨付。"
            )
            % {"seq": tranche.seq, "plan": fmt(tranche.amount), "paid": fmt(paid), "pending": fmt(pending)},
            code="tranche_instructed",
        )
    earlier = [
        t
        for t in contract.tranches.filter(seq__lt=tranche.seq).order_by("seq")
        if paid_on_tranche(t) < t.amount
    ]
    if earlier:
        raise ServiceError(
            _("第%(seq)s期尚未拨付完毕，请先拨付前一期。") % {"seq": earlier[0].seq},
            code="earlier_tranche_open",
        )
    if value > remaining:
        if pending:
            msg = _(
                "第%(seq)s期计划 %(plan)s 元，已拨 %(paid)s 元，待国库确认 %(pending)s 元，本次最多可拨 %(left)s 元，不能拨付 %(v)s 元。"
            ) % {
                "seq": tranche.seq,
                "plan": fmt(tranche.amount),
                "paid": fmt(paid),
                "pending": fmt(pending),
                "left": fmt(remaining),
                "v": fmt(value),
            }
        else:
            msg = _(
                "第%(seq)s期计划 %(plan)s 元，已拨 %(paid)s 元，本次最多可拨 %(left)s 元，不能拨付 %(v)s 元。"
            ) % {
                "seq": tranche.seq,
                "plan": fmt(tranche.amount),
                "paid": fmt(paid),
                "left": fmt(remaining),
                "v": fmt(value),
            }
        raise ServiceError(msg, code="exceeds_tranche", errors={"amount": [msg]})
    unpaid = ledger.balance(accounts.commitment_account(project)) - _pending_project(project)
    if value > unpaid:
        msg = _("项目未拨付的承诺余额为 %(left)s 元，不能拨付 %(v)s 元（超出任务书金额）。") % {
            "left": fmt(unpaid),
            "v": fmt(value),
        }
        raise ServiceError(msg, code="exceeds_contract", errors={"amount": [msg]})


def _ref_used(ref: str) -> bool:
    from techfund.treasury.models import PaymentInstruction

    return (
        Payment.objects.filter(treasury_ref=ref).exists()
        or PaymentInstruction.objects.filter(treasury_ref=ref).exists()
    )


@transaction.atomic
def pay_tranche(
    tranche,
    *,
    actor,
    treasury_ref: str,
    paid_on=None,
    amount=None,
    note: str = "",
    today: dt.date | None = None,
) -> Payment:
    """Pay (all or part of) a tranche: commitment → disbursed, with the treasury's reference."""
    tranche = Tranche.objects.select_related("contract__project").get(pk=tranche.pk)
    project = lock_project(tranche.contract.project)
    role = require(actor, "projects.pay", project, visible=visible_projects(actor))
    contract = tranche.contract
    _check_payable(project, contract)
    errors: dict = {}
    ref = (treasury_ref or "").strip()
    if not ref:
        errors.setdefault("treasury_ref", []).append(_("请填写国库支付凭证号。"))
    elif len(ref) > TREASURY_REF_MAX:
        errors.setdefault("treasury_ref", []).append(
            _("国库支付凭证号不能超过%(n)s个字符。") % {"n": TREASURY_REF_MAX}
        )
    elif _ref_used(ref):
        errors.setdefault("treasury_ref", []).append(
            _("国库支付凭证号“%(ref)s”已登记过，不能重复使用。") % {"ref": ref}
        )
    day = None
    try:
        day = parse_date(paid_on or today_or(today), field="paid_on", label=_("拨付日期"))
    except ServiceError as exc:
        errors.update(exc.errors)
    if day is not None:
        if day > today_or(today):
            errors.setdefault("paid_on", []).append(_("拨付日期不能晚于今天。"))
        elif contract.signed_on and day < contract.signed_on:
            errors.setdefault("paid_on", []).append(
                _("拨付日期不能早于任务书签订日期（%(d)s）。") % {"d": contract.signed_on.isoformat()}
            )
        elif day.year < project.fiscal_year:
            errors.setdefault("paid_on", []).append(
                _("项目预算安排在%(y)s年度，拨付日期不能早于%(y)s年1月1日。") % {"y": project.fiscal_year}
            )
    note = (note or "").strip()
    if len(note) > 300:
        errors.setdefault("note", []).append(_("备注不能超过300个字符。"))
    paid = paid_on_tranche(tranche)
    pending = _pending(tranche)
    remaining = tranche.amount - paid - pending
    if amount in (None, ""):
        value = remaining
    else:
        try:
            value = parse_amount(amount, field="amount", label=_("拨付金额"))
        except ServiceError as exc:
            errors.update(exc.errors)
            value = None
    if errors:
        msgs = [m for ms in errors.values() for m in ms]
        raise ServiceError(
            msgs[0] if len(msgs) == 1 else _("拨付登记有%(n)d处需要修改。") % {"n": len(msgs)},
            code="payment_invalid",
            errors=errors,
        )
    _check_amount(tranche, project, contract, value, paid=paid, pending=pending)
    return _post_payment(
        project, tranche, value, day=day, ref=ref, note=note, actor=actor, role=role, paid_before=paid
    )


def _post_payment(
    project, tranche, value, *, day, ref, note, actor, role, paid_before, instruction=None
) -> Payment:
    """commitment → disbursed, the Payment row and its audit event (both ways of paying)."""
    with data_language():
        memo = _("直通车拨付：%(number)s 第%(seq)s期 %(amount)s 元（%(ref)s）") % {
            "number": project.number,
            "seq": tranche.seq,
            "amount": fmt(value),
            "ref": ref,
        }
    entry = ledger.transfer(
        accounts.commitment_account(project),
        accounts.disbursed_account(project),
        value,
        code="projects.payment.made",
        memo=memo,
        year=project.fund_year.year,
        actor=actor,
        ref=tranche,
    )
    payment = Payment.objects.create(
        project=project,
        tranche=tranche,
        amount=value,
        paid_on=day,
        treasury_ref=ref,
        note=note,
        paid_by=actor,
        entry=entry,
        instruction=instruction,
    )
    audit.record(
        "projects.payment.made",
        actor=actor,
        role=role,
        target=payment,
        after={"amount": value, "tranche": tranche.seq, "paid_on": day, "treasury_ref": ref},
        data={
            "project": project.pk,
            "entry": entry.pk,
            "paid_before": paid_before,
            "instruction": instruction.number if instruction is not None else None,
        },
        reason=note,
    )
    return payment


@transaction.atomic
def instruct_tranche(tranche, *, actor, amount=None, memo: str = ""):
    """Ask the treasury to pay (all or the rest of) a tranche: a ``grant_tranche`` payment instruction
    to the implementing unit's verified account. Same refusals as ``pay_tranche`` (suspended or
    terminated project, earlier tranche not paid, beyond the tranche or the contract), counting the
    instructions still waiting for the treasury. Nothing moves in the ledger until the treasury's
    confirmation is imported."""
    from techfund.treasury.services import instruct

    tranche = Tranche.objects.select_related("contract__project").get(pk=tranche.pk)
    project = lock_project(tranche.contract.project)
    require(actor, "projects.pay", project, visible=visible_projects(actor))
    contract = tranche.contract
    _check_payable(project, contract)
    paid = paid_on_tranche(tranche)
    pending = _pending(tranche)
    remaining = tranche.amount - paid - pending
    value = remaining if amount in (None, "") else parse_amount(amount, field="amount", label=_("拨付金额"))
    _check_amount(tranche, project, contract, value, paid=paid, pending=pending)
    with data_language():
        text = (memo or "").strip() or _("%(number)s 第%(seq)s期科技项目资金") % {
            "number": project.number,
            "seq": tranche.seq,
        }
    return instruct(
        actor=actor,
        purpose="grant_tranche",
        source=tranche,
        payee=project.organisation,
        amount=value,
        fund_year=project.fund_year,
        project=project,
        memo=text,
    )


def grant_tranche_confirmed(instruction, *, actor, paid_on, treasury_ref):
    """The treasury paid a ``grant_tranche`` instruction: commitment → disbursed and the Payment row
    (audit ``projects.payment.made``). Runs inside the confirmation import's transaction. The money
    has left the treasury, so a suspension after sending does not undo it; the ledger still refuses
    an overdraft (e.g. a commitment released by a termination), which lists the row as a mismatch."""
    tranche = Tranche.objects.select_related("contract__project").get(pk=int(instruction.source_id))
    project = lock_project(tranche.contract.project)
    if Payment.objects.filter(instruction=instruction).exists():
        raise ServiceError(
            _("支付指令 %(n)s 已登记拨付，不能重复。") % {"n": instruction.number}, code="already_paid"
        )
    paid = paid_on_tranche(tranche)
    if paid + instruction.amount > tranche.amount:
        raise ServiceError(
            _("第%(seq)s期计划 %(plan)s 元，已拨 %(paid)s 元，不能再拨付 %(v)s 元。")
            % {
                "seq": tranche.seq,
                "plan": fmt(tranche.amount),
                "paid": fmt(paid),
                "v": fmt(instruction.amount),
            },
            code="exceeds_tranche",
        )
    payment = _post_payment(
        project,
        tranche,
        instruction.amount,
        day=paid_on,
        ref=treasury_ref,
        note=instruction.number,
        actor=actor,
        role=acting_role(actor, "treasury.import"),
        paid_before=paid,
        instruction=instruction,
    )
    return payment.entry


def grant_tranche_returned(instruction, *, actor, reason):
    """A returned instruction needs nothing here: it no longer counts as pending, so the tranche is
    payable again (usually after the unit corrects its account)."""
    return None
