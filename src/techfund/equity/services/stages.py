"""分阶段出资 through the treasury (直通车): finance instructs a stage (purpose ``equity_stage``);
when the treasury's confirmation is imported, ``stage_paid`` posts commitment → disbursed and marks
the stage paid (the investment is then ``invested``); a returned instruction leaves the stage payable.

A stage is instructed only while the project is in progress with its budget statutorily approved,
after the earlier stages are paid, when nothing is already instructed for it, and never beyond the
committed amount: paid + instructed (pending) + this ≤ the investment's amount, and ≤ the project's
unpaid commitment less every pending instruction of the project.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import acting_role, require
from techfund.core.services import audit, ledger
from techfund.equity.enums import InvestmentState, StageState
from techfund.equity.models import Investment, Stage
from techfund.equity.scopes import visible_stages
from techfund.equity.services._common import fmt, lock_project, paid_total, pending_total
from techfund.equity.transitions import INVESTMENT
from techfund.funds.accounts import data_language
from techfund.projects import accounts
from techfund.projects.enums import ProjectState

PURPOSE = "equity_stage"
#: Investments whose planned stages may still be paid.
PAYABLE_INVESTMENT_STATES = frozenset({InvestmentState.COMMITTED, InvestmentState.INVESTED})


def _lock_stage(stage) -> Stage:
    s = Stage.objects.select_related("investment").get(pk=stage.pk)
    project = lock_project(s.investment.project)
    inv = Investment.objects.select_for_update().get(pk=s.investment_id)
    inv.project = project
    s = Stage.objects.select_for_update().get(pk=stage.pk)
    s.investment = inv
    return s


def _project_pending(project):
    try:
        from techfund.treasury.services import pending_for_project
    except ImportError:
        return ledger.ZERO
    return pending_for_project(project)


def _stage_pending(stage):
    try:
        from techfund.treasury.services import pending_amount
    except ImportError:
        return ledger.ZERO
    return pending_amount(stage)


@transaction.atomic
def instruct_stage(stage, *, actor, memo: str = "", today: dt.date | None = None):
    """Finance instructs the treasury to pay a planned stage to the investee; returns the instruction."""
    from techfund.treasury.services import instruct

    stage = _lock_stage(stage)
    inv = stage.investment
    project = inv.project
    require(actor, "equity.pay", stage, visible=visible_stages(actor))
    ctx = {"number": inv.number, "seq": stage.seq}
    if project.state != ProjectState.IN_PROGRESS:
        raise ServiceError(
            _("项目 %(project)s 当前状态为“%(state)s”，不能拨付出资（须投资协议签订、项目执行中）。")
            % {"project": project.number, "state": ProjectState(project.state).label},
            code="project_not_payable",
        )
    if not project.statutory_approved:
        raise ServiceError(
            _("项目 %(number)s 的预算尚未确认按法定程序批准，不能拨付。") % {"number": project.number},
            code="not_statutory_approved",
        )
    if inv.state not in PAYABLE_INVESTMENT_STATES:
        raise ServiceError(
            _("投资 %(number)s 当前状态为“%(state)s”，不能再拨付出资。")
            % {"number": inv.number, "state": InvestmentState(inv.state).label},
            code="investment_closed",
        )
    if stage.state != StageState.PLANNED:
        raise ServiceError(
            _("投资 %(number)s 第%(seq)s期%(state)s，不能再拨付。")
            % {**ctx, "state": StageState(stage.state).label},
            code="stage_not_planned",
        )
    if _stage_pending(stage) > 0:
        raise ServiceError(
            _("投资 %(number)s 第%(seq)s期已有支付指令待国库确认，不能重复生成。") % ctx, code="stage_pending"
        )
    earlier = (
        Stage.objects.filter(investment=inv, seq__lt=stage.seq, state=StageState.PLANNED)
        .order_by("seq")
        .first()
    )
    if earlier is not None:
        raise ServiceError(
            _("投资 %(number)s 第%(seq)s期尚未拨付完毕，请先拨付前一期。") % {**ctx, "seq": earlier.seq},
            code="earlier_stage_open",
        )
    paid, pending = paid_total(inv), pending_total(inv)
    if paid + pending + stage.amount > inv.amount:
        raise ServiceError(
            _(
                "投资 %(number)s 已拨付 %(paid)s 元，待国库确认 %(pending)s 元，再拨第%(seq)s期 %(v)s 元将超过投资金额 %(amount)s 元。"
            )
            % {
                **ctx,
                "paid": fmt(paid),
                "pending": fmt(pending),
                "v": fmt(stage.amount),
                "amount": fmt(inv.amount),
            },
            code="exceeds_committed",
        )
    unpaid = ledger.balance(accounts.commitment_account(project))
    project_pending = _project_pending(project)
    if stage.amount > unpaid - project_pending:
        raise ServiceError(
            _(
                "项目 %(project)s 未拨付的承诺余额 %(unpaid)s 元，其中 %(pending)s 元已生成支付指令待确认，不能再拨付第%(seq)s期 %(v)s 元。"
            )
            % {
                **ctx,
                "project": project.number,
                "unpaid": fmt(unpaid),
                "pending": fmt(project_pending),
                "v": fmt(stage.amount),
            },
            code="exceeds_commitment",
        )
    with data_language():
        text = memo or _("股权投资出资：%(number)s 第%(seq)s期") % ctx
    return instruct(
        actor=actor,
        purpose=PURPOSE,
        source=stage,
        payee=project.organisation,
        amount=stage.amount,
        fund_year=project.fund_year,
        project=project,
        memo=text,
    )


def _stage_of(instruction) -> Stage:
    return Stage.objects.get(pk=int(instruction.source_id))


def stage_paid(instruction, *, actor, paid_on, treasury_ref):
    """``on_confirmed`` of purpose ``equity_stage``: commitment → disbursed, the stage paid, the
    investment ``invested`` (from ``committed``). Runs in the treasury import's transaction."""
    stage = _lock_stage(_stage_of(instruction))
    inv = stage.investment
    project = inv.project
    if stage.state != StageState.PLANNED:
        raise ServiceError(
            _("投资 %(number)s 第%(seq)s期%(state)s，不能重复确认支付。")
            % {"number": inv.number, "seq": stage.seq, "state": StageState(stage.state).label},
            code="stage_not_planned",
        )
    if instruction.amount != stage.amount:
        raise ServiceError(
            _("支付指令金额 %(v)s 元与第%(seq)s期出资金额 %(amount)s 元不符。")
            % {"v": fmt(instruction.amount), "seq": stage.seq, "amount": fmt(stage.amount)},
            code="amount_mismatch",
        )
    with data_language():
        memo = _("直通车拨付股权投资出资：%(number)s 第%(seq)s期 %(amount)s 元（%(ref)s）") % {
            "number": inv.number,
            "seq": stage.seq,
            "amount": fmt(stage.amount),
            "ref": treasury_ref,
        }
    entry = ledger.transfer(
        accounts.commitment_account(project),
        accounts.disbursed_account(project),
        stage.amount,
        code="equity.stage.paid",
        memo=memo,
        year=project.fund_year.year,
        actor=actor,
        ref=stage,
    )
    stage.state, stage.paid_on, stage.treasury_ref, stage.entry = (
        StageState.PAID,
        paid_on,
        treasury_ref,
        entry,
    )
    stage.save(update_fields=["state", "paid_on", "treasury_ref", "entry"])
    before = inv.state
    if inv.state == InvestmentState.COMMITTED:
        INVESTMENT.check(inv, InvestmentState.INVESTED)
        inv.state = InvestmentState.INVESTED
        inv.save(update_fields=["state"])
    audit.record(
        "equity.stage.paid",
        actor=actor,
        role=acting_role(actor, "equity.pay"),
        target=stage,
        before={"state": StageState.PLANNED, "investment_state": before},
        after={
            "state": stage.state,
            "investment_state": inv.state,
            "paid_on": paid_on,
            "treasury_ref": treasury_ref,
        },
        data={"investment": inv.pk, "project": project.pk, "entry": entry.pk, "instruction": instruction.pk},
    )
    return entry


def stage_returned(instruction, *, actor, reason):
    """``on_returned``: the treasury returned the payment; the stage stays planned (payable again)."""
    stage = _stage_of(instruction)
    audit.record(
        "equity.stage.returned",
        actor=actor,
        role=acting_role(actor, "equity.pay"),
        target=stage,
        after={"state": stage.state},
        data={"investment": stage.investment_id, "instruction": instruction.pk},
        reason=reason or "",
    )
