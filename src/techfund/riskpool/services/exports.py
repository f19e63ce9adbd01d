"""Exporting risk compensation to Excel. Whoever exports leaves an event of it."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.riskpool import accounts, exporters
from techfund.riskpool.scopes import visible_claims, visible_loans, visible_pools, visible_recoveries


class RiskpoolRegister:
    pk = "riskpool"

    def __str__(self) -> str:
        return str(_("风险补偿"))


REGISTER = RiskpoolRegister()


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def export_register(*, actor) -> Export:
    role = require(actor, "riskpool.export")
    pools = list(
        visible_pools(actor)
        .select_related("fund_year", "bank__organisation", "focus_area", "department")
        .order_by("fund_year__year", "bank__code")
    )
    loans = (
        visible_loans(actor)
        .select_related("bank__organisation", "borrower")
        .annotate(filing_count=Count("filings"))
        .order_by("bank__code", "start_date", "id")
    )
    claims = (
        visible_claims(actor)
        .select_related("loan__bank__organisation", "loan__borrower")
        .order_by("claimed_on", "id")
    )
    recoveries = visible_recoveries(actor).select_related("claim").order_by("recovered_on", "id")
    now = timezone.localtime(timezone.now(), SHANGHAI)
    cover = [
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("说明"), _("资金池：注资净额 = 余额 + 已代偿 − 追偿退回。")),
    ]
    content, rows = exporters.workbook(
        pools, accounts.pool_figures(pools), loans, claims, recoveries, cover=cover
    )
    with transaction.atomic():
        audit.record("riskpool.exported", actor=actor, role=role, target=REGISTER, data={"rows": rows})
    return Export(content=content, rows=rows, filename=f"riskpool-{now:%Y%m%d-%H%M%S}.xlsx")
