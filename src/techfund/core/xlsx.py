"""Building blocks of our Excel (xlsx) exports, written with openpyxl in write-only mode so that
100k rows stay small in memory.

Every text cell is written as text: a value that starts with ``=`` is never a formula, and control
characters that XML cannot carry are shown escaped (``\\x07``) instead of being dropped.
"""

import io
import json

from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E8C")


def safe_text(value) -> str:
    """``value`` as text a cell can hold: ``None`` is empty, other non-text is JSON, and control
    characters are escaped."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def cell(ws, value, *, font=None, fill=None, number_format=None):
    """A write-only cell of ``ws``; text is made safe and typed as text, so it is never a formula."""
    if isinstance(value, str):
        value = safe_text(value)
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        c.data_type = "s"  # never a formula
    if font is not None:
        c.font = font
    if fill is not None:
        c.fill = fill
    if number_format is not None:
        c.number_format = number_format
    return c


def add_data_sheet(wb, title, columns, *, freeze: str):
    """A sheet of ``wb`` with ``columns`` (``(header, width)`` pairs) as its header row."""
    ws = wb.create_sheet(title)
    for i, (_header, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = freeze
    ws.append([cell(ws, str(header), font=HEADER_FONT, fill=HEADER_FILL) for header, _w in columns])
    return ws


def add_cover_sheet(wb, cover: list[tuple[str, str]], *, count: int):
    """The "导出说明" sheet: the ``cover`` lines (label, value) and the number of records exported."""
    info = wb.create_sheet(_("导出说明"))
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 80
    wrap = Alignment(wrap_text=True, vertical="top")
    for label, value in [*cover, (_("记录条数"), str(count))]:
        a, b = cell(info, str(label), font=Font(bold=True)), cell(info, str(value))
        b.alignment = wrap
        info.append([a, b])
    return info


def workbook_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
