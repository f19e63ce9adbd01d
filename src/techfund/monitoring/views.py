"""Web pages of project monitoring: the overview (overdue flagged in red, open rectifications and
escalations, Excel export), the unit's report form, the department's review, rectification and
escalation pages, and a project's monitoring page. Thin: each page reads through the scopes and acts
through the services.

Records outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the form (nothing saved) with status 200.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from techfund.core.errors import ServiceError
from techfund.core.permissions import can
from techfund.core.views.helpers import paginate, require_can
from techfund.monitoring import schedule, services
from techfund.monitoring.enums import EscalationState, RectificationState, ReportState
from techfund.monitoring.forms import (
    EscalationForm,
    HandleForm,
    RectificationForm,
    ReportForm,
    RespondForm,
    ReviewForm,
    VerifyForm,
)
from techfund.monitoring.scopes import (
    sees_escalations,
    sees_monitoring,
    visible_escalations,
    visible_rectifications,
    visible_reports,
)
from techfund.projects.scopes import visible_projects

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROJECT_RELATED = ("project__department", "project__organisation")


def _project(request, pk: int):
    return get_object_or_404(
        visible_projects(request.user).select_related(
            "contract", "fund_year__profile", "department", "organisation"
        ),
        pk=pk,
    )


def _report(request, pk: int):
    return get_object_or_404(
        visible_reports(request.user).select_related(*PROJECT_RELATED, "submitted_by", "reviewed_by"), pk=pk
    )


def _rectification(request, pk: int):
    return get_object_or_404(
        visible_rectifications(request.user).select_related(
            *PROJECT_RELATED,
            "project__fund_year__profile",
            "report",
            "issued_by",
            "responded_by",
            "verified_by",
        ),
        pk=pk,
    )


def _escalation(request, pk: int):
    return get_object_or_404(
        visible_escalations(request.user).select_related(
            *PROJECT_RELATED, "report", "rectification", "raised_by", "handled_by"
        ),
        pk=pk,
    )


def _sees_or_404(user) -> None:
    if not sees_monitoring(user):
        raise Http404


# ---------------------------------------------------------------- overview and export


@login_required
def overview(request):
    user = request.user
    _sees_or_404(user)
    day = schedule.current_date()
    late = schedule.overdue(user, today=day)
    open_rects = list(
        visible_rectifications(user)
        .exclude(state=RectificationState.CLOSED)
        .select_related(*PROJECT_RELATED)
        .order_by("deadline", "id")
    )
    for r in open_rects:
        r.is_overdue = r.overdue_on(day)
    escalations = (
        list(
            visible_escalations(user)
            .filter(state=EscalationState.OPEN)
            .select_related(*PROJECT_RELATED, "raised_by")
            .order_by("raised_at", "id")
        )
        if sees_escalations(user)
        else None
    )
    to_review = list(
        visible_reports(user)
        .filter(state=ReportState.SUBMITTED)
        .select_related(*PROJECT_RELATED)
        .order_by("submitted_at", "id")
    )
    orgs = user.organisation_ids()
    mine = [
        (project, [p for p in periods if p.submittable])
        for project, periods in schedule.schedules(user, today=day)
        if project.organisation_id in orgs
    ]
    return render(
        request,
        "monitoring/overview.html",
        {
            "day": day,
            "overdue": late,
            "open_rectifications": open_rects,
            "escalations": escalations,
            "to_review": to_review,
            "mine": mine,
            "may_export": can(user, "monitoring.export_overdue"),
            "show_escalations": escalations is not None,
        },
    )


@login_required
def overdue_export(request):
    _sees_or_404(request.user)
    require_can(request.user, "monitoring.export_overdue")
    result = services.export_overdue(actor=request.user, today=schedule.current_date())
    response = HttpResponse(result.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    response["X-Rows"] = str(result.rows)
    return response


@login_required
def project_monitoring(request, pk: int):
    project = _project(request, pk)
    return render(request, "monitoring/project.html", {"project": project})


# ---------------------------------------------------------------- progress reports


@login_required
def report_list(request):
    _sees_or_404(request.user)
    qs = visible_reports(request.user).select_related(*PROJECT_RELATED, "submitted_by")
    state = request.GET.get("state", "")
    if state in ReportState.values:
        qs = qs.filter(state=state)
    project = request.GET.get("project", "")
    if project.isdigit():
        qs = qs.filter(project_id=int(project))
    page = paginate(request, qs.order_by("-submitted_at", "-id"))
    return render(
        request,
        "monitoring/report_list.html",
        {
            "page": page,
            "reports": page.object_list,
            "states": ReportState.choices,
            "state": state,
            "show_escalations": sees_escalations(request.user),
        },
    )


@login_required
def report_detail(request, pk: int):
    report = _report(request, pk)
    user = request.user
    monitored = report.project.state in schedule.MONITORED_STATES
    return render(
        request,
        "monitoring/report_detail.html",
        {
            "report": report,
            "rectifications": list(report.rectifications.select_related("project").order_by("seq")),
            "may_review": report.state == ReportState.SUBMITTED
            and can(user, "monitoring.review_report", report),
            "may_rectify": monitored and can(user, "monitoring.issue_rectification", report.project),
            "may_escalate": monitored and can(user, "monitoring.escalate", report.project),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request, pk: int):
    project = _project(request, pk)
    require_can(request.user, "monitoring.submit_report", project)
    day = schedule.current_date()
    periods = [p for p in schedule.report_schedule(project, today=day) if p.submittable]
    requested = request.GET.get("period", "")
    default = requested if any(str(p.number) == requested for p in periods) else None
    if default is None and periods:
        default = str(periods[0].number)
    form = ReportForm(
        request.POST if request.method == "POST" else None, periods=periods, initial={"period": default}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = services.submit_progress_report(
                project,
                actor=request.user,
                period=d["period"],
                progress=d["progress"],
                milestones=d["milestones"],
                funds_spent=d["funds_spent"],
                problems=d["problems"],
                today=day,
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("第%(n)s期进展报告已报送，等待主管部门审核。") % {"n": report.period})
            return redirect("monitoring:report_detail", report.pk)
    return render(
        request,
        "monitoring/report_form.html",
        {
            "project": project,
            "form": form,
            "periods": periods,
            "paid": services.paid_to_date(project),
            "returned": [r for p in periods for r in p.returned],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_review(request, pk: int):
    report = _report(request, pk)
    require_can(request.user, "monitoring.review_report", report)
    if report.state != ReportState.SUBMITTED:
        messages.error(
            request,
            _("该进展报告当前状态为“%(state)s”，已审核过，不能再次审核。")
            % {"state": report.get_state_display()},
        )
        return redirect("monitoring:report_detail", report.pk)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.review_progress_report(
                report,
                actor=request.user,
                decision=d["decision"],
                opinion=d["opinion"],
                rectification=form.rectification(),
                today=schedule.current_date(),
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已审核第%(n)s期进展报告。") % {"n": report.period})
            return redirect("monitoring:report_detail", report.pk)
    return render(request, "monitoring/report_review.html", {"report": report, "form": form})


# ---------------------------------------------------------------- rectifications


@login_required
def rectification_list(request):
    _sees_or_404(request.user)
    qs = visible_rectifications(request.user).select_related(*PROJECT_RELATED)
    state = request.GET.get("state", "")
    if state in RectificationState.values:
        qs = qs.filter(state=state)
    page = paginate(request, qs.order_by("-issued_at", "-id"))
    day = schedule.current_date()
    for r in page.object_list:
        r.is_overdue = r.overdue_on(day)
    return render(
        request,
        "monitoring/rectification_list.html",
        {
            "page": page,
            "rectifications": page.object_list,
            "states": RectificationState.choices,
            "state": state,
            "show_escalations": sees_escalations(request.user),
        },
    )


@login_required
def rectification_detail(request, pk: int):
    rect = _rectification(request, pk)
    user = request.user
    return render(
        request,
        "monitoring/rectification_detail.html",
        {
            "rect": rect,
            "is_overdue": rect.overdue_on(schedule.current_date()),
            "may_respond": rect.state == RectificationState.ISSUED
            and can(user, "monitoring.respond_rectification", rect),
            "may_verify": rect.state == RectificationState.RESPONDED
            and can(user, "monitoring.verify_rectification", rect),
            "may_escalate": rect.project.state in schedule.MONITORED_STATES
            and can(user, "monitoring.escalate", rect.project),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rectification_new(request, pk: int):
    project = _project(request, pk)
    require_can(request.user, "monitoring.issue_rectification", project)
    report = None
    report_id = request.GET.get("report", "")
    if report_id.isdigit():
        report = get_object_or_404(visible_reports(request.user), pk=int(report_id), project=project)
    rules = schedule.policy(project)
    form = RectificationForm(
        request.POST if request.method == "POST" else None,
        default_days=rules["rectification_days"],
        max_days=rules["max_rectification_days"],
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rect = services.issue_rectification(
                project,
                actor=request.user,
                issue=d["issue"],
                requirement=d["requirement"],
                deadline=d["deadline"] or None,
                report=report,
                today=schedule.current_date(),
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已下达整改通知 %(number)s，整改期限 %(d)s。")
                % {"number": rect.number, "d": rect.deadline},
            )
            return redirect("monitoring:rectification_detail", rect.pk)
    return render(
        request, "monitoring/rectification_form.html", {"project": project, "report": report, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def rectification_respond(request, pk: int):
    rect = _rectification(request, pk)
    require_can(request.user, "monitoring.respond_rectification", rect)
    if rect.state != RectificationState.ISSUED:
        messages.error(
            request,
            _("该整改通知当前状态为“%(state)s”，不需要再报送整改情况。")
            % {"state": rect.get_state_display()},
        )
        return redirect("monitoring:rectification_detail", rect.pk)
    form = RespondForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.respond_rectification(
                rect,
                actor=request.user,
                response=form.cleaned_data["response"],
                today=schedule.current_date(),
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("整改情况已报送，等待主管部门核验。"))
            return redirect("monitoring:rectification_detail", rect.pk)
    return render(request, "monitoring/rectification_respond.html", {"rect": rect, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def rectification_verify(request, pk: int):
    rect = _rectification(request, pk)
    require_can(request.user, "monitoring.verify_rectification", rect)
    if rect.state != RectificationState.RESPONDED:
        messages.error(
            request,
            _("该整改通知当前状态为“%(state)s”，单位尚未报送整改情况或已销号，不能核验。")
            % {"state": rect.get_state_display()},
        )
        return redirect("monitoring:rectification_detail", rect.pk)
    form = VerifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.verify_rectification(
                rect,
                actor=request.user,
                decision=d["decision"],
                opinion=d["opinion"],
                deadline=d["deadline"] or None,
                today=schedule.current_date(),
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            rect.refresh_from_db()
            if rect.state == RectificationState.CLOSED:
                messages.success(request, _("整改已核验销号。"))
            else:
                messages.success(request, _("已退回重新整改，新的整改期限 %(d)s。") % {"d": rect.deadline})
            return redirect("monitoring:rectification_detail", rect.pk)
    return render(request, "monitoring/rectification_verify.html", {"rect": rect, "form": form})


# ---------------------------------------------------------------- escalations


@login_required
def escalation_list(request):
    if not sees_escalations(request.user):
        raise Http404
    qs = visible_escalations(request.user).select_related(*PROJECT_RELATED, "raised_by")
    state = request.GET.get("state", "")
    if state in EscalationState.values:
        qs = qs.filter(state=state)
    page = paginate(request, qs.order_by("-raised_at", "-id"))
    return render(
        request,
        "monitoring/escalation_list.html",
        {
            "page": page,
            "escalations": page.object_list,
            "states": EscalationState.choices,
            "state": state,
            "show_escalations": True,
        },
    )


@login_required
def escalation_detail(request, pk: int):
    esc = _escalation(request, pk)
    return render(
        request,
        "monitoring/escalation_detail.html",
        {
            "esc": esc,
            "may_handle": esc.state == EscalationState.OPEN
            and can(request.user, "monitoring.handle_escalation", esc),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def escalation_new(request, pk: int):
    project = _project(request, pk)
    require_can(request.user, "monitoring.escalate", project)
    report = rect = None
    if request.GET.get("report", "").isdigit():
        report = get_object_or_404(
            visible_reports(request.user), pk=int(request.GET["report"]), project=project
        )
    if request.GET.get("rectification", "").isdigit():
        rect = get_object_or_404(
            visible_rectifications(request.user), pk=int(request.GET["rectification"]), project=project
        )
    form = EscalationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            esc = services.escalate(
                project,
                actor=request.user,
                summary=d["summary"],
                suggested_action=d["suggested_action"],
                report=report,
                rectification=rect,
                today=schedule.current_date(),
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("重大问题已报告领导小组办公室。"))
            return redirect("monitoring:escalation_detail", esc.pk)
    return render(
        request,
        "monitoring/escalation_form.html",
        {"project": project, "report": report, "rect": rect, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def escalation_handle(request, pk: int):
    esc = _escalation(request, pk)
    require_can(request.user, "monitoring.handle_escalation", esc)
    if esc.state != EscalationState.OPEN:
        messages.error(
            request, _("该重大问题已于%(d)s处理，不能重复处理。") % {"d": esc.handled_on.isoformat()}
        )
        return redirect("monitoring:escalation_detail", esc.pk)
    form = HandleForm(
        request.POST if request.method == "POST" else None, initial={"action": esc.suggested_action}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.handle_escalation(
                esc,
                actor=request.user,
                decision=d["decision"],
                action=d["action"],
                today=schedule.current_date(),
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已记录办公室处理意见。"))
            return redirect("monitoring:escalation_detail", esc.pk)
    return render(request, "monitoring/escalation_handle.html", {"esc": esc, "form": form})
