"""The portfolio's Excel export. Whoever exports leaves an event of it; the workbook is built outside
any transaction, and only the short recording takes the audit lock."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.equity import exporters
from techfund.equity.scopes import visible_investments
from techfund.equity.services.portfolio import holdings


class Portfolio:
    """The portfolio as a whole: the target of the events about exporting it."""

    pk = "equity"

    def __str__(self) -> str:
        return str(_("股权投资组合"))


PORTFOLIO = Portfolio()


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def export_portfolio(*, actor, year: int | None = None) -> Export:
    """An xlsx of every holding the actor may see (of ``year`` when given), with the totals."""
    role = require(actor, "equity.export")
    qs = visible_investments(actor)
    if year is not None:
        qs = qs.filter(project__fund_year__year=year)
    rows, totals = holdings(qs.order_by("project__fund_year__year", "number"))
    now = timezone.localtime(timezone.now(), SHANGHAI)
    cover = [
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("年度"), str(year) if year else _("全部")),
        (
            _("说明"),
            _(
                "持股比例 = 投资金额 ÷ 投后估值（保留6位小数）；已出资 = 持有本金 + 收回本金 + 核销；倍数 = 退出所得 ÷ 已出资（退出或核销后）。"
            ),
        ),
    ]
    content, count = exporters.workbook(rows, totals, cover=cover)
    with transaction.atomic():
        audit.record(
            "equity.exported", actor=actor, role=role, target=PORTFOLIO, data={"rows": count, "year": year}
        )
    return Export(content=content, rows=count, filename=f"equity-portfolio-{now:%Y%m%d-%H%M%S}.xlsx")
