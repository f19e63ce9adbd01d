"""Web pages of expert review. Thin: each page reads through the scopes and acts through the services.

Objects outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the form (nothing saved) with status 200.

The office runs the rounds (/review/rounds/…); an expert works in "my review tasks" (/review/tasks/…)
and sees only their own assignments and the applications given to them.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.core.permissions import can
from techfund.core.services.audit import trail_for
from techfund.core.views.helpers import paginate, require_can, run_service
from techfund.funds.models import FundYear
from techfund.review import services
from techfund.review.enums import AssignmentState, ExpertStatus, ReviewMethod, RoundState
from techfund.review.forms import ReasonForm, RoundForm, ScoreForm
from techfund.review.models import Assignment, Expert, ReviewRound, Score
from techfund.review.scopes import (
    HOLDING,
    PENDING,
    expert_id_of,
    my_assignments,
    reads_everything,
    review_applications,
    review_calls,
    visible_assignments,
    visible_experts,
    visible_results,
    visible_rounds,
)
from techfund.review.services import aggregate, calibration
from techfund.review.services.assignments import conflict
from techfund.review.transitions import ASSIGNABLE
from techfund.review.views_pool import PoolExpertForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_reader(user) -> None:
    if not reads_everything(user):
        raise Http404


def _round(request, pk: int) -> ReviewRound:
    _require_reader(request.user)
    return get_object_or_404(
        visible_rounds(request.user).select_related("call__focus_area", "call__fund_year", "previous"), pk=pk
    )


def with_counts(qs):
    return qs.annotate(
        held=Count("assignments", filter=Q(assignments__state__in=HOLDING), distinct=True),
        scored=Count("assignments", filter=Q(assignments__state=AssignmentState.SUBMITTED), distinct=True),
        applications=Count(
            "assignments__application", filter=Q(assignments__state__in=HOLDING), distinct=True
        ),
    )


# ---------------------------------------------------------------- experts (office; readers read)


@login_required
def expert_list(request):
    require_can(request.user, "review.view_experts")
    q = (request.GET.get("q") or "").strip()
    status = request.GET.get("status", "")
    qs = visible_experts(request.user).select_related("user", "organisation").order_by("name", "id")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(organisation_name__icontains=q) | Q(keywords__icontains=q))
    if status in ExpertStatus.values:
        qs = qs.filter(status=status)
    account = request.GET.get("account", "")
    if account == "none":
        qs = qs.filter(user__isnull=True)
    return render(
        request,
        "review/expert_list.html",
        {
            "page": paginate(request, qs),
            "q": q,
            "status": status,
            "statuses": ExpertStatus.choices,
            "account": account,
            "without_account": visible_experts(request.user).filter(user__isnull=True).count(),
            "can_manage": can(request.user, "review.manage_experts"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_new(request):
    require_can(request.user, "review.manage_experts")
    form = PoolExpertForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ex = services.register_expert(
                actor=request.user, user=form.cleaned_data["user"], **form.data_for_service()
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("专家%(name)s已入库。") % {"name": ex.name})
            return redirect("review:expert_list")
    return render(request, "review/expert_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def expert_edit(request, pk: int):
    ex = get_object_or_404(visible_experts(request.user), pk=pk)
    require_can(request.user, "review.manage_experts", ex)
    form = PoolExpertForm(request.POST if request.method == "POST" else None, expert=ex)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_expert(
                ex,
                actor=request.user,
                status=d["status"] or ex.status,
                status_until=d["status_until"],
                status_reason=d["status_reason"],
                **form.data_for_service(),
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("专家信息已保存。"))
            return redirect("review:expert_detail", ex.pk)
    return render(
        request,
        "review/expert_form.html",
        {"form": form, "expert": ex, "trail": list(trail_for(ex).order_by("seq"))},
    )


# ---------------------------------------------------------------- rounds (office; readers read)


@login_required
def round_list(request):
    _require_reader(request.user)
    rounds = list(
        with_counts(visible_rounds(request.user))
        .select_related("call__focus_area", "call__fund_year")
        .order_by("-call__fund_year__year", "call__code", "sequence")
    )
    waiting = (
        review_calls(request.user)
        .annotate(
            waiting=Count(
                "applications",
                filter=Q(applications__state=ApplicationState.FORMAL_PASSED)
                & Q(applications__assignments__isnull=True),
            )
        )
        .filter(waiting__gt=0)
        .select_related("focus_area")
        .order_by("code")
    )
    return render(
        request,
        "review/round_list.html",
        {
            "rounds": rounds,
            "waiting_calls": list(waiting),
            "can_manage": can(request.user, "review.manage_rounds"),
        },
    )


@login_required
def call_rounds(request, call_pk: int):
    _require_reader(request.user)
    call = get_object_or_404(review_calls(request.user).select_related("focus_area", "fund_year"), pk=call_pk)
    rounds = list(with_counts(call.review_rounds.all()).select_related("previous").order_by("sequence"))
    states = dict(
        call.applications.filter(state__in=(*ASSIGNABLE, ApplicationState.REVIEWED))
        .values_list("state")
        .annotate(n=Count("id"))
    )
    return render(
        request,
        "review/call_rounds.html",
        {
            "call": call,
            "rounds": rounds,
            "states": {
                "formal_passed": states.get(ApplicationState.FORMAL_PASSED, 0),
                "in_review": states.get(ApplicationState.IN_REVIEW, 0),
                "reviewed": states.get(ApplicationState.REVIEWED, 0),
            },
            "can_manage": can(request.user, "review.manage_rounds", call),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request, call_pk: int):
    _require_reader(request.user)
    call = get_object_or_404(review_calls(request.user).select_related("focus_area", "fund_year"), pk=call_pk)
    require_can(request.user, "review.manage_rounds", call)
    closed = call.review_rounds.filter(state=RoundState.CLOSED).order_by("sequence")
    form = RoundForm(request.POST if request.method == "POST" else None, previous_rounds=closed)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            r = services.create_round(
                call,
                actor=request.user,
                name=d["name"],
                method=d["method"],
                criteria=form.criteria(),
                previous=d["previous"] or None,
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已新建评审轮次“%(name)s”，请分配评审专家。") % {"name": r.name})
            return redirect("review:round_assign", r.pk)
    return render(request, "review/round_form.html", {"form": form, "call": call})


def calibrate_assignments(assignments) -> None:
    """Give each submitted assignment ``calibrated`` (``calibration.Calibrated``, or None when the
    policy does not calibrate): per round, as of the round's close (now while it is open)."""
    rounds = {a.round_id: a.round for a in assignments if a.state == AssignmentState.SUBMITTED}
    by_round = {pk: calibration.for_round(r) for pk, r in rounds.items()}
    for a in assignments:
        cal = by_round.get(a.round_id)
        a.calibrated = cal.get(a.pk) if cal is not None else None


@login_required
def round_detail(request, pk: int):
    r = _round(request, pk)
    user = request.user
    if request.GET.get("export") == "xlsx":
        return _round_results_export(request, r)
    applications = _round_applications(r)
    results = []
    if r.state == RoundState.CLOSED:
        results = aggregate.with_raw_means(r, services.results(r, user=user))
    calibrate_assignments([a for app in applications for a in app.round_assignments])
    held = sum(1 for app in applications for a in app.round_assignments if a.state in HOLDING)
    return render(
        request,
        "review/round_detail.html",
        {
            "round": r,
            "call": r.call,
            "criteria": list(r.criteria.all()),
            "applications": applications,
            "results": results,
            "disputed": sum(1 for x in results if x.disagreement),
            "held": held,
            "unscored": sum(1 for app in applications for a in app.round_assignments if a.state in PENDING),
            "trail": list(trail_for(r).order_by("seq")),
            "can_manage": can(user, "review.manage_rounds", r),
            "can_assign": r.state != RoundState.CLOSED and can(user, "review.assign", r),
            "can_export": r.state == RoundState.CLOSED and can(user, "review.export_results", r),
            "can_read_all": can(user, "review.view_conflicts"),
        },
    )


def _round_results_export(request, r: ReviewRound) -> HttpResponse:
    """导出评审结果 (xlsx) of a closed round; a refusal is shown on the round's page."""
    require_can(request.user, "review.export_results", r)
    try:
        result = aggregate.export_results(r, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("review:round_detail", r.pk)
    response = HttpResponse(result.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    response["X-Rows"] = str(result.rows)
    return response


def _round_applications(r: ReviewRound) -> list[Application]:
    """The round's applications (by number), each with its assignments in this round."""
    assignments = (
        Assignment.objects.filter(round=r)
        .select_related("expert", "round__call__fund_year__profile")
        .order_by("expert__name", "id")
    )
    return list(
        Application.objects.filter(pk__in=r.assignments.values("application_id"))
        .select_related("organisation")
        .prefetch_related(Prefetch("assignments", queryset=assignments, to_attr="round_assignments"))
        .order_by("number")
    )


def _assignable_applications(r: ReviewRound):
    qs = Application.objects.filter(call=r.call)
    eligible = Q(state__in=ASSIGNABLE)
    if r.previous_id:
        eligible |= Q(state=ApplicationState.REVIEWED, round_results__round_id=r.previous_id)
    return qs.filter(eligible | Q(pk__in=r.assignments.values("application_id"))).distinct()


@login_required
@require_http_methods(["GET", "POST"])
def round_assign(request, pk: int):
    """The assignment table: each application of the call with its experts and a picker."""
    r = _round(request, pk)
    require_can(request.user, "review.assign", r)
    row_errors: dict[int, str] = {}
    if request.method == "POST":
        app = get_object_or_404(
            Application.objects.filter(call=r.call), pk=request.POST.get("application") or 0
        )
        expert = Expert.objects.filter(pk=request.POST.get("expert") or 0).first()
        if expert is None:
            row_errors[app.pk] = _("请选择评审专家。")
        else:
            try:
                services.assign(r, actor=request.user, application=app, expert=expert)
            except ServiceError as exc:
                row_errors[app.pk] = str(exc.message)
            else:
                messages.success(
                    request,
                    _("已分配专家%(expert)s评审 %(n)s。") % {"expert": expert.name, "n": app.number},
                )
                return redirect(f"{request.path}#app-{app.pk}")
    assignments = Assignment.objects.filter(round=r).select_related("expert").order_by("expert__name", "id")
    applications = list(
        _assignable_applications(r)
        .select_related("organisation")
        .prefetch_related(Prefetch("assignments", queryset=assignments, to_attr="round_assignments"))
        .order_by("number")
    )
    experts = list(Expert.objects.select_related("organisation").order_by("name", "id"))
    loads = dict(
        Assignment.objects.filter(round=r, state__in=HOLDING).values_list("expert_id").annotate(n=Count("id"))
    )
    for app in applications:
        taken = {a.expert_id for a in app.round_assignments}
        app.choices = []
        for ex in experts:
            note = ""
            if ex.status != "active":
                note = ex.get_status_display()
            elif ex.user_id is None:
                note = _("尚无登录账号")
            elif conflict(ex, app):
                note = _("同单位，须回避")
            elif ex.pk in taken:
                note = _("已分配")
            elif loads.get(ex.pk, 0) >= ex.max_load:
                note = _("本轮已满额")
            app.choices.append({"expert": ex, "note": note, "load": loads.get(ex.pk, 0)})
        app.error = row_errors.get(app.pk, "")
    return render(
        request,
        "review/round_assign.html",
        {"round": r, "call": r.call, "applications": applications},
    )


@login_required
@require_POST
def assignment_unassign(request, pk: int):
    _require_reader(request.user)
    a = get_object_or_404(visible_assignments(request.user).select_related("expert", "application"), pk=pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.unassign(a, actor=request.user, reason=form.cleaned_data.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已撤销专家%(expert)s对 %(n)s 的评审任务。")
            % {"expert": a.expert.name, "n": a.application.number},
        )
    return redirect("review:round_assign", a.round_id)


@login_required
@require_POST
def round_open(request, pk: int):
    r = _round(request, pk)
    run_service(
        request, services.open_round, r, success=_("“%(name)s”已开始，专家可以评分。") % {"name": r.name}
    )
    return redirect("review:round_detail", r.pk)


@login_required
@require_POST
def round_close(request, pk: int):
    r = _round(request, pk)
    run_service(
        request, services.close_round, r, success=_("“%(name)s”已结束，评审结果已汇总。") % {"name": r.name}
    )
    return redirect("review:round_detail", r.pk)


# ---------------------------------------------------------------- results ranked per focus area


@login_required
def ranking(request):
    user = request.user
    if not (reads_everything(user) or user.has_role(Role.DEPARTMENT)):
        raise Http404
    years = list(FundYear.objects.select_related("profile").order_by("-year"))
    fund_year = next(
        (fy for fy in years if str(fy.year) == request.GET.get("year")), years[0] if years else None
    )
    areas = list(fund_year.profile.focus_areas.all()) if fund_year else []
    area = next((a for a in areas if a.code == request.GET.get("area")), areas[0] if areas else None)
    rows = services.ranking(fund_year, area, user=user) if area else []
    return render(
        request,
        "review/ranking.html",
        {"years": years, "fund_year": fund_year, "areas": areas, "area": area, "rows": rows},
    )


# ---------------------------------------------------------------- the review of one application


@login_required
def application_review(request, pk: int):
    """Readers: every round's experts, scores and result. An expert: their own task. Department and
    applicant: the results of closed rounds only (never the experts' names or scores)."""
    user = request.user
    app = get_object_or_404(review_applications(user).select_related("call", "organisation"), pk=pk)
    if not reads_everything(user) and expert_id_of(user):
        mine = my_assignments(user).filter(application=app, state__in=HOLDING).order_by("-id").first()
        if mine is not None:
            return redirect("review:task_detail", mine.pk)
    results = list(
        visible_results(user)
        .filter(application=app)
        .select_related("round__previous")
        .order_by("round__sequence", "round_id")
    )
    assignments = []
    if reads_everything(user):
        assignments = list(
            Assignment.objects.filter(application=app)
            .select_related("round__call__fund_year__profile", "expert")
            .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))
            .order_by("round__sequence", "expert__name", "id")
        )
        calibrate_assignments(assignments)
    results = aggregate.with_raw_means(None, results)
    return render(
        request,
        "review/application_review.html",
        {"application": app, "results": results, "assignments": assignments},
    )


# ---------------------------------------------------------------- an expert's tasks


@login_required
def task_list(request):
    if not expert_id_of(request.user):
        raise Http404
    tasks = list(
        my_assignments(request.user)
        .select_related("application", "round__call")
        .order_by("-round__created_at", "application__number")
    )
    groups = {
        "pending": [a for a in tasks if a.state in PENDING and a.round.state == RoundState.OPEN],
        "upcoming": [a for a in tasks if a.state in PENDING and a.round.state == RoundState.DRAFT],
        "done": [a for a in tasks if a.state == AssignmentState.SUBMITTED],
        "declined": [a for a in tasks if a.state == AssignmentState.DECLINED],
        "expired": [a for a in tasks if a.state in PENDING and a.round.state == RoundState.CLOSED],
    }
    return render(request, "review/task_list.html", {"groups": groups, "count": len(tasks)})


def _task(request, pk: int) -> Assignment:
    return get_object_or_404(
        my_assignments(request.user).select_related("round__call", "application__organisation", "expert"),
        pk=pk,
    )


def application_content(app: Application) -> dict:
    """What an expert reads of an application: its own content only (team without ID numbers)."""
    return {
        "team": list(app.team.all()),
        "budget_lines": list(app.budget_lines.all()),
        "targets": list(app.targets.all()),
        "milestones": list(app.milestones.all()),
    }


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request, pk: int):
    """An expert's task: the application, the score form (assigned or accepted, round open), the
    接受评审 button (assigned; it posts to ``review:task_accept``), and — only once their own score
    is in — the other experts' submitted totals, anonymised (专家A, 专家B, …; no names, no comments)."""
    a = _task(request, pk)
    r = a.round
    criteria = list(r.criteria.all())
    can_score = a.state in PENDING and r.state == RoundState.OPEN and r.method != ReviewMethod.SITE_VISIT
    form = ScoreForm(request.POST if request.method == "POST" else None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.submit_score(
                a,
                actor=request.user,
                scores=form.scores(),
                comment=d["comment"],
                recommendation=d["recommendation"],
            )
        except ServiceError as exc:
            if not can_score:  # nothing to correct on the form: say why and show the task
                messages.error(request, exc.message)
                return redirect("review:task_detail", a.pk)
            form.apply_service_error(exc)
        else:
            messages.success(request, _("评分已提交。"))
            return redirect("review:task_detail", a.pk)
    held = a.state != AssignmentState.DECLINED
    if a.state == AssignmentState.SUBMITTED:
        mine = {s.criterion_id: s.value for s in a.scores.all()}
        for c in criteria:
            c.my_score = mine.get(c.pk)
    return render(
        request,
        "review/task_detail.html",
        {
            "task": a,
            "round": r,
            "application": a.application,
            "content": application_content(a.application) if held else None,
            "criteria": criteria,
            "form": form,
            "can_score": can_score,
            "pending": a.state in PENDING,
            "can_accept": a.state == AssignmentState.ASSIGNED and r.state != RoundState.CLOSED,
            "can_decline": a.state in PENDING and r.state != RoundState.CLOSED,
            "peers": aggregate.peer_scores(a),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_decline(request, pk: int):
    a = _task(request, pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decline(a, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已回避/拒绝该评审任务。"))
            return redirect("review:task_list")
    return render(
        request, "review/task_decline.html", {"form": form, "task": a, "application": a.application}
    )
