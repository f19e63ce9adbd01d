"""定期调度: the services of the periodic scheduling report.

- ``build_report`` reads: the report of one fund year for one period, derived from the database and
  the ledger (see ``sections``); anyone who may read the fund's reports may build it.
- ``generate_report`` / ``generate_run`` (the office): the report as an Excel workbook or a PDF; the
  file is kept as a ``ReportRun`` with its SHA-256, and an audit event records who generated what for
  which period (全程留痕).
- ``download_run``: a kept report as it was given out, its reading recorded on the trail.

Rendering a document takes a moment (a PDF of a busy year: seconds), so it runs before the short
transaction that records the run, never inside it.
"""

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.calls import validation as v
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.reports import documents, sections
from techfund.reports.enums import ReportFormat
from techfund.reports.models import ReportRun
from techfund.reports.report import ScheduleReport
from techfund.reports.scopes import reportable_years, visible_runs

#: A fund year's projects run for several years after it (contracts of up to three years, signed the
#: year after at the latest, plus an extension): a report period may reach this many years beyond it.
YEARS_AFTER = 5


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter (季度) ``day`` falls in: its first and last days."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    next_start = dt.date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def current_quarter(years) -> tuple[object, dt.date, dt.date] | None:
    """The default report: this quarter, for the latest fund year that has begun by the quarter's
    start (next year's fund, opened in the autumn to prepare its budget, is not reported on yet).
    ``years`` is a queryset of the fund years the person may report on."""
    start, end = quarter_of(today_or(None))
    fy = years.filter(year__lte=start.year).order_by("-year").first()
    if fy is None:
        return None
    return fy, start, end


def clean_period(fund_year, start, end, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The report period, checked: both dates given and valid, start ≤ end, start not after today,
    the period within the fund year's life (from 1 January of its year to ``YEARS_AFTER`` years on)."""
    c = v.Collector()
    start = c.take(v.day, start, field="start", label=_("起始日期"), required=True)
    end = c.take(v.day, end, field="end", label=_("截止日期"), required=True)
    earliest = dt.date(fund_year.year, 1, 1)
    latest = dt.date(fund_year.year + YEARS_AFTER, 12, 31)
    day = today_or(today)
    if start is not None:
        if start < earliest:
            c.add(
                "start",
                _("起始日期不能早于%(d)s（%(year)s年度资金的起始）。")
                % {"d": earliest.isoformat(), "year": fund_year.year},
            )
        elif start > day:
            c.add("start", _("起始日期不能晚于今天（%(d)s）：报告期尚未开始。") % {"d": day.isoformat()})
    if end is not None and end > latest:
        c.add(
            "end",
            _("截止日期不能晚于%(d)s（%(year)s年度资金项目的最长执行期）。")
            % {"d": latest.isoformat(), "year": fund_year.year},
        )
    if start is not None and end is not None and end < start:
        c.add(
            "end",
            _("截止日期 %(end)s 早于起始日期 %(start)s。")
            % {"end": end.isoformat(), "start": start.isoformat()},
        )
    c.raise_if_any(
        "period_invalid", _("报告期有%(n)s处需要修改。") % {"n": sum(len(m) for m in c.errors.values())}
    )
    return start, end


def build_report(fund_year, *, start, end, actor, today: dt.date | None = None) -> ScheduleReport:
    """The periodic scheduling report of ``fund_year`` for the period ``start``–``end``."""
    require(actor, "reports.view", fund_year, visible=reportable_years(actor))
    start, end = clean_period(fund_year, start, end, today=today)
    as_of = min(end, today_or(today))
    return sections.build(fund_year, start=start, end=end, as_of=as_of, actor=actor)


def filename(report: ScheduleReport, fmt: str) -> str:
    return _("%(year)s年度定期调度报告_%(s)s-%(e)s.%(ext)s") % {
        "year": report.fund_year.year,
        "s": report.start.strftime("%Y%m%d"),
        "e": report.end.strftime("%Y%m%d"),
        "ext": fmt,
    }


def _format(value) -> str:
    fmt = str(value or "").strip().lower()
    if fmt not in ReportFormat.values:
        msg = _("报告格式“%(v)s”无效（可选：xlsx 工作簿、pdf 文档）。") % {"v": value}
        raise ServiceError(msg, code="format_invalid", errors={"fmt": [msg]})
    return fmt


def generate_run(
    fund_year, *, actor, start, end, fmt: str = ReportFormat.XLSX, today: dt.date | None = None
) -> ReportRun:
    """Generate the report file (the office), keep it and record who generated it."""
    role = require(actor, "reports.generate", fund_year, visible=reportable_years(actor))
    fmt = _format(fmt)
    report = build_report(fund_year, start=start, end=end, actor=actor, today=today)
    content = documents.workbook(report) if fmt == ReportFormat.XLSX else documents.pdf(report)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        run = ReportRun.objects.create(
            fund_year=fund_year,
            start=report.start,
            end=report.end,
            format=fmt,
            filename=filename(report, fmt),
            size=len(content),
            sha256=digest,
            content=content,
            generated_by=actor,
        )
        audit.record(
            "reports.run.generated",
            actor=actor,
            role=role,
            target=run,
            after={
                "year": fund_year.year,
                "start": report.start,
                "end": report.end,
                "format": fmt,
                "sha256": digest,
                "size": len(content),
            },
            data={
                "as_of": report.as_of,
                "reconciled": report.reconciled,
                "figures": {
                    k: report.figures[k]
                    for k in ("sources", "allocation", "arranged", "paid_in_period", "paid_to_end", "flagged")
                },
            },
        )
    return run


def generate_report(
    fund_year, *, actor, start, end, fmt: str = ReportFormat.XLSX, today: dt.date | None = None
) -> bytes:
    """``generate_run`` returning the file's bytes."""
    return bytes(generate_run(fund_year, actor=actor, start=start, end=end, fmt=fmt, today=today).content)


@transaction.atomic
def download_run(run, *, actor) -> bytes:
    """A kept report's file as it was generated; the download is recorded on the trail."""
    run = ReportRun.objects.select_related("fund_year").get(pk=run.pk)
    role = require(actor, "reports.view", run, visible=visible_runs(actor))
    content = bytes(run.content)
    if hashlib.sha256(content).hexdigest() != run.sha256:  # pragma: no cover - storage corruption
        raise ServiceError(
            _("报告文件与登记的校验值不符，已拒绝下载，请联系审计管理员。"), code="digest_mismatch"
        )
    audit.record(
        "reports.run.downloaded",
        actor=actor,
        role=role,
        target=run,
        data={"sha256": run.sha256, "format": run.format},
    )
    return content
