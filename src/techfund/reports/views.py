"""The periodic scheduling report pages (定期调度): a period form (the current quarter by default), the
report previewed in the page, buttons for the office to generate the Excel workbook or the PDF, and
the list of the reports generated so far with who generated them and when.

Only the fund's readers (office, leading group, finance, auditor) have these pages (404 for others);
generating is the office's (403 for the other readers).
"""

import datetime as dt
import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from techfund.core.errors import ServiceError
from techfund.core.permissions import can
from techfund.core.views.helpers import paginate, require_can
from techfund.reports import services
from techfund.reports.documents import render_context
from techfund.reports.enums import CONTENT_TYPES
from techfund.reports.forms import GenerateForm, PeriodForm
from techfund.reports.scopes import reads_reports, reportable_years, visible_runs


def _years(request):
    if not reads_reports(request.user):
        raise Http404
    years = list(reportable_years(request.user).select_related("profile").order_by("-year"))
    if not years:
        raise Http404
    return years


def _initial(request, years) -> dict:
    current = services.current_quarter(reportable_years(request.user))
    if current is None:  # only future fund years exist: propose the first quarter of the earliest
        start, end = services.quarter_of(dt.date(years[-1].year, 1, 1))
        return {"year": years[-1].year, "start": start, "end": end}
    fy, start, end = current
    return {"year": fy.year, "start": start, "end": end}


def _page(request, years, form, *, status=200):
    report = None
    if form.is_valid():
        fy = next(fy for fy in years if str(fy.year) == str(form.cleaned_data["year"]))
        try:
            report = services.build_report(
                fy, start=form.cleaned_data["start"], end=form.cleaned_data["end"], actor=request.user
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
    runs = paginate(
        request,
        visible_runs(request.user)
        .select_related("fund_year", "generated_by")
        .defer("content")
        .order_by("-generated_at", "-id"),
    )
    context = {
        "form": form,
        "report": report,
        "runs": runs,
        "may_generate": can(request.user, "reports.generate"),
        **(render_context(report) if report else {}),
    }
    return render(request, "reports/index.html", context, status=status)


@login_required
@require_GET
def index(request):
    years = _years(request)
    if "year" in request.GET:
        data = request.GET
    else:  # the default period (the current quarter of the latest year), previewed at once
        data = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in _initial(request, years).items()
        }
    return _page(request, years, PeriodForm(data, fund_years=years))


@login_required
@require_POST
def generate(request):
    years = _years(request)
    require_can(request.user, "reports.generate")
    form = GenerateForm(request.POST, fund_years=years)
    if form.is_valid():
        fy = next(fy for fy in years if str(fy.year) == str(form.cleaned_data["year"]))
        try:
            run = services.generate_run(
                fy,
                actor=request.user,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                fmt=form.cleaned_data["fmt"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            return _file(run, bytes(run.content))
    return _page(request, years, form)


@login_required
@require_GET
def download(request, pk: int):
    if not reads_reports(request.user):
        raise Http404
    run = get_object_or_404(visible_runs(request.user).defer("content"), pk=pk)
    return _file(run, services.download_run(run, actor=request.user))


def _file(run, content: bytes) -> FileResponse:
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=run.filename, content_type=CONTENT_TYPES[run.format]
    )
    response["X-Content-SHA256"] = run.sha256
    return response
