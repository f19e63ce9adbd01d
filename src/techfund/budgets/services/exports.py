"""The rates report (资金到位率、预算执行率) as data for the page and the API, and as an Excel workbook.
Whoever exports leaves an event of it; the workbook is built outside any transaction."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from techfund.budgets import rates
from techfund.core import xlsx
from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.projects.scopes import visible_projects

PCT = "0.00"


class RatesRegister:
    """The rates report as a whole: the target of the events about exporting it."""

    pk = "budget-rates"

    def __str__(self) -> str:
        return str(_("资金到位率与预算执行率"))


REGISTER = RatesRegister()


@dataclass
class Report:
    year: int | None
    as_of: dt.date | None
    group: str
    rows: list
    total: rates.Row


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def group_label(group: str) -> str:
    return {
        "project": _("按项目"),
        "department": _("按主管部门"),
        "area": _("按重点领域"),
    }[group]


def rates_report(
    user, *, year: int | None = None, as_of: dt.date | None = None, group: str = "project"
) -> Report:
    """The rows of the projects ``user`` sees (of ``year`` when given), grouped by ``group``."""
    if group not in rates.GROUPS:
        group = "project"
    projects = visible_projects(user).select_related(
        "contract", "department", "focus_area", "organisation", "fund_year"
    )
    if year:
        projects = projects.filter(fund_year__year=year)
    projects = list(projects.order_by("fund_year__year", "number"))
    rows = rates.project_rows(projects, as_of=as_of, today=timezone.localdate())
    grouped = rates.group_rows(projects, rows, group)
    return Report(year, as_of, group, grouped, rates.total_row(rows, _("合计")))


def _pct(v):
    return float(v) if v is not None else None


def export_rates(*, actor, year=None, as_of=None, group="project") -> Export:
    role = require(actor, "budgets.export")
    report = rates_report(actor, year=year, as_of=as_of, group=group)
    now = timezone.localtime(timezone.now(), SHANGHAI)
    wb = Workbook(write_only=True)
    cover = [
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("年度"), str(year or _("全部"))),
        (_("统计截止日"), as_of.isoformat() if as_of else _("截至目前")),
        (_("口径"), group_label(report.group)),
        (
            _("说明"),
            _(
                "到位资金为已拨付给承担单位的财政资金（总账）；资金到位率=到位资金÷任务书财政资金；应拨到位率=到位资金÷截止日前计划应拨金额；预算执行率=财政资金实际支出÷到位资金。比率按四舍五入保留两位小数（%）。"
            ),
        ),
    ]
    xlsx.add_cover_sheet(wb, cover, count=len(report.rows))
    columns = [
        (_("项目/部门/领域"), 40),
        (_("项目数"), 8),
        (_("任务书财政资金（元）"), 18),
        (_("计划应拨（元）"), 18),
        (_("到位资金（元）"), 18),
        (_("财政资金支出（元）"), 18),
        (_("自筹资金支出（元）"), 18),
        (_("资金到位率（%）"), 14),
        (_("应拨到位率（%）"), 14),
        (_("预算执行率（%）"), 14),
    ]
    ws = xlsx.add_data_sheet(wb, _("到位率与执行率"), columns, freeze="A2")
    for r in [*report.rows, report.total]:
        ws.append(
            [
                xlsx.cell(ws, r.label),
                r.projects,
                xlsx.cell(ws, r.planned, number_format="#,##0.00"),
                xlsx.cell(ws, r.due, number_format="#,##0.00"),
                xlsx.cell(ws, r.arrived, number_format="#,##0.00"),
                xlsx.cell(ws, r.spent, number_format="#,##0.00"),
                xlsx.cell(ws, r.self_spent, number_format="#,##0.00"),
                xlsx.cell(ws, _pct(r.arrival_rate), number_format=PCT),
                xlsx.cell(ws, _pct(r.due_arrival_rate), number_format=PCT),
                xlsx.cell(ws, _pct(r.execution_rate), number_format=PCT),
            ]
        )
    content = xlsx.workbook_bytes(wb)
    with transaction.atomic():
        audit.record(
            "budgets.rates.exported",
            actor=actor,
            role=role,
            target=REGISTER,
            data={"rows": len(report.rows), "year": year, "as_of": as_of, "group": report.group},
        )
    return Export(content=content, rows=len(report.rows), filename=f"budget-rates-{now:%Y%m%d-%H%M%S}.xlsx")
