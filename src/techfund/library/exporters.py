"""The Excel (xlsx) export of a library search (cells and cover sheet from ``techfund.core.xlsx``)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.core.exporters import SHANGHAI
from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.policy.enums import EstablishmentMode, SupportMode

MONEY_FORMAT = "#,##0.00"

COLUMNS = (
    (gettext_lazy("申报编号"), 18),
    (gettext_lazy("项目名称"), 40),
    (gettext_lazy("申报单位"), 30),
    (gettext_lazy("归口部门"), 16),
    (gettext_lazy("年度"), 8),
    (gettext_lazy("重点领域"), 18),
    (gettext_lazy("立项方式"), 12),
    (gettext_lazy("支持方式"), 12),
    (gettext_lazy("申请财政资金（元）"), 18),
    (gettext_lazy("审定金额（元）"), 18),
    (gettext_lazy("状态"), 20),
    (gettext_lazy("提交时间（北京时间）"), 20),
    (gettext_lazy("关键词"), 30),
)


def _label(enum, value) -> str:
    if not value:
        return ""
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value)


def row(app) -> list:
    """One application of ``search.search`` (with its figures) as a row of ``COLUMNS``."""
    submitted = (
        timezone.localtime(app.submitted_at, SHANGHAI).replace(tzinfo=None, microsecond=0)
        if app.submitted_at
        else None
    )
    return [
        app.number,
        app.title,
        app.organisation.name,
        app.department.name,
        app.call.fund_year.year,
        app.call.focus_area.name,
        _label(EstablishmentMode, app.call.establishment_mode),
        _label(SupportMode, app.effective_support_mode),
        app.requested_amount,
        app.decided_amount,
        app.get_state_display(),
        submitted,
        "、".join(str(k) for k in (app.keywords or [])),
    ]


def workbook(applications, *, cover: list[tuple[str, str]]) -> tuple[bytes, int]:
    """An xlsx of ``applications`` (an iterable) and a cover sheet; returns (bytes, row count)."""
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("项目库"), COLUMNS, freeze="C2")
    count = 0
    for app in applications:
        cells = [cell(ws, v) for v in row(app)]
        cells[8].number_format = cells[9].number_format = MONEY_FORMAT
        cells[11].number_format = "yyyy-mm-dd hh:mm:ss"
        ws.append(cells)
        count += 1
    add_cover_sheet(wb, cover, count=count)
    return workbook_bytes(wb), count
