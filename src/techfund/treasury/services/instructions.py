"""Payment instructions (支付指令): how every support mode asks the treasury to pay.

A mode's service, inside its own transaction and after locking its own record (or its project),
computes what may still be paid — counting ``pending_amount(source)``, the money already instructed
for the record and neither confirmed nor returned — and calls ``instruct()``. The instruction waits
(pending) until finance puts it in a batch; nothing moves in the ledger until the treasury's
confirmation is imported (``services.confirmations``), when the purpose's ``on_confirmed`` posts it.
"""

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.services.ledger import ZERO, money
from techfund.funds.validation import fmt
from techfund.projects.enums import ProjectState
from techfund.treasury import registry
from techfund.treasury.enums import OPEN_INSTRUCTION_STATES, AccountState, BatchState, InstructionState
from techfund.treasury.models import PayeeAccount, PaymentInstruction
from techfund.treasury.scopes import visible_instructions
from techfund.treasury.services._common import add, refuse, source_key, total
from techfund.treasury.services.accounts import account_problems

MEMO_MAX = 200
REASON_MAX = 300


def instructions_for(source):
    """Every instruction ever made for ``source`` (any state)."""
    label, pk = source_key(source)
    return PaymentInstruction.objects.filter(source_type=label, source_id=pk)


def pending_amount(source):
    """Money instructed for ``source`` and neither confirmed nor returned nor cancelled (Decimal, 0 when none).

    Callers add it to what they have already paid when checking their caps, so the same money is
    never instructed twice."""
    return total(instructions_for(source).filter(state__in=OPEN_INSTRUCTION_STATES))


def confirmed_amount(source):
    """Money the treasury has confirmed as paid for ``source``."""
    return total(instructions_for(source).filter(state=InstructionState.CONFIRMED))


def pending_for_project(project):
    """Open instructions (any purpose) that will move the project's commitment when confirmed."""
    return total(PaymentInstruction.objects.filter(project=project, state__in=OPEN_INSTRUCTION_STATES))


def active_account(organisation) -> PayeeAccount | None:
    return PayeeAccount.objects.filter(organisation=organisation, state=AccountState.VERIFIED).first()


def _lock_source(source):
    model = type(source)
    found = model._default_manager.select_for_update().filter(pk=source.pk).first()
    if found is None:
        raise ServiceError(_("支付指令对应的业务记录不存在。"), code="source_missing")
    return found


@transaction.atomic
def instruct(
    *,
    actor,
    purpose: str,
    source,
    payee,
    amount,
    fund_year,
    project=None,
    memo: str = "",
) -> PaymentInstruction:
    """Create a pending payment instruction of ``amount`` to ``payee`` for ``source``.

    Refused (one ServiceError listing every problem) when the purpose is not registered, the amount
    is not positive, the payee has no verified valid payee account, the project (if given) is not in
    progress or belongs to another fund year, or the memo is too long. The caller checks its own caps
    (using ``pending_amount(source)``) before calling; the source row is locked here too so two
    instructions for one record run one after the other."""
    role = require(actor, "treasury.instruct")
    label, pk = source_key(source)
    _lock_source(source)
    errors: dict = {}
    try:
        registry.purpose(purpose)
    except LookupError:
        add(errors, "purpose", _("支付用途“%(p)s”未登记。") % {"p": purpose})
    value = None
    try:
        value = money(amount)
    except ServiceError as exc:
        add(errors, "amount", exc.message)
    if value is not None and value <= ZERO:
        add(errors, "amount", _("支付金额必须大于零（本次为 %(v)s 元）。") % {"v": fmt(value)})
    account = active_account(payee) if payee is not None else None
    if payee is None:
        add(errors, "payee", _("请指定收款单位。"))
    elif account is None:
        pending = PayeeAccount.objects.filter(organisation=payee, state=AccountState.PENDING).exists()
        add(
            errors,
            "payee",
            _("%(org)s 的收款账户尚待财政部门核验，核验后才能生成支付指令。") % {"org": payee.name}
            if pending
            else _("%(org)s 尚未登记收款账户，不能生成支付指令。") % {"org": payee.name},
        )
    else:
        for msgs in account_problems(
            organisation=payee,
            account_name=account.account_name,
            bank_name=account.bank_name,
            account_number=account.account_number,
            bank_code=account.bank_code,
        ).values():
            for m in msgs:
                add(errors, "payee", _("%(org)s 的收款账户有误：%(m)s") % {"org": payee.name, "m": m})
    if project is not None:
        from techfund.projects.services._common import lock_project

        project = lock_project(project)
        if project.state != ProjectState.IN_PROGRESS:
            add(
                errors,
                "project",
                _("项目 %(number)s 当前状态为“%(state)s”，不能生成支付指令。")
                % {"number": project.number, "state": ProjectState(project.state).label},
            )
        if project.fund_year_id != fund_year.pk:
            add(
                errors,
                "project",
                _("项目 %(number)s 属于%(y)s年度资金，不能在其他年度生成支付指令。")
                % {"number": project.number, "y": project.fund_year.year},
            )
    memo = (memo or "").strip()
    if len(memo) > MEMO_MAX:
        add(errors, "memo", _("用途说明不能超过%(n)s个字符。") % {"n": MEMO_MAX})
    refuse(errors, code="instruction_invalid", many=_("支付指令有%(n)d处问题。"))
    instruction = PaymentInstruction.objects.create(
        number=f"tmp-{uuid.uuid4().hex}",
        fund_year=fund_year,
        purpose=purpose,
        source_type=label,
        source_id=pk,
        project=project,
        payee=payee,
        account=account,
        account_name=account.account_name,
        bank_name=account.bank_name,
        account_number=account.account_number,
        bank_code=account.bank_code,
        amount=value,
        memo=memo,
        created_by=actor,
    )
    instruction.number = f"ZF{fund_year.year}{instruction.pk:07d}"
    PaymentInstruction.objects.filter(pk=instruction.pk).update(number=instruction.number)
    audit.record(
        "treasury.instruction.created",
        actor=actor,
        role=role,
        target=instruction,
        after={
            "purpose": purpose,
            "source": f"{label}:{pk}",
            "payee": payee.pk,
            "account": account.pk,
            "amount": value,
        },
        data={"project": project.pk if project else None, "fund_year": fund_year.year},
        reason=memo,
    )
    return instruction


@transaction.atomic
def cancel_instruction(instruction, *, actor, reason: str) -> PaymentInstruction:
    """Withdraw an instruction not yet sent to the treasury (pending, or in a batch still a draft)."""
    instruction = PaymentInstruction.objects.select_for_update().get(pk=instruction.pk)
    role = require(actor, "treasury.cancel", instruction, visible=visible_instructions(actor))
    reason = (reason or "").strip()
    errors: dict = {}
    if not reason:
        add(errors, "reason", _("请填写撤销原因。"))
    elif len(reason) > REASON_MAX:
        add(errors, "reason", _("撤销原因不能超过%(n)s个字符。") % {"n": REASON_MAX})
    sent = instruction.batch_id is not None and instruction.batch.state != BatchState.DRAFT
    if instruction.state not in OPEN_INSTRUCTION_STATES or sent:
        raise ServiceError(
            _("支付指令 %(n)s 当前状态为“%(s)s”%(sent)s，不能撤销。")
            % {
                "n": instruction.number,
                "s": InstructionState(instruction.state).label,
                "sent": _("（已发送国库）") if sent else "",
            },
            code="instruction_not_cancellable",
        )
    refuse(errors, code="cancel_invalid", many=_("撤销有%(n)d处需要修改。"))
    before = {"state": instruction.state, "batch": instruction.batch_id}
    instruction.state = InstructionState.CANCELLED
    instruction.cancelled_by = actor
    instruction.cancel_reason = reason
    instruction.batch = None
    instruction.settled_at = timezone.now()
    instruction.save(update_fields=["state", "cancelled_by", "cancel_reason", "batch", "settled_at"])
    audit.record(
        "treasury.instruction.cancelled",
        actor=actor,
        role=role,
        target=instruction,
        before=before,
        after={"state": instruction.state},
        reason=reason,
    )
    return instruction
