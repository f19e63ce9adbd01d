"""对账: a batch's instructions against what the treasury confirmed, returned or has not answered
yet, and the rows of its imported files that were not applied."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.core.services.ledger import ZERO
from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.treasury.enums import ConfirmationResult, InstructionState
from techfund.treasury.models import Confirmation

MONEY_FORMAT = "#,##0.00"


@dataclass
class Tally:
    count: int = 0
    amount: Decimal = ZERO

    def add(self, amount) -> None:
        self.count += 1
        self.amount += amount


@dataclass
class Reconciliation:
    batch: object
    instructed: Tally = field(default_factory=Tally)
    confirmed: Tally = field(default_factory=Tally)
    returned: Tally = field(default_factory=Tally)
    outstanding: Tally = field(default_factory=Tally)
    instructions: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        """instructed = confirmed + returned + outstanding, to the fen."""
        return (
            self.instructed.amount == self.confirmed.amount + self.returned.amount + self.outstanding.amount
        )


def reconcile_batch(batch) -> Reconciliation:
    """The batch's reconciliation: instructed (every instruction sent, i.e. not cancelled) =
    confirmed + returned + outstanding (sent, no answer yet), and the problem rows of every import
    (mismatches, unknown instructions, conflicting voucher numbers; harmless re-imports are left out)."""
    rep = Reconciliation(batch=batch)
    for i in (
        batch.instructions.exclude(state=InstructionState.CANCELLED)
        .select_related("payee", "project")
        .order_by("number")
    ):
        rep.instructions.append(i)
        rep.instructed.add(i.amount)
        if i.state == InstructionState.CONFIRMED:
            rep.confirmed.add(i.amount)
        elif i.state == InstructionState.RETURNED:
            rep.returned.add(i.amount)
        else:
            rep.outstanding.add(i.amount)
    rep.problems = list(
        Confirmation.objects.filter(file__batch=batch)
        .exclude(result=ConfirmationResult.MATCHED)
        .exclude(code="repeat")
        .select_related("file")
        .order_by("file__imported_at", "file_id", "row")
    )
    return rep


INSTRUCTION_COLUMNS = (
    (gettext_lazy("指令编号"), 16),
    (gettext_lazy("收款单位"), 32),
    (gettext_lazy("银行账号"), 26),
    (gettext_lazy("金额"), 16),
    (gettext_lazy("用途"), 20),
    (gettext_lazy("项目编号"), 16),
    (gettext_lazy("状态"), 16),
    (gettext_lazy("国库支付凭证号"), 22),
    (gettext_lazy("支付日期"), 12),
    (gettext_lazy("退回原因"), 30),
)
PROBLEM_COLUMNS = (
    (gettext_lazy("导入文件"), 24),
    (gettext_lazy("行号"), 8),
    (gettext_lazy("指令编号"), 16),
    (gettext_lazy("支付凭证号"), 22),
    (gettext_lazy("金额"), 16),
    (gettext_lazy("银行账号"), 26),
    (gettext_lazy("对账结果"), 12),
    (gettext_lazy("说明"), 60),
)


def reconciliation_xlsx(rep: Reconciliation) -> bytes:
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("支付指令"), INSTRUCTION_COLUMNS, freeze="A2")
    for i in rep.instructions:
        ws.append(
            [
                cell(ws, i.number),
                cell(ws, i.payee.name),
                cell(ws, i.account_number),
                cell(ws, i.amount, number_format=MONEY_FORMAT),
                cell(ws, i.purpose),
                cell(ws, i.project.number if i.project_id else ""),
                cell(ws, str(InstructionState(i.state).label)),
                cell(ws, i.treasury_ref or ""),
                cell(ws, i.paid_on.isoformat() if i.paid_on else ""),
                cell(ws, i.return_reason),
            ]
        )
    ws = add_data_sheet(wb, _("不符事项"), PROBLEM_COLUMNS, freeze="A2")
    for c in rep.problems:
        ws.append(
            [
                cell(ws, c.file.filename or str(c.file.pk)),
                cell(ws, c.row),
                cell(ws, c.instruction_number),
                cell(ws, c.treasury_ref),
                cell(ws, c.amount, number_format=MONEY_FORMAT) if c.amount is not None else cell(ws, ""),
                cell(ws, c.account_number),
                cell(ws, str(ConfirmationResult(c.result).label)),
                cell(ws, c.reason),
            ]
        )
    add_cover_sheet(
        wb,
        [
            (_("支付批次"), rep.batch.number),
            (_("已发送指令"), f"{rep.instructed.count} / {rep.instructed.amount:,.2f}"),
            (_("国库已支付"), f"{rep.confirmed.count} / {rep.confirmed.amount:,.2f}"),
            (_("国库退回"), f"{rep.returned.count} / {rep.returned.amount:,.2f}"),
            (_("待国库确认"), f"{rep.outstanding.count} / {rep.outstanding.amount:,.2f}"),
            (_("不符事项"), str(len(rep.problems))),
        ],
        count=len(rep.instructions),
    )
    return workbook_bytes(wb)
