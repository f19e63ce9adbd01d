"""Importing the treasury's confirmation file (支付回单/支付结果) and reconciling it row by row.

**Partial application (decided):** the rows that match an instruction of the batch exactly are
applied — paid rows call the purpose's ``on_confirmed`` (ledger entry, record paid) and returned rows
its ``on_returned`` — each in its own savepoint of the import's transaction; every other row is
listed with the reason and changes nothing. Re-importing the same file is harmless: rows already
applied come back as ``duplicate`` ("已处理") and nothing is posted twice. A file whose columns cannot
be read at all is refused whole.

A row is a problem (nothing changes for it) when:
- ``unknown``: no such instruction, or it is not in this batch;
- ``mismatch``: the amount or the account number differs from the instruction; the instruction was
  cancelled, or was already confirmed under another voucher, or already returned; the row cannot be
  read (amount, date, status); the purpose's handler refused it (e.g. a ledger overdraft);
- ``duplicate``: the voucher number appears twice in the file or is already used by another payment,
  the instruction appears twice in the file, or the row was already applied by an earlier import.

Nothing is marked paid without a confirmation row, and an instruction is confirmed once at most
(its row is locked, its state checked, and its ``treasury_ref`` is unique).
"""

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import acting_role, require
from techfund.core.services import audit
from techfund.funds.validation import fmt
from techfund.treasury import registry
from techfund.treasury.enums import (
    BatchState,
    ConfirmationResult,
    ConfirmationStatus,
    InstructionState,
)
from techfund.treasury.models import Confirmation, ConfirmationImport, PaymentBatch, PaymentInstruction
from techfund.treasury.scopes import visible_batches
from techfund.treasury.services.accounts import normalise_number

MAX_ROWS = 20000

#: Column header → field; the treasury's files use one of these names.
HEADERS = {
    "instruction_number": ("指令编号", "支付指令编号", "instruction", "instruction_number"),
    "treasury_ref": ("支付凭证号", "国库支付凭证号", "凭证号", "treasury_ref"),
    "amount": ("金额", "支付金额", "amount"),
    "account_number": ("银行账号", "收款账号", "账号", "account_number"),
    "paid_on": ("支付日期", "日期", "paid_on", "date"),
    "status": ("状态", "支付状态", "status"),
    "status_reason": ("退回原因", "原因", "reason"),
}
REQUIRED = ("instruction_number", "amount", "account_number", "status")
PAID_WORDS = {"paid", "已支付", "支付成功", "成功", "已付"}
RETURNED_WORDS = {"returned", "退回", "已退回", "退票", "失败", "支付失败"}


@dataclass
class Row:
    row: int
    instruction_number: str = ""
    treasury_ref: str = ""
    amount: Decimal | None = None
    account_number: str = ""
    paid_on: dt.date | None = None
    status: str = ""
    status_reason: str = ""
    problems: list = field(default_factory=list)  # reading problems
    result: str = ""
    code: str = ""
    reason: str = ""
    instruction: PaymentInstruction | None = None


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _table(data: bytes, filename: str = "") -> list[list]:
    """The file's rows (lists of cell values): xlsx (its first sheet) or csv (UTF-8 or GB18030)."""
    if data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same refusal
            raise ServiceError(
                _("无法读取该Excel文件，请确认是国库返回的支付结果文件。"), code="file_unreadable"
            ) from exc
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ServiceError(_("无法识别该文件的编码，请使用UTF-8或GBK编码的CSV文件。"), code="file_unreadable")
    return [r for r in csv.reader(io.StringIO(text))]


def parse_confirmations(data: bytes, filename: str = "") -> list[Row]:
    """Read the treasury's file into rows; refuse the whole file only when its columns are missing."""
    table = _table(data, filename)
    header_at = None
    columns: dict[str, int] = {}
    for n, r in enumerate(table[:10]):
        names = [_text(c).lower() for c in r]
        found = {}
        for key, aliases in HEADERS.items():
            for a in aliases:
                if a.lower() in names:
                    found[key] = names.index(a.lower())
                    break
        if "instruction_number" in found:
            header_at, columns = n, found
            break
    missing = [HEADERS[k][0] for k in REQUIRED if k not in columns]
    if header_at is None or missing:
        raise ServiceError(
            _(
                "文件缺少必需的列：%(cols)s。国库支付结果文件应包含 指令编号、支付凭证号、金额、银行账号、支付日期、状态 等列。"
            )
            % {"cols": "、".join(missing or [HEADERS["instruction_number"][0]])},
            code="file_columns",
        )
    rows: list[Row] = []
    for n, r in enumerate(table[header_at + 1 :], start=header_at + 2):
        values = {k: (r[i] if i < len(r) else None) for k, i in columns.items()}
        if all(_text(v) == "" for v in values.values()):
            continue
        row = Row(row=n)
        row.instruction_number = _text(values.get("instruction_number"))[:60]
        row.treasury_ref = _text(values.get("treasury_ref"))[:60]
        row.account_number = normalise_number(_text(values.get("account_number")))[:40]
        row.status_reason = _text(values.get("status_reason"))[:300]
        raw = values.get("amount")
        try:
            amount = (
                Decimal(_text(raw).replace(",", ""))
                if not isinstance(raw, (int, float))
                else Decimal(str(raw))
            )
            if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
                raise InvalidOperation
            row.amount = amount.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            row.problems.append(_("金额“%(v)s”不是有效的金额。") % {"v": _text(raw)})
        raw = values.get("paid_on")
        if isinstance(raw, dt.datetime):
            row.paid_on = raw.date()
        elif isinstance(raw, dt.date):
            row.paid_on = raw
        elif _text(raw):
            try:
                row.paid_on = dt.date.fromisoformat(_text(raw).replace("/", "-")[:10])
            except ValueError:
                row.problems.append(_("支付日期“%(v)s”不是有效的日期。") % {"v": _text(raw)})
        status = _text(values.get("status")).lower()
        if status in PAID_WORDS:
            row.status = ConfirmationStatus.PAID
        elif status in RETURNED_WORDS:
            row.status = ConfirmationStatus.RETURNED
        else:
            row.problems.append(_("状态“%(v)s”无法识别（应为“已支付”或“退回”）。") % {"v": status})
        if row.status == ConfirmationStatus.PAID:
            if not row.treasury_ref:
                row.problems.append(_("已支付的行缺少支付凭证号。"))
            if row.paid_on is None and not any("日期" in str(p) for p in row.problems):
                row.problems.append(_("已支付的行缺少支付日期。"))
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ServiceError(_("文件行数超过%(n)d行。") % {"n": MAX_ROWS}, code="file_too_large")
    return rows


def _ref_used_elsewhere(ref: str, instruction) -> bool:
    from techfund.projects.models import Payment

    others = PaymentInstruction.objects.filter(treasury_ref=ref)
    if instruction is not None:
        others = others.exclude(pk=instruction.pk)
    payments = Payment.objects.filter(treasury_ref=ref)
    if instruction is not None:
        payments = payments.exclude(instruction=instruction)
    return others.exists() or payments.exists()


def classify(batch, rows: list[Row], *, today: dt.date | None = None) -> list[Row]:
    """Decide each row's result against the database as it is now (no change is made)."""
    today = today or timezone.localdate()
    by_number = {
        i.number: i
        for i in PaymentInstruction.objects.filter(
            number__in=[r.instruction_number for r in rows]
        ).select_related("payee")
    }
    seen_ref: dict[str, int] = {}
    seen_instr: dict[str, int] = {}

    def mark(row, result, code, reason):
        row.result, row.code, row.reason = result, code, str(reason)

    for row in rows:
        i = by_number.get(row.instruction_number)
        row.instruction = i
        if row.problems:
            mark(row, ConfirmationResult.MISMATCH, "invalid", "；".join(str(p) for p in row.problems))
            continue
        if i is None:
            mark(
                row,
                ConfirmationResult.UNKNOWN,
                "unknown",
                _("没有编号为“%(n)s”的支付指令。") % {"n": row.instruction_number},
            )
            continue
        if i.batch_id != batch.pk:
            row.instruction = None
            mark(
                row,
                ConfirmationResult.UNKNOWN,
                "not_in_batch",
                _("支付指令 %(n)s 不在本批次 %(b)s 中。") % {"n": i.number, "b": batch.number},
            )
            continue
        if row.instruction_number in seen_instr:
            mark(
                row,
                ConfirmationResult.DUPLICATE,
                "instruction_in_file",
                _("支付指令 %(n)s 在本文件中重复出现（第%(r)d行已有）。")
                % {"n": i.number, "r": seen_instr[i.number]},
            )
            continue
        seen_instr[i.number] = row.row
        if row.status == ConfirmationStatus.PAID:
            if row.treasury_ref in seen_ref:
                mark(
                    row,
                    ConfirmationResult.DUPLICATE,
                    "ref_in_file",
                    _("支付凭证号“%(ref)s”在本文件中重复出现（第%(r)d行已有）。")
                    % {"ref": row.treasury_ref, "r": seen_ref[row.treasury_ref]},
                )
                continue
            seen_ref[row.treasury_ref] = row.row
            if i.state == InstructionState.CONFIRMED:
                if i.treasury_ref == row.treasury_ref and i.amount == row.amount:
                    mark(
                        row,
                        ConfirmationResult.DUPLICATE,
                        "repeat",
                        _("已处理：支付指令 %(n)s 已于%(d)s确认支付（凭证号 %(ref)s），本次不重复记账。")
                        % {"n": i.number, "d": i.paid_on.isoformat(), "ref": i.treasury_ref},
                    )
                else:
                    mark(
                        row,
                        ConfirmationResult.MISMATCH,
                        "already_confirmed",
                        _("支付指令 %(n)s 已按凭证号 %(ref)s 确认支付，不能再次确认。")
                        % {"n": i.number, "ref": i.treasury_ref},
                    )
                continue
            if i.state == InstructionState.RETURNED:
                mark(
                    row,
                    ConfirmationResult.MISMATCH,
                    "already_returned",
                    _("支付指令 %(n)s 已被国库退回，不能再确认支付。") % {"n": i.number},
                )
                continue
            if _ref_used_elsewhere(row.treasury_ref, i):
                mark(
                    row,
                    ConfirmationResult.DUPLICATE,
                    "ref_used",
                    _("支付凭证号“%(ref)s”已被其他支付使用。") % {"ref": row.treasury_ref},
                )
                continue
            if row.paid_on > today:
                mark(
                    row,
                    ConfirmationResult.MISMATCH,
                    "date",
                    _("支付日期 %(d)s 晚于今天。") % {"d": row.paid_on.isoformat()},
                )
                continue
        else:  # returned
            if i.state == InstructionState.RETURNED:
                mark(
                    row,
                    ConfirmationResult.DUPLICATE,
                    "repeat",
                    _("已处理：支付指令 %(n)s 已登记为退回。") % {"n": i.number},
                )
                continue
            if i.state == InstructionState.CONFIRMED:
                mark(
                    row,
                    ConfirmationResult.MISMATCH,
                    "already_confirmed",
                    _("支付指令 %(n)s 已按凭证号 %(ref)s 确认支付，不能再登记退回。")
                    % {"n": i.number, "ref": i.treasury_ref},
                )
                continue
        if i.state == InstructionState.CANCELLED:
            mark(
                row,
                ConfirmationResult.MISMATCH,
                "cancelled",
                _("支付指令 %(n)s 已撤销，不应支付，请与国库核实。") % {"n": i.number},
            )
            continue
        problems = []
        if row.amount != i.amount:
            problems.append(
                _("金额不符：指令 %(a)s 元，国库 %(b)s 元。") % {"a": fmt(i.amount), "b": fmt(row.amount)}
            )
        if row.account_number != i.account_number:
            problems.append(
                _("账号不符：指令 %(a)s，国库 %(b)s。")
                % {"a": i.account_number, "b": row.account_number or "—"}
            )
        if problems:
            code = "amount" if row.amount != i.amount else "account"
            mark(row, ConfirmationResult.MISMATCH, code, "".join(str(p) for p in problems))
            continue
        mark(row, ConfirmationResult.MATCHED, "", "")
    return rows


def preview_confirmations(batch, data: bytes, *, actor, filename: str = "") -> list[Row]:
    """What importing ``data`` would do, row by row (nothing is changed)."""
    require(actor, "treasury.import", batch, visible=visible_batches(actor))
    _check_batch(batch)
    return classify(batch, parse_confirmations(data, filename))


def _check_batch(batch) -> None:
    if batch.state == BatchState.DRAFT:
        raise ServiceError(
            _("支付批次 %(n)s 尚未导出发送国库，不能导入支付结果。") % {"n": batch.number},
            code="batch_not_sent",
        )


def _confirm(i: PaymentInstruction, row: Row, *, actor, role) -> None:
    purpose = registry.purpose(i.purpose)
    entry = purpose.on_confirmed(i, actor=actor, paid_on=row.paid_on, treasury_ref=row.treasury_ref)
    i.state = InstructionState.CONFIRMED
    i.treasury_ref = row.treasury_ref
    i.paid_on = row.paid_on
    i.entry = entry
    i.settled_at = timezone.now()
    i.save(update_fields=["state", "treasury_ref", "paid_on", "entry", "settled_at"])
    audit.record(
        "treasury.instruction.confirmed",
        actor=actor,
        role=role,
        target=i,
        before={"state": InstructionState.BATCHED},
        after={"state": i.state, "treasury_ref": i.treasury_ref, "paid_on": i.paid_on, "amount": i.amount},
        data={"entry": entry.pk if entry is not None else None, "purpose": i.purpose},
    )


def _return(i: PaymentInstruction, row: Row, *, actor, role) -> None:
    purpose = registry.purpose(i.purpose)
    reason = row.status_reason or _("国库退回（未说明原因）")
    if purpose.on_returned is not None:
        purpose.on_returned(i, actor=actor, reason=reason)
    i.state = InstructionState.RETURNED
    i.return_reason = reason[:300]
    i.settled_at = timezone.now()
    i.save(update_fields=["state", "return_reason", "settled_at"])
    audit.record(
        "treasury.instruction.returned",
        actor=actor,
        role=role,
        target=i,
        before={"state": InstructionState.BATCHED},
        after={"state": i.state},
        reason=reason,
    )


@transaction.atomic
def import_confirmations(
    batch, file, *, actor, filename: str = "", today: dt.date | None = None
) -> ConfirmationImport:
    """Import the treasury's confirmation file for ``batch`` (bytes or a file object, xlsx or csv)
    and reconcile it row by row (see the module docstring). Returns the import record, whose
    ``rows`` list every row with its result."""
    data = file if isinstance(file, bytes) else file.read()
    filename = filename or getattr(file, "name", "") or ""
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    role = require(actor, "treasury.import", batch, visible=visible_batches(actor))
    _check_batch(batch)
    rows = parse_confirmations(data, filename)
    if not rows:
        raise ServiceError(_("文件中没有支付结果数据行。"), code="file_empty")
    # Lock every instruction of the batch (in id order) before deciding anything.
    list(PaymentInstruction.objects.select_for_update().filter(batch=batch).order_by("pk"))
    classify(batch, rows, today=today)
    for row in rows:
        if row.result != ConfirmationResult.MATCHED:
            continue
        i = PaymentInstruction.objects.select_for_update().get(pk=row.instruction.pk)
        try:
            with transaction.atomic():
                if row.status == ConfirmationStatus.PAID:
                    _confirm(i, row, actor=actor, role=role)
                else:
                    _return(i, row, actor=actor, role=role)
        except ServiceError as exc:
            row.result, row.code, row.reason = (
                ConfirmationResult.MISMATCH,
                "refused",
                _("未能记账：%(m)s") % {"m": exc.message},
            )
    matched = sum(1 for r in rows if r.result == ConfirmationResult.MATCHED)
    record = ConfirmationImport.objects.create(
        batch=batch,
        filename=filename[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        imported_by=actor,
        matched=matched,
        problems=sum(1 for r in rows if r.result != ConfirmationResult.MATCHED and r.code != "repeat"),
    )
    Confirmation.objects.bulk_create(
        Confirmation(
            file=record,
            row=r.row,
            instruction_number=r.instruction_number,
            instruction=r.instruction,
            treasury_ref=r.treasury_ref,
            amount=r.amount,
            account_number=r.account_number,
            paid_on=r.paid_on,
            status=r.status,
            status_reason=r.status_reason,
            result=r.result,
            code=r.code,
            reason=r.reason[:500],
        )
        for r in rows
    )
    audit.record(
        "treasury.batch.imported",
        actor=actor,
        role=role,
        target=batch,
        data={
            "file": record.pk,
            "sha256": record.sha256,
            "rows": len(rows),
            "matched": matched,
            "problems": [
                {"row": r.row, "result": r.result, "code": r.code} for r in rows if r.result != "matched"
            ],
        },
    )
    _maybe_reconciled(batch, actor=actor)
    return record


def _maybe_reconciled(batch, *, actor) -> None:
    open_left = batch.instructions.filter(state=InstructionState.BATCHED).exists()
    if batch.state == BatchState.SENT and not open_left:
        batch.state = BatchState.RECONCILED
        batch.reconciled_at = timezone.now()
        batch.save(update_fields=["state", "reconciled_at"])
        audit.record(
            "treasury.batch.reconciled",
            actor=actor,
            role=acting_role(actor, "treasury.import"),
            target=batch,
            before={"state": BatchState.SENT},
            after={"state": batch.state},
        )
