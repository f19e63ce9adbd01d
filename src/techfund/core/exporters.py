"""Excel (xlsx) exports built with openpyxl in write-only mode, so 100k rows stay small in memory.

Every text cell is written as text: a value that starts with ``=`` is never a formula, and control
characters that XML cannot carry are shown escaped (``\\x07``) instead of being dropped.
"""

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from techfund.core import audit_actions
from techfund.core.enums import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E8C")


def _text(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


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


def role_label(code: str) -> str:
    if not code:
        return ""
    if code == "system":
        return _("系统")
    try:
        return str(Role(code).label)
    except ValueError:
        return code


AUDIT_COLUMNS = (
    (_("序号"), 8),
    (_("时间（北京时间）"), 20),
    (_("时间戳（UTC，用于复核摘要）"), 30),
    (_("操作人账号"), 16),
    (_("操作人姓名"), 12),
    (_("操作身份"), 14),
    (_("操作"), 16),
    (_("操作代码"), 24),
    (_("对象类型"), 20),
    (_("对象编号"), 10),
    (_("对象"), 24),
    (_("理由"), 30),
    (_("变更前"), 30),
    (_("变更后"), 30),
    (_("参数"), 30),
    (_("请求编号"), 18),
    (_("摘要算法"), 10),
    (_("上一条摘要"), 66),
    (_("本条摘要"), 66),
)


def audit_row(ev) -> list:
    local = timezone.localtime(ev.at, SHANGHAI).replace(tzinfo=None, microsecond=0)
    return [
        ev.seq,
        local,
        ev.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        ev.actor_name,
        (ev.actor.display_name if ev.actor_id and ev.actor else "") or "",
        role_label(ev.role),
        audit_actions.label(ev.action),
        ev.action,
        ev.target_type,
        ev.target_id,
        ev.target_repr,
        ev.reason,
        _text(ev.before),
        _text(ev.after),
        _text(ev.data),
        ev.request_id,
        ev.algorithm,
        ev.prev_hash,
        ev.hash,
    ]


def audit_workbook(events, *, cover: list[tuple[str, str]]) -> tuple[bytes, int]:
    """An xlsx of ``events`` (an iterable, oldest first) and a cover sheet; returns (bytes, row count)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("留痕记录"))
    for i, (_label, width) in enumerate(AUDIT_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B2"
    ws.append([_cell(ws, str(label), font=_HEADER_FONT, fill=_HEADER_FILL) for label, _w in AUDIT_COLUMNS])
    count = 0
    for ev in events:
        row = audit_row(ev)
        for i, value in enumerate(row):
            if isinstance(value, str):
                value = _text(value)
                # Only text that a spreadsheet would run as a formula needs a cell of its own.
                row[i] = _cell(ws, value) if value[:1] == "=" else value
        ws.append(row)
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
