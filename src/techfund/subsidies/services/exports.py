"""Exporting the interest-subsidy claims to Excel. Whoever exports leaves an event of it; the
workbook is built outside any transaction, and only the short recording takes the audit lock."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.subsidies import exporters
from techfund.subsidies.scopes import visible_claims


class SubsidyRegister:
    """The claims as a whole: the target of the events about exporting them."""

    pk = "subsidies"

    def __str__(self) -> str:
        return str(_("贷款贴息申请"))


REGISTER = SubsidyRegister()


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def export_claims(*, actor, year: int | None = None) -> Export:
    """An xlsx of every claim the actor may see (of ``year`` when given), with each breakdown."""
    role = require(actor, "subsidies.export")
    claims = visible_claims(actor).select_related("loan", "organisation", "project__fund_year")
    if year:
        claims = claims.filter(project__fund_year__year=year)
    claims = list(claims.order_by("project__fund_year__year", "number"))
    now = timezone.localtime(timezone.now(), SHANGHAI)
    cover = [
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("年度"), str(year) if year else _("全部")),
        (
            _("说明"),
            _(
                "贴息额 = Σ 计息本金 × min(合同利率, 参考利率) × 贴息比例 × 天数 ÷ 年计息天数，每段四舍五入到分；"
                "不超过期间实付利息、每家企业贴息上限和项目未拨付的安排资金。"
            ),
        ),
    ]
    content, rows = exporters.workbook(claims, cover=cover)
    with transaction.atomic():
        audit.record(
            "subsidies.exported", actor=actor, role=role, target=REGISTER, data={"rows": rows, "year": year}
        )
    return Export(content=content, rows=rows, filename=f"subsidies-{now:%Y%m%d-%H%M%S}.xlsx")
