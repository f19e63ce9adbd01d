"""The Excel (xlsx) export of a library search, built with openpyxl in write-only mode.

Every text cell is written as text: a title that starts with ``=`` is never a formula, and control
characters that XML cannot carry are shown escaped (``\\x07``) instead of being dropped.
"""

import io
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from techfund.policy.enums import EstablishmentMode, SupportMode

SHANGHAI = ZoneInfo("Asia/Shanghai")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E8C")
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


def _text(value) -> str:
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def _cell(ws, value, *, font=None, fill=None, number_format=None):
    if isinstance(value, str):
        value = _text(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    return cell


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
    ws = wb.create_sheet(_("项目库"))
    for i, (_header, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "C2"
    ws.append([_cell(ws, str(header), font=_HEADER_FONT, fill=_HEADER_FILL) for header, _w in COLUMNS])
    count = 0
    for app in applications:
        cells = [_cell(ws, v) for v in row(app)]
        cells[8].number_format = cells[9].number_format = MONEY_FORMAT
        cells[11].number_format = "yyyy-mm-dd hh:mm:ss"
        ws.append(cells)
        count += 1

    info = wb.create_sheet(_("导出说明"))
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 80
    wrap = Alignment(wrap_text=True, vertical="top")
    for label, value in [*cover, (_("记录条数"), str(count))]:
        a, b = _cell(info, str(label), font=Font(bold=True)), _cell(info, str(value))
        b.alignment = wrap
        info.append([a, b])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), count
