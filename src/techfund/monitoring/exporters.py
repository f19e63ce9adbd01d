"""The Excel (xlsx) export of the overdue list (cells and cover sheet from ``techfund.core.xlsx``)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes

RED = Font(color="B3261E", bold=True)
DATE_FORMAT = "yyyy-mm-dd"

REPORT_COLUMNS = (
    (gettext_lazy("项目编号"), 18),
    (gettext_lazy("项目名称"), 40),
    (gettext_lazy("承担单位"), 30),
    (gettext_lazy("主管部门"), 18),
    (gettext_lazy("报告期次"), 10),
    (gettext_lazy("报告期起"), 12),
    (gettext_lazy("报告期止"), 12),
    (gettext_lazy("报送截止日期"), 14),
    (gettext_lazy("逾期天数"), 10),
    (gettext_lazy("备注"), 30),
)

RECTIFICATION_COLUMNS = (
    (gettext_lazy("整改通知编号"), 22),
    (gettext_lazy("项目编号"), 18),
    (gettext_lazy("项目名称"), 40),
    (gettext_lazy("承担单位"), 30),
    (gettext_lazy("主管部门"), 18),
    (gettext_lazy("存在的问题"), 40),
    (gettext_lazy("整改期限"), 12),
    (gettext_lazy("逾期天数"), 10),
    (gettext_lazy("整改轮次"), 10),
)


def workbook(overdue, *, cover: list[tuple[str, str]]) -> tuple[bytes, int]:
    """An xlsx with the overdue reports and the overdue rectifications; returns (bytes, row count)."""
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("逾期未报进展报告"), REPORT_COLUMNS, freeze="C2")
    for o in overdue.reports:
        p, period = o.project, o.period
        note = _("已退回%(n)d次，尚未重报") % {"n": len(period.returned)} if period.returned else ""
        cells = [
            cell(ws, v)
            for v in (
                p.number,
                p.title,
                p.organisation.name,
                p.department.name,
                period.number,
                period.start,
                period.end,
                period.due,
                period.days_overdue,
                note,
            )
        ]
        for c in cells[5:8]:
            c.number_format = DATE_FORMAT
        cells[8].font = RED
        ws.append(cells)
    ws = add_data_sheet(wb, _("逾期未整改"), RECTIFICATION_COLUMNS, freeze="C2")
    for r in overdue.rectifications:
        p = r.project
        cells = [
            cell(ws, v)
            for v in (
                r.number,
                p.number,
                p.title,
                p.organisation.name,
                p.department.name,
                r.issue,
                r.deadline,
                (overdue.day - r.deadline).days,
                r.round,
            )
        ]
        cells[6].number_format = DATE_FORMAT
        cells[7].font = RED
        ws.append(cells)
    count = len(overdue.reports) + len(overdue.rectifications)
    add_cover_sheet(wb, cover, count=count)
    return workbook_bytes(wb), count
