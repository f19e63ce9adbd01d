"""Exporting this stage's records to Excel. Whoever exports leaves an event of it; the workbook is
built outside any transaction, and only the short recording takes the audit lock."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.sanctions import exporters
from techfund.sanctions.scopes import visible_receipts, visible_recoveries, visible_sanctions, with_received

ORDER_RELATED = ("project__organisation", "project__department", "proposed_by", "decided_by")


class SanctionsRegister:
    """The stage's records as a whole: the target of the events about exporting them."""

    pk = "sanctions"

    def __str__(self) -> str:
        return str(_("暂停拨款、终止项目与追回资金"))


REGISTER = SanctionsRegister()


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def export_register(*, actor) -> Export:
    """An xlsx of every sanction order, recovery order and receipt the actor may see."""
    role = require(actor, "sanctions.export")
    orders = visible_sanctions(actor).select_related(*ORDER_RELATED).order_by("proposed_on", "id")
    recoveries = (
        with_received(visible_recoveries(actor))
        .select_related("project__organisation", "issued_by", "decided_by")
        .order_by("issued_on", "id")
    )
    receipts = (
        visible_receipts(actor).select_related("order__project", "recorded_by").order_by("received_on", "id")
    )
    now = timezone.localtime(timezone.now(), SHANGHAI)
    cover = [
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (
            _("说明"),
            _(
                "暂停拨款、解除暂停和终止项目由领导小组办公室提出、财政部门会签后生效；追回通知经财政部门确认后下达，缴回资金退回当年资金池。"
            ),
        ),
    ]
    content, rows = exporters.workbook(orders, recoveries, receipts, cover=cover)
    with transaction.atomic():
        audit.record("sanctions.exported", actor=actor, role=role, target=REGISTER, data={"rows": rows})
    return Export(content=content, rows=rows, filename=f"sanctions-{now:%Y%m%d-%H%M%S}.xlsx")
