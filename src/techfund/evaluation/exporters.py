"""The Excel (xlsx) exports of the grades: per project, and per department and focus area (cells and
cover sheet from ``techfund.core.xlsx``)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.evaluation.enums import Grade

MONEY_FORMAT = "#,##0.00"
SCORE_FORMAT = "0.00"

GRADE_COLUMNS = (
    (gettext_lazy("年度"), 8),
    (gettext_lazy("项目编号"), 16),
    (gettext_lazy("项目名称"), 40),
    (gettext_lazy("承担单位"), 30),
    (gettext_lazy("主管部门"), 20),
    (gettext_lazy("重点领域"), 20),
    (gettext_lazy("一事一议"), 10),
    (gettext_lazy("安排金额（元）"), 18),
    (gettext_lazy("单位自评得分"), 12),
    (gettext_lazy("决策"), 8),
    (gettext_lazy("过程"), 8),
    (gettext_lazy("产出"), 8),
    (gettext_lazy("效益"), 8),
    (gettext_lazy("综合得分"), 10),
    (gettext_lazy("评价等级"), 10),
    (gettext_lazy("政策配置版本"), 12),
    (gettext_lazy("确认日期"), 12),
)


def grade_workbook(rows, *, cover: list[tuple[str, str]]) -> tuple[bytes, int]:
    """An xlsx of confirmed comprehensive evaluations (``grade_rows``) and a cover sheet."""
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("项目评价结果"), GRADE_COLUMNS, freeze="D2")
    count = 0
    for ce in rows:
        p = ce.project
        values = [
            p.fund_year.year,
            p.number,
            p.title,
            p.organisation.name,
            p.department.name,
            p.focus_area.name,
            _("是") if p.emergency else _("否"),
            p.amount,
            ce.self_evaluation.total,
            ce.decision_score,
            ce.process_score,
            ce.output_score,
            ce.outcome_score,
            ce.total,
            str(Grade(ce.grade).label),
            ce.profile_version,
            ce.confirmed_on,
        ]
        cells = [cell(ws, v) for v in values]
        cells[7].number_format = MONEY_FORMAT
        for c in cells[8:14]:
            c.number_format = SCORE_FORMAT
        cells[16].number_format = "yyyy-mm-dd"
        ws.append(cells)
        count += 1
    add_cover_sheet(wb, cover, count=count)
    return workbook_bytes(wb), count


def _summary_sheet(wb, title: str, head: str, summary: dict) -> None:
    columns = (
        (head, 24),
        (gettext_lazy("评价项目数"), 12),
        *((label, 8) for _code, label in Grade.choices),
        (gettext_lazy("平均综合得分"), 14),
        (gettext_lazy("评价项目安排金额（元）"), 22),
    )
    ws = add_data_sheet(wb, title, columns, freeze="B2")
    for r in [*summary["rows"], {**summary["total"], "name": _("合计")}]:
        values = [r["name"], r["n"], *(r["grades"][code] for code in Grade.values), r["average"], r["amount"]]
        cells = [cell(ws, v) for v in values]
        cells[-2].number_format = SCORE_FORMAT
        cells[-1].number_format = MONEY_FORMAT
        ws.append(cells)


def summary_workbook(by_department: dict, by_area: dict, *, cover: list[tuple[str, str]]) -> bytes:
    """An xlsx with the grade counts, averages and amounts by department and by focus area."""
    wb = Workbook(write_only=True)
    _summary_sheet(wb, _("按主管部门"), _("主管部门"), by_department)
    _summary_sheet(wb, _("按重点领域"), _("重点领域"), by_area)
    add_cover_sheet(wb, cover, count=by_department["total"]["n"])
    return workbook_bytes(wb)
