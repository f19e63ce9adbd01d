"""The periodic report as documents: an Excel workbook with native charts (openpyxl) and a PDF with
the charts drawn as SVG (WeasyPrint, Noto CJK). Both render one ``ScheduleReport``."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from techfund.core.pdf import render_pdf
from techfund.core.xlsx import HEADER_FILL, HEADER_FONT, safe_text
from techfund.reports import charts

NUMBER_FORMATS = {
    "money": "#,##0.00",
    "int": "0",
    "pct": "0.0%",
    "score": "0.00",
    "date": "yyyy-mm-dd",
}
TITLE_FONT = Font(bold=True, size=14)
TABLE_TITLE_FONT = Font(bold=True, size=12, color="1F4E8C")
TOTAL_FONT = Font(bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="EEF1F6")
NOTE_FONT = Font(italic=True, color="555555")
INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_title(title: str, used: set[str]) -> str:
    base = str(title).translate(INVALID_SHEET_CHARS)[:31]
    name, n = base, 2
    while name in used:
        suffix = f"({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def _put(ws, row: int, col: int, value, kind: str = "text", *, font=None, fill=None):
    if isinstance(value, str) or kind == "text":
        value = safe_text(value) if value not in (None, "") else None
    c = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        c.data_type = "s"  # never a formula
    elif kind in NUMBER_FORMATS and value is not None:
        c.number_format = NUMBER_FORMATS[kind]
    if font is not None:
        c.font = font
    if fill is not None:
        c.fill = fill
    return c


class _Writer:
    """Writes tables one under another and remembers where each one's data went (for the charts)."""

    def __init__(self, wb):
        self.wb = wb
        self.used: set[str] = set()
        self.where: dict[tuple[str, str], tuple] = {}

    def sheet(self, title):
        ws = self.wb.create_sheet(_sheet_title(title, self.used))
        ws.sheet_view.showGridLines = True
        return ws

    def table(self, ws, section_key, table, row: int) -> int:
        _put(ws, row, 1, str(table.title), font=TABLE_TITLE_FONT)
        row += 1
        header = row
        for i, c in enumerate(table.columns, start=1):
            _put(ws, row, i, str(c.label), font=HEADER_FONT, fill=HEADER_FILL)
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, c.width)
        for r in table.rows:
            row += 1
            for i, c in enumerate(table.columns, start=1):
                _put(ws, row, i, r.get(c.key), c.kind)
        last = row
        if table.total is not None:
            row += 1
            for i, c in enumerate(table.columns, start=1):
                _put(ws, row, i, table.total.get(c.key), c.kind, font=TOTAL_FONT, fill=TOTAL_FILL)
        if table.note:
            row += 1
            _put(ws, row, 1, str(table.note), font=NOTE_FONT)
        self.where[(section_key, table.key)] = (
            ws,
            header,
            last,
            {c.key: i for i, c in enumerate(table.columns, 1)},
        )
        return row + 2


def _chart(writer: _Writer, section, chart):
    ws, header, last, cols = writer.where[(section.key, chart.table)]
    if last <= header:  # no rows: nothing to draw
        return None
    if chart.kind == "pie":
        ch = PieChart()
        ch.dataLabels = DataLabelList()
        ch.dataLabels.showPercent = True
    else:
        ch = BarChart()
        ch.type = "col"
        ch.y_axis.majorGridlines = None
        ch.y_axis.delete = False
        ch.x_axis.delete = False
    ch.title = str(chart.title)
    ch.height, ch.width = 7.5, 15
    for key in chart.series:
        ch.add_data(Reference(ws, min_col=cols[key], min_row=header, max_row=last), titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=cols[chart.category], min_row=header + 1, max_row=last))
    return ch


def workbook(report) -> bytes:
    wb = Workbook()
    w = _Writer(wb)
    summary = wb.active
    summary.title = _sheet_title(_("概况"), w.used)
    _put(summary, 1, 1, report.title, font=TITLE_FONT)
    meta = [
        (_("报告期"), report.period_label),
        (_("逾期事项计算日"), report.as_of.isoformat()),
        (_("生成时间"), timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")),
        (_("生成人"), str(report.generated_by or "")),
        (_("账实核对"), _("全部一致") if report.reconciled else _("存在不一致，请核查")),
    ]
    for i, (label, value) in enumerate(meta, start=2):
        _put(summary, i, 1, str(label), font=Font(bold=True))
        _put(summary, i, 2, str(value))
    overview = report.section("overview")
    row = len(meta) + 3
    for t in overview.tables:
        row = w.table(summary, overview.key, t, row)
    summary.freeze_panes = "A2"
    for section in report.sections[1:]:
        ws = None
        first_header = None
        r = 1
        for t in section.tables:
            if t.own_sheet:
                own = w.sheet(t.title)
                w.table(own, section.key, t, 1)
                own.freeze_panes = "A3"
                own.auto_filter.ref = f"A2:{get_column_letter(len(t.columns))}{max(2, 2 + len(t.rows))}"
                continue
            if ws is None:
                ws = w.sheet(section.title)
                if section.note:
                    _put(ws, 1, 1, str(section.note), font=NOTE_FONT)
                    r = 3
            if first_header is None:
                first_header = r + 2
            r = w.table(ws, section.key, t, r)
        if ws is not None and first_header is not None:
            ws.freeze_panes = f"A{first_header}"
    # the charts, on the summary sheet beside the figures, reading the section sheets' cells
    anchor_row = 2
    for section in report.sections:
        for chart in section.charts:
            ch = _chart(w, section, chart)
            if ch is not None:
                summary.add_chart(ch, f"J{anchor_row}")
                anchor_row += 16
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


#: The long lists (every project, every payment, every flagged item…) show this many rows in the PDF
#: and the web preview; the workbook has them all. Keeps the PDF a briefing of a few pages, rendered
#: in seconds whatever the size of the year.
LIST_ROWS = 40


def render_context(report, *, list_rows: int = LIST_ROWS) -> dict:
    """What the PDF and the web preview render: the sections with their charts drawn as SVG, and the
    long lists cut at ``list_rows`` with the number of rows left to the workbook."""

    def table(t):
        rows = t.display()
        cut = t.own_sheet and len(rows) > list_rows
        return {
            "t": t,
            "rows": rows[:list_rows] if cut else rows,
            "more": len(rows) - list_rows if cut else 0,
        }

    return {
        "report": report,
        "sections": [
            {
                "section": s,
                "charts": [charts.render(s, c) for c in s.charts],
                "tables": [table(t) for t in s.tables],
            }
            for s in report.sections
        ],
    }


def pdf(report) -> bytes:
    return render_pdf("reports/report_pdf.html", render_context(report))
