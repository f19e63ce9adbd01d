"""支付批次: finance gathers the pending instructions of a fund year into a batch and exports the
treasury's payment file (Excel or CSV). The first export marks the batch sent; after that its
instructions can no longer be cancelled (the treasury has them). Re-downloading a sent batch gives
the same rows; every file's SHA-256 is kept on the batch."""

import csv
import hashlib
import io
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.treasury import registry
from techfund.treasury.enums import BatchState, InstructionState
from techfund.treasury.models import PaymentBatch, PaymentInstruction
from techfund.treasury.scopes import visible_batches

MONEY_FORMAT = "#,##0.00"

FILE_COLUMNS = (
    (gettext_lazy("序号"), 6),
    (gettext_lazy("指令编号"), 16),
    (gettext_lazy("收款单位"), 32),
    (gettext_lazy("统一社会信用代码"), 22),
    (gettext_lazy("户名"), 32),
    (gettext_lazy("开户银行"), 28),
    (gettext_lazy("联行号"), 16),
    (gettext_lazy("银行账号"), 26),
    (gettext_lazy("金额"), 16),
    (gettext_lazy("用途"), 36),
    (gettext_lazy("项目编号"), 16),
)


@transaction.atomic
def create_batch(fund_year, *, actor, instructions=None) -> PaymentBatch:
    """A draft batch of the fund year's pending instructions (all of them, or those given)."""
    role = require(actor, "treasury.batch")
    qs = PaymentInstruction.objects.select_for_update().filter(
        fund_year=fund_year, state=InstructionState.PENDING
    )
    if instructions is not None:
        qs = qs.filter(pk__in=[i.pk for i in instructions])
    chosen = list(qs.order_by("pk"))
    if not chosen:
        raise ServiceError(
            _("%(y)s年度没有待编入批次的支付指令。") % {"y": fund_year.year}, code="nothing_to_batch"
        )
    batch = PaymentBatch.objects.create(
        number=f"tmp-{uuid.uuid4().hex}", fund_year=fund_year, created_by=actor
    )
    batch.number = f"PC{fund_year.year}{batch.pk:05d}"
    PaymentBatch.objects.filter(pk=batch.pk).update(number=batch.number)
    PaymentInstruction.objects.filter(pk__in=[i.pk for i in chosen]).update(
        batch=batch, state=InstructionState.BATCHED
    )
    total = sum((i.amount for i in chosen), start=chosen[0].amount * 0)
    audit.record(
        "treasury.batch.created",
        actor=actor,
        role=role,
        target=batch,
        after={"state": batch.state, "count": len(chosen), "total": total},
        data={"instructions": [i.number for i in chosen], "fund_year": fund_year.year},
    )
    return batch


def batch_rows(batch) -> list[PaymentInstruction]:
    """The instructions the treasury is asked to pay (cancelled ones are no longer in the batch)."""
    return list(
        batch.instructions.exclude(state=InstructionState.CANCELLED)
        .select_related("payee", "project")
        .order_by("number")
    )


def _purpose_label(code: str) -> str:
    try:
        return str(registry.purpose(code).label)
    except LookupError:
        return code


def _row(i: PaymentInstruction, seq: int) -> list:
    purpose = _purpose_label(i.purpose)
    return [
        seq,
        i.number,
        i.payee.name,
        i.payee.uscc,
        i.account_name,
        i.bank_name,
        i.bank_code,
        i.account_number,
        i.amount,
        f"{purpose}：{i.memo}" if i.memo else purpose,
        i.project.number if i.project_id else "",
    ]


def payment_file(batch, fmt: str = "xlsx") -> bytes:
    rows = [_row(i, n) for n, i in enumerate(batch_rows(batch), start=1)]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow([str(h) for h, _w in FILE_COLUMNS])
        for r in rows:
            w.writerow([f"{v:.2f}" if k == 8 else v for k, v in enumerate(r)])
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    if fmt != "xlsx":
        raise ServiceError(_("导出格式只能是 xlsx 或 csv。"), code="format_invalid")
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("支付明细"), FILE_COLUMNS, freeze="A2")
    for r in rows:
        ws.append(
            [
                cell(ws, v, number_format=MONEY_FORMAT) if k == 8 else cell(ws, v if k == 0 else str(v))
                for k, v in enumerate(r)
            ]
        )
    total = sum((i[8] for i in rows), start=0)
    add_cover_sheet(
        wb,
        [
            (_("支付批次"), batch.number),
            (_("年度"), str(batch.fund_year.year)),
            (_("合计金额（元）"), f"{total:,.2f}"),
            (_("说明"), _("国库集中支付“直通车”支付文件：金额单位为元；银行账号、联行号为文本。")),
        ],
        count=len(rows),
    )
    return workbook_bytes(wb)


@transaction.atomic
def export_batch(batch, *, actor, fmt: str = "xlsx") -> bytes:
    """The treasury payment file of ``batch`` (xlsx or csv). The first export marks the batch sent."""
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    role = require(actor, "treasury.batch", batch, visible=visible_batches(actor))
    if fmt not in ("xlsx", "csv"):
        raise ServiceError(_("导出格式只能是 xlsx 或 csv。"), code="format_invalid")
    if not batch_rows(batch):
        raise ServiceError(
            _("支付批次 %(n)s 中没有待支付的指令（均已撤销）。") % {"n": batch.number}, code="batch_empty"
        )
    data = payment_file(batch, fmt)
    digest = hashlib.sha256(data).hexdigest()
    before = batch.state
    now = timezone.now()
    if batch.state == BatchState.DRAFT:
        batch.state = BatchState.SENT
        batch.sent_by = actor
        batch.sent_at = now
    batch.file_hashes = [
        *batch.file_hashes,
        {"fmt": fmt, "sha256": digest, "at": now.isoformat(), "by": actor.pk},
    ]
    batch.save(update_fields=["state", "sent_by", "sent_at", "file_hashes"])
    audit.record(
        "treasury.batch.exported",
        actor=actor,
        role=role,
        target=batch,
        before={"state": before},
        after={"state": batch.state},
        data={"fmt": fmt, "sha256": digest, "rows": len(batch_rows(batch))},
    )
    return data
