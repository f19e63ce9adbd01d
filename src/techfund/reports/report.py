"""The shape of the periodic scheduling report (定期调度报告): sections of tables and the charts drawn
from them, plus the reconciliation checks. The Excel workbook, the PDF and the web preview all render
this one structure, so they always show the same figures.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: text | money | int | pct | date | score
    kind: str = "text"
    #: Excel column width (characters).
    width: int = 14

    @property
    def numeric(self) -> bool:
        return self.kind in ("money", "int", "pct", "score")


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    total: dict | None = None
    note: str = ""
    #: Long lists (every project, every payment) get a sheet of their own in the workbook.
    own_sheet: bool = False

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def values(self, key: str) -> list:
        return [r.get(key) for r in self.rows]

    def row(self, **match) -> dict:
        """The one row whose values match (a test and template helper)."""
        found = [r for r in self.rows if all(r.get(k) == v for k, v in match.items())]
        if len(found) != 1:
            raise LookupError(f"{len(found)} rows of {self.key} match {match}")
        return found[0]

    def display(self) -> list[list[tuple[str, bool]]]:
        """Each row's cells as ``(text, numeric)``, for the HTML and PDF renderings."""
        return [[(fmt_cell(r.get(c.key), c.kind), c.numeric) for c in self.columns] for r in self.rows]

    def display_total(self) -> list[tuple[str, bool]] | None:
        if self.total is None:
            return None
        return [(fmt_cell(self.total.get(c.key), c.kind, blank=""), c.numeric) for c in self.columns]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    #: bar | pie
    kind: str
    table: str
    category: str
    series: tuple[str, ...]


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table]
    charts: list[Chart] = field(default_factory=list)
    note: str = ""

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def chart_data(self, chart: Chart) -> tuple[list[str], list[tuple[str, list]]]:
        """``(categories, [(series label, values), …])`` of a chart, read from its table."""
        table = self.table(chart.table)
        categories = [str(r.get(chart.category) or "—") for r in table.rows]
        series = [(table.column(k).label, [r.get(k) or 0 for r in table.rows]) for k in chart.series]
        return categories, series


@dataclass(frozen=True)
class Check:
    """One reconciliation: two figures that must be equal, each from an independent source."""

    label: str
    left_label: str
    left: Decimal
    right_label: str
    right: Decimal

    @property
    def difference(self) -> Decimal:
        return self.left - self.right

    @property
    def ok(self) -> bool:
        return self.difference == 0


@dataclass
class ScheduleReport:
    fund_year: object
    start: dt.date
    end: dt.date
    #: The day overdue items are counted on: the period's end, or today if the period is still running.
    as_of: dt.date
    generated_at: dt.datetime
    generated_by: object
    #: Key figures by code (also shown in the overview section).
    figures: dict
    sections: list[Section]
    checks: list[Check]

    @property
    def title(self) -> str:
        return _("%(name)s定期调度报告") % {"name": self.fund_year.name}

    @property
    def period_label(self) -> str:
        return _("%(start)s 至 %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @property
    def reconciled(self) -> bool:
        return all(c.ok for c in self.checks)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def as_dict(self) -> dict:
        """Plain data (for the API): sections → tables → rows, amounts as strings."""

        def plain(v):
            if isinstance(v, Decimal):
                return format(v, "f")
            if isinstance(v, dt.date):
                return v.isoformat()
            return v

        return {
            "year": self.fund_year.year,
            "title": self.title,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "figures": {k: plain(v) for k, v in self.figures.items()},
            "reconciled": self.reconciled,
            "checks": [
                {
                    "label": c.label,
                    "left_label": c.left_label,
                    "left": plain(c.left),
                    "right_label": c.right_label,
                    "right": plain(c.right),
                    "ok": c.ok,
                }
                for c in self.checks
            ],
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "tables": [
                        {
                            "key": t.key,
                            "title": t.title,
                            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in t.columns],
                            "rows": [{k: plain(v) for k, v in r.items()} for r in t.rows],
                            "total": {k: plain(v) for k, v in t.total.items()} if t.total else None,
                        }
                        for t in s.tables
                    ],
                }
                for s in self.sections
            ],
        }


def fmt_cell(value, kind: str, *, blank: str = "—") -> str:
    if value is None or value == "":
        return blank
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "pct":
        return f"{Decimal(value) * 100:.1f}%"
    if kind == "score":
        return f"{Decimal(value):.2f}"
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def ratio(part, whole) -> Decimal | None:
    """part ÷ whole to four places, or ``None`` when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))
