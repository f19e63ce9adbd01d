"""Web pages of acceptance and evaluation. Thin: each page reads through the scopes and acts through
the services.

Objects outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the form (nothing saved) with status 200.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.core.permissions import can
from techfund.core.services.audit import target_type_of
from techfund.core.views.helpers import paginate, require_can, run_service
from techfund.evaluation import services
from techfund.evaluation.display import deviation_note, kpi_basis, line_actions
from techfund.evaluation.enums import (
    ComprehensiveState,
    Grade,
    NextYearState,
    SelfEvaluationState,
)
from techfund.evaluation.forms import (
    AcceptForm,
    AdjustForm,
    ComprehensiveForm,
    ConfirmForm,
    NextYearForm,
    ReturnForm,
    SelfEvaluationForm,
)
from techfund.evaluation.models import ComprehensiveEvaluation, NextYearLine, SelfEvaluation
from techfund.evaluation.scopes import (
    reads_everything,
    sees_evaluations,
    sees_grades,
    visible_comprehensive,
    visible_next_year,
    visible_self_evaluations,
)
from techfund.funds.scopes import visible_fund_years
from techfund.projects.accounts import project_balances
from techfund.projects.enums import ProjectState
from techfund.projects.models import Project
from techfund.projects.scopes import visible_projects

#: The project states this stage's pages list: running, in acceptance, completed.
LISTED_STATES = (ProjectState.IN_PROGRESS, ProjectState.ACCEPTANCE, ProjectState.COMPLETED)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request) -> int | None:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() else None


def _trail(*objects):
    """The events about ``objects`` (records of different kinds), oldest first, in one query."""
    q = Q(pk__in=[])
    for obj in objects:
        if obj is not None:
            q |= Q(target_type=target_type_of(obj), target_id=str(obj.pk))
    return list(AuditEvent.objects.filter(q).select_related("actor").order_by("seq"))


def _project(request, pk: int) -> Project:
    return get_object_or_404(
        visible_projects(request.user).select_related(
            "fund_year__profile", "focus_area", "department", "organisation", "contract"
        ),
        pk=pk,
    )


def _comprehensive_of(project):
    return ComprehensiveEvaluation.objects.filter(project=project).first()


# ---------------------------------------------------------------- the projects' evaluation status


@login_required
def project_list(request):
    """The projects running, in acceptance or completed, with their evaluations (the stage's hub)."""
    if not sees_evaluations(request.user):
        raise Http404
    qs = (
        visible_projects(request.user)
        .filter(state__in=LISTED_STATES)
        .select_related(
            "fund_year", "focus_area", "department", "organisation", "contract", "comprehensive_evaluation"
        )
        .prefetch_related(
            Prefetch("self_evaluations", queryset=SelfEvaluation.objects.order_by("-id"), to_attr="evals")
        )
    )
    state = request.GET.get("state", "")
    if state in [s.value for s in LISTED_STATES]:
        qs = qs.filter(state=state)
    year = _year(request)
    if year:
        qs = qs.filter(fund_year__year=year)
    page = paginate(request, qs.order_by("-fund_year__year", "number"))
    for p in page:
        p.latest = p.evals[0] if p.evals else None
        p.ce = getattr(p, "comprehensive_evaluation", None)
        p.may_self_evaluate = p.state == ProjectState.IN_PROGRESS and can(
            request.user, "evaluation.submit_self_evaluation", p
        )
    return render(
        request,
        "evaluation/project_list.html",
        {
            "page": page,
            "projects": list(page),
            "states": [(s.value, s.label) for s in LISTED_STATES],
            "state": state,
            "year": year or "",
            "today": timezone.localdate(),
        },
    )


@login_required
def project_detail(request, pk: int):
    """One project's acceptance and evaluation: its self-evaluations (the live one and any returned),
    its comprehensive evaluation, the buttons the user's role may use, and the trail."""
    project = _project(request, pk)
    evals = list(
        visible_self_evaluations(request.user)
        .filter(project=project)
        .select_related("submitted_by")
        .order_by("-id")
    )
    ce = _comprehensive_of(project)
    user = request.user
    return render(
        request,
        "evaluation/project_detail.html",
        {
            "project": project,
            "evals": evals,
            "ce": ce,
            "may_self_evaluate": project.state == ProjectState.IN_PROGRESS
            and can(user, "evaluation.submit_self_evaluation", project),
            "may_propose": _may_propose(user, project, evals, ce),
            "trail": _trail(project, *evals, ce),
        },
    )


def _may_propose(user, project, evals, ce) -> bool:
    live = next((e for e in evals if e.state != SelfEvaluationState.RETURNED), None)
    return (
        project.state == ProjectState.ACCEPTANCE
        and live is not None
        and live.state == SelfEvaluationState.ACCEPTED
        and (ce is None or ce.state == ComprehensiveState.RETURNED)
        and can(user, "evaluation.propose_comprehensive", project)
    )


# ---------------------------------------------------------------- self-evaluation


@login_required
@require_http_methods(["GET", "POST"])
def self_evaluation_new(request, pk: int):
    project = _project(request, pk)
    require_can(request.user, "evaluation.submit_self_evaluation", project)
    contract = getattr(project, "contract", None)
    if project.state != ProjectState.IN_PROGRESS or contract is None:
        messages.error(
            request,
            _("项目当前状态为“%(state)s”，只有执行中的项目才能提交自评。")
            % {"state": project.get_state_display()},
        )
        return redirect("evaluation:project_detail", project.pk)
    targets = list(contract.targets.order_by("order", "id"))
    form = SelfEvaluationForm(request.POST if request.method == "POST" else None, targets=targets)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ev = services.submit_self_evaluation(
                project,
                actor=request.user,
                summary=d["summary"],
                spent=d["spent"],
                satisfaction=d["satisfaction"],
                results=form.results(),
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("自评已提交：自评得分 %(total)s（%(grade)s），待办公室受理。")
                % {"total": ev.total, "grade": ev.get_grade_display()},
            )
            return redirect("evaluation:self_evaluation_detail", ev.pk)
    arrived = project_balances([project])[project.pk]["disbursed"]
    returned = (
        SelfEvaluation.objects.filter(project=project, state=SelfEvaluationState.RETURNED)
        .order_by("-id")
        .first()
    )
    return render(
        request,
        "evaluation/self_evaluation_form.html",
        {
            "project": project,
            "contract": contract,
            "form": form,
            "arrived": arrived,
            "returned": returned,
            "rules": services.self_evaluation_rules(project.fund_year.profile),
        },
    )


@login_required
def self_evaluation_list(request):
    if not sees_evaluations(request.user):
        raise Http404
    qs = visible_self_evaluations(request.user).select_related(
        "project__fund_year", "project__organisation", "project__department", "project__focus_area"
    )
    state = request.GET.get("state", "")
    if state in SelfEvaluationState.values:
        qs = qs.filter(state=state)
    page = paginate(request, qs.order_by("-submitted_at", "-id"))
    return render(
        request,
        "evaluation/self_evaluation_list.html",
        {"page": page, "evals": list(page), "states": SelfEvaluationState.choices, "state": state},
    )


def _self_evaluation(request, pk: int) -> SelfEvaluation:
    return get_object_or_404(
        visible_self_evaluations(request.user).select_related(
            "project__fund_year",
            "project__organisation",
            "project__department",
            "project__focus_area",
            "submitted_by",
            "decided_by",
        ),
        pk=pk,
    )


@login_required
def self_evaluation_detail(request, pk: int):
    ev = _self_evaluation(request, pk)
    results = list(ev.results.select_related("target").order_by("order", "id"))
    for r in results:
        r.basis = kpi_basis(r, ev.rules)
        r.deviation = deviation_note(r, ev.rules)
    user = request.user
    pending = ev.state == SelfEvaluationState.SUBMITTED
    weights = ev.rules.get("weights", {})
    parts = [
        ("output", ev.output_score, weights.get("output")),
        ("outcome", ev.outcome_score, weights.get("outcome")),
        ("satisfaction", ev.satisfaction_score, weights.get("satisfaction")),
        ("budget_execution", ev.budget_execution_score, weights.get("budget_execution")),
    ]
    return render(
        request,
        "evaluation/self_evaluation_detail.html",
        {
            "ev": ev,
            "project": ev.project,
            "results": results,
            "parts": parts,
            "accept_form": AcceptForm()
            if pending and can(user, "evaluation.accept_self_evaluation", ev)
            else None,
            "return_form": ReturnForm()
            if pending and can(user, "evaluation.return_self_evaluation", ev)
            else None,
            "trail": _trail(ev),
        },
    )


@login_required
@require_POST
def self_evaluation_accept(request, pk: int):
    ev = _self_evaluation(request, pk)
    require_can(request.user, "evaluation.accept_self_evaluation", ev)
    form = AcceptForm(request.POST)
    form.is_valid()
    run_service(
        request,
        services.accept_self_evaluation,
        ev,
        note=form.cleaned_data.get("note", ""),
        success=_("已受理该自评，可提出综合绩效评价。"),
    )
    return redirect("evaluation:self_evaluation_detail", ev.pk)


@login_required
@require_http_methods(["GET", "POST"])
def self_evaluation_return(request, pk: int):
    ev = _self_evaluation(request, pk)
    require_can(request.user, "evaluation.return_self_evaluation", ev)
    form = ReturnForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.return_self_evaluation(ev, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已退回自评，项目恢复执行，待承担单位重新提交。"))
            return redirect("evaluation:self_evaluation_detail", ev.pk)
    return render(request, "evaluation/return_form.html", {"ev": ev, "form": form, "kind": "self"})


# ---------------------------------------------------------------- comprehensive evaluation


@login_required
@require_http_methods(["GET", "POST"])
def comprehensive_new(request, pk: int):
    project = _project(request, pk)
    require_can(request.user, "evaluation.propose_comprehensive", project)
    ce = _comprehensive_of(project)
    live = services.live_self_evaluation(project)
    initial = {}
    if ce is not None:
        initial = {
            **{f"{p}_score": getattr(ce, f"{p}_score") for p in ("decision", "process", "output", "outcome")},
            **{
                f"{p}_opinion": getattr(ce, f"{p}_opinion")
                for p in ("decision", "process", "output", "outcome")
            },
            "conclusion": ce.conclusion,
        }
    profile = project.fund_year.profile
    form = ComprehensiveForm(
        request.POST if request.method == "POST" else None,
        weights=profile.rule("comprehensive_weights.weights") or {},
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            ce = services.propose_comprehensive(
                project,
                actor=request.user,
                scores=form.scores(),
                opinions=form.opinions(),
                conclusion=form.cleaned_data["conclusion"],
                signatory=form.cleaned_data["signatory"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已提出综合绩效评价：综合得分 %(total)s（%(grade)s），待财政部门确认。")
                % {"total": ce.total, "grade": ce.get_grade_display()},
            )
            return redirect("evaluation:comprehensive_detail", ce.pk)
    return render(
        request,
        "evaluation/comprehensive_form.html",
        {
            "project": project,
            "form": form,
            "ce": ce,
            "live": live,
            "grades": profile.rule("evaluation_grades.grades"),
        },
    )


@login_required
def comprehensive_list(request):
    if not sees_evaluations(request.user):
        raise Http404
    qs = visible_comprehensive(request.user).select_related(
        "project__fund_year", "project__organisation", "project__department", "project__focus_area"
    )
    state = request.GET.get("state", "")
    if state in ComprehensiveState.values:
        qs = qs.filter(state=state)
    page = paginate(request, qs.order_by("-proposed_at", "-id"))
    return render(
        request,
        "evaluation/comprehensive_list.html",
        {"page": page, "evaluations": list(page), "states": ComprehensiveState.choices, "state": state},
    )


def _ce(request, pk: int) -> ComprehensiveEvaluation:
    return get_object_or_404(
        visible_comprehensive(request.user).select_related(
            "project__fund_year",
            "project__organisation",
            "project__department",
            "project__focus_area",
            "self_evaluation",
            "proposed_by",
            "confirmed_by",
            "returned_by",
        ),
        pk=pk,
    )


@login_required
def comprehensive_detail(request, pk: int):
    ce = _ce(request, pk)
    user = request.user
    pending = ce.state == ComprehensiveState.PROPOSED
    return render(
        request,
        "evaluation/comprehensive_detail.html",
        {
            "ce": ce,
            "project": ce.project,
            "confirm_form": ConfirmForm()
            if pending and can(user, "evaluation.complete_evaluation", ce)
            else None,
            "return_form": ReturnForm()
            if pending and can(user, "evaluation.return_comprehensive", ce)
            else None,
            "may_repropose": ce.state == ComprehensiveState.RETURNED
            and can(user, "evaluation.propose_comprehensive", ce.project),
            "trail": _trail(ce),
        },
    )


@login_required
@require_POST
def comprehensive_confirm(request, pk: int):
    ce = _ce(request, pk)
    require_can(request.user, "evaluation.complete_evaluation", ce)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_comprehensive(
                ce,
                actor=request.user,
                signatory=form.cleaned_data["signatory"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已确认综合绩效评价，项目验收评价完成。"))
            return redirect("evaluation:comprehensive_detail", ce.pk)
    return render(
        request,
        "evaluation/comprehensive_detail.html",
        {
            "ce": ce,
            "project": ce.project,
            "confirm_form": form,
            "return_form": ReturnForm(),
            "trail": _trail(ce),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def comprehensive_return(request, pk: int):
    ce = _ce(request, pk)
    require_can(request.user, "evaluation.return_comprehensive", ce)
    form = ReturnForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.return_comprehensive(ce, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已退回办公室修改。"))
            return redirect("evaluation:comprehensive_detail", ce.pk)
    return render(request, "evaluation/return_form.html", {"ce": ce, "form": form, "kind": "comprehensive"})


# ---------------------------------------------------------------- grades


def _grade_filters(request) -> dict:
    grade = request.GET.get("grade", "")
    return {
        "year": _year(request),
        "focus_area": request.GET.get("area", "").strip(),
        "department": request.GET.get("department", "").strip(),
        "grade": grade if grade in Grade.values else "",
    }


def _filter_choices(user):
    """The years, focus areas and departments the user's graded projects have (for the filters)."""
    base = services.graded(user)
    years = sorted(set(base.values_list("project__fund_year__year", flat=True)), reverse=True)
    areas = list(
        base.values_list("project__focus_area__code", "project__focus_area__name")
        .order_by("project__focus_area__order")
        .distinct()
    )
    depts = list(
        base.values_list("project__department__code", "project__department__name")
        .order_by("project__department__code")
        .distinct()
    )
    return {"years": years, "areas": list(dict(areas).items()), "departments": list(dict(depts).items())}


@login_required
def grade_list(request):
    if not sees_grades(request.user):
        raise Http404
    f = _grade_filters(request)
    qs = services.grade_rows(services.filter_grades(services.graded(request.user), **f))
    page = paginate(request, qs)
    return render(
        request,
        "evaluation/grade_list.html",
        {
            "page": page,
            "rows": list(page),
            "filters": f,
            "grades": Grade.choices,
            **_filter_choices(request.user),
        },
    )


def _download(export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
def grade_export(request):
    if not sees_grades(request.user):
        raise Http404
    return _download(services.export_grades(actor=request.user, filters=_grade_filters(request)))


def _summaries(request):
    f = _grade_filters(request)
    f.update(grade="", focus_area="", department="")
    qs = services.filter_grades(services.graded(request.user), **f)
    return f, services.grade_summary(qs, by="department"), services.grade_summary(qs, by="focus_area")


@login_required
def grade_summary(request):
    if not sees_grades(request.user):
        raise Http404
    f, by_department, by_area = _summaries(request)
    return render(
        request,
        "evaluation/grade_summary.html",
        {
            "filters": f,
            "by_department": by_department,
            "by_area": by_area,
            "grades": Grade.choices,
            **_filter_choices(request.user),
        },
    )


@login_required
def grade_summary_export(request):
    if not sees_grades(request.user):
        raise Http404
    return _download(services.export_grade_summary(actor=request.user, year=_year(request)))


# ---------------------------------------------------------------- next year's framework


@login_required
def next_year_list(request):
    if not reads_everything(request.user):
        raise Http404
    proposals = list(
        visible_next_year(request.user)
        .select_related("fund_year", "framework", "proposed_by")
        .order_by("-id")
    )
    may_propose = can(request.user, "evaluation.propose_next_year")
    form = None
    if may_propose:
        form = NextYearForm(fund_years=list(visible_fund_years(request.user).order_by("-year")))
    return render(request, "evaluation/next_year_list.html", {"proposals": proposals, "form": form})


@login_required
@require_POST
def next_year_new(request):
    if not reads_everything(request.user):
        raise Http404
    require_can(request.user, "evaluation.propose_next_year")
    years = list(visible_fund_years(request.user).order_by("-year"))
    form = NextYearForm(request.POST, fund_years=years)
    if form.is_valid():
        fy = get_object_or_404(visible_fund_years(request.user), pk=form.cleaned_data["fund_year"])
        try:
            proposal = services.propose_next_year(
                fy,
                actor=request.user,
                target_year=form.cleaned_data["target_year"] or None,
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已生成%(p)s。") % {"p": proposal})
            return redirect("evaluation:next_year_detail", proposal.pk)
    proposals = list(visible_next_year(request.user).select_related("fund_year", "framework").order_by("-id"))
    return render(request, "evaluation/next_year_list.html", {"proposals": proposals, "form": form})


def _proposal(request, pk: int):
    return get_object_or_404(
        visible_next_year(request.user).select_related(
            "fund_year", "framework", "proposed_by", "submitted_by"
        ),
        pk=pk,
    )


def _proposal_page(request, proposal, form=None):
    lines = list(
        NextYearLine.objects.filter(proposal=proposal)
        .select_related("focus_area", "department")
        .order_by("focus_area__order", "department__code")
    )
    for line in lines:
        line.actions = line_actions(line, proposal.actions)
    draft = proposal.state == NextYearState.DRAFT
    may_adjust = draft and can(request.user, "evaluation.adjust_next_year", proposal)
    if may_adjust and form is None:
        form = AdjustForm(lines=lines)
    if form is not None:
        for row, line in zip(form.rows, lines, strict=True):
            row["line"] = line
    areas: dict = {}
    for line in lines:
        a = areas.setdefault(
            line.focus_area.code, {"name": line.focus_area.name, "base": 0, "suggested": 0, "amount": 0}
        )
        a["base"] += line.base_amount
        a["suggested"] += line.suggested_amount
        a["amount"] += line.amount
    return render(
        request,
        "evaluation/next_year_detail.html",
        {
            "proposal": proposal,
            "lines": lines,
            "areas": list(areas.values()),
            "totals": {
                "base": sum((line.base_amount for line in lines), 0),
                "suggested": sum((line.suggested_amount for line in lines), 0),
                "amount": sum((line.amount for line in lines), 0),
            },
            "form": form if may_adjust else None,
            "may_submit": draft and can(request.user, "evaluation.submit_next_year", proposal),
            "status": services.target_status(proposal) if draft else None,
            "trail": _trail(proposal),
        },
    )


@login_required
def next_year_detail(request, pk: int):
    return _proposal_page(request, _proposal(request, pk))


@login_required
@require_POST
def next_year_adjust(request, pk: int):
    proposal = _proposal(request, pk)
    require_can(request.user, "evaluation.adjust_next_year", proposal)
    lines = list(
        proposal.lines.select_related("focus_area", "department").order_by(
            "focus_area__order", "department__code"
        )
    )
    form = AdjustForm(request.POST, lines=lines)
    if form.is_valid():
        try:
            services.adjust_next_year(
                proposal,
                actor=request.user,
                amounts=form.amounts(),
                reasons=form.reasons(),
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已保存调整。"))
            return redirect("evaluation:next_year_detail", proposal.pk)
    return _proposal_page(request, proposal, form)


@login_required
@require_POST
def next_year_submit(request, pk: int):
    proposal = _proposal(request, pk)
    run_service(
        request,
        services.submit_next_year,
        proposal,
        success=_("已形成%(year)s年度框架配置并报领导小组审定。") % {"year": proposal.target_year},
    )
    return redirect("evaluation:next_year_detail", proposal.pk)
