"""The Excel (xlsx) export of the project list (cells and cover sheet from ``techfund.core.xlsx``).
一事一议 projects are flagged in their own column, as in every list and report."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.policy.enums import SupportMode

MONEY_FORMAT = "#,##0.00"

COLUMNS = (
    (gettext_lazy("项目编号"), 16),
    (gettext_lazy("项目名称"), 40),
    (gettext_lazy("一事一议"), 10),
    (gettext_lazy("年度"), 8),
    (gettext_lazy("预算年度"), 10),
    (gettext_lazy("重点领域"), 18),
    (gettext_lazy("主管部门"), 18),
    (gettext_lazy("承担单位"), 30),
    (gettext_lazy("支持方式"), 12),
    (gettext_lazy("状态"), 20),
    (gettext_lazy("预算已按法定程序批准"), 12),
    (gettext_lazy("任务书"), 20),
    (gettext_lazy("安排金额（元）"), 18),
    (gettext_lazy("已拨付（元）"), 18),
    (gettext_lazy("未拨付（元）"), 18),
    (gettext_lazy("起始日期"), 12),
    (gettext_lazy("完成日期"), 12),
)
MONEY_COLUMNS = (12, 13, 14)
DATE_COLUMNS = (15, 16)


def _mode(code) -> str:
    try:
        return str(SupportMode(code).label)
    except ValueError:
        return str(code or "")


def row(p) -> list:
    """One project of ``queries.with_balances`` as a row of ``COLUMNS``."""
    contract = getattr(p, "contract_or_none", None)
    return [
        p.number,
        p.title,
        _("是") if p.emergency else _("否"),
        p.fund_year.year,
        p.fiscal_year,
        p.focus_area.name,
        p.department.name,
        p.organisation.name,
        _mode(p.support_mode),
        p.get_state_display(),
        _("是") if p.statutory_approved else _("否"),
        contract.get_state_display() if contract is not None else _("未生成"),
        p.amount,
        p.balance["paid"],
        p.balance["unpaid"],
        p.start_date,
        p.end_date,
    ]


def workbook(projects, *, cover: list[tuple[str, str]]) -> tuple[bytes, int]:
    """An xlsx of ``projects`` (with balances) and a cover sheet; returns (bytes, row count)."""
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("项目清单"), COLUMNS, freeze="C2")
    count = 0
    for p in projects:
        cells = [cell(ws, v) for v in row(p)]
        for i in MONEY_COLUMNS:
            cells[i].number_format = MONEY_FORMAT
        for i in DATE_COLUMNS:
            cells[i].number_format = "yyyy-mm-dd"
        ws.append(cells)
        count += 1
    add_cover_sheet(wb, cover, count=count)
    return workbook_bytes(wb), count
