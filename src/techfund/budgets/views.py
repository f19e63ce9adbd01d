"""Web pages of budgets, adjustments (调剂), spending and the rates. Thin: each page reads through the
scopes and acts through the services. Records outside the user's scope answer 404; actions the user
may not take answer 403; a service's refusal is shown on the form (nothing saved) with status 200.
"""

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from techfund.budgets import services
from techfund.budgets.enums import AdjustmentState
from techfund.budgets.forms import AdjustForm, DecideForm, ExpenditureForm, ImportForm
from techfund.budgets.models import AdjustmentMove, ProjectBudget
from techfund.budgets.rules import may_decide
from techfund.budgets.scopes import sees_budgets, visible_adjustments, visible_expenditures
from techfund.budgets.services.budget import line_table
from techfund.budgets.services.exports import group_label
from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.core.permissions import can
from techfund.core.services.audit import target_type_of
from techfund.core.views.helpers import paginate, require_can
from techfund.projects.scopes import visible_projects
from techfund.reports.charts import bar_chart

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_ROWS = 30


def _guard(request) -> None:
    if not sees_budgets(request.user):
        raise Http404


def _params(request) -> tuple[int | None, dt.date | None, str]:
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() else None
    try:
        as_of = dt.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        as_of = None
    group = request.GET.get("group", "project")
    return year, as_of, group if group in ("project", "department", "area") else "project"


@login_required
def index(request):
    """资金到位率与预算执行率: table and bar chart, by project, department or focus area."""
    _guard(request)
    year, as_of, group = _params(request)
    report = services.rates_report(request.user, year=year, as_of=as_of, group=group)
    shown = report.rows[:CHART_ROWS]
    chart = bar_chart(
        _("资金到位率与预算执行率（%）"),
        [r.label for r in shown],
        [
            (_("资金到位率"), [r.arrival_rate or 0 for r in shown]),
            (_("预算执行率"), [r.execution_rate or 0 for r in shown]),
        ],
    )
    years = sorted(
        set(visible_projects(request.user).values_list("fund_year__year", flat=True)), reverse=True
    )
    pending = list(
        visible_adjustments(request.user)
        .filter(state=AdjustmentState.REQUESTED)
        .select_related("project", "requested_by")
        .order_by("requested_at")
    )
    return render(
        request,
        "budgets/index.html",
        {
            "report": report,
            "chart": chart,
            "years": years,
            "year": year,
            "as_of": as_of,
            "group": group,
            "groups": [(g, group_label(g)) for g in ("project", "department", "area")],
            "pending": pending,
            "query": request.GET.urlencode(),
            "can_export": can(request.user, "budgets.export"),
        },
    )


@login_required
def export(request):
    _guard(request)
    require_can(request.user, "budgets.export")
    year, as_of, group = _params(request)
    result = services.export_rates(actor=request.user, year=year, as_of=as_of, group=group)
    response = HttpResponse(result.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    response["X-Rows"] = str(result.rows)
    return response


def _project(request, pk: int):
    return get_object_or_404(
        visible_projects(request.user).select_related(
            "fund_year__profile", "organisation", "department", "focus_area", "contract"
        ),
        pk=pk,
    )


def _project_page(request, project, *, adjust_form=None, expenditure_form=None, import_form=None, status=200):
    user = request.user
    budget = ProjectBudget.objects.filter(project=project).prefetch_related("lines").first()
    adjustments = list(
        visible_adjustments(user)
        .filter(project=project)
        .select_related("requested_by", "decided_by")
        .prefetch_related("moves")
        .order_by("-requested_at", "-id")
    )
    pending = next((a for a in adjustments if a.state == AdjustmentState.REQUESTED), None)
    may_adjust = budget is not None and can(user, "budgets.adjust", project)
    may_spend = budget is not None and can(user, "budgets.record_expenditure", project)
    current = services.current_amounts(budget) if budget else {}
    if may_adjust and adjust_form is None and pending is None:
        adjust_form = AdjustForm(current=current)
    if may_spend:
        expenditure_form = expenditure_form or ExpenditureForm()
        import_form = import_form or ImportForm()
    from techfund.budgets import rates

    return render(
        request,
        "budgets/project.html",
        {
            "project": project,
            "budget": budget,
            "lines": line_table(budget, project) if budget else [],
            "versions": services.versions(budget) if budget else [],
            "adjustments": adjustments,
            "pending": pending,
            "adjust_form": adjust_form if may_adjust and pending is None else None,
            "expenditure_form": expenditure_form if may_spend else None,
            "import_form": import_form if may_spend else None,
            "expenditures": paginate(
                request,
                visible_expenditures(user)
                .filter(project=project)
                .select_related("recorded_by")
                .order_by("-spent_on", "-id"),
            ),
            "row": rates.project_rows([project])[0],
        },
        status=status,
    )


@login_required
def project_budget(request, project_id: int):
    _guard(request)
    return _project_page(request, _project(request, project_id))


@login_required
@require_POST
def adjust(request, project_id: int):
    _guard(request)
    project = _project(request, project_id)
    require_can(request.user, "budgets.adjust", project)
    budget = ProjectBudget.objects.filter(project=project).first()
    if budget is None:
        raise Http404
    form = AdjustForm(request.POST, current=services.current_amounts(budget))
    if form.is_valid():
        try:
            adj = services.adjust_budget(
                project, actor=request.user, amounts=form.amounts(), reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            if adj.state == AdjustmentState.EFFECTIVE:
                done = _("调剂 %(n)s 已生效（承担单位自主调剂）。")
            else:
                done = _("调剂 %(n)s 须报主管部门审批，已提交。")
            messages.success(request, done % {"n": adj.number})
            return redirect("budgets:project", project.pk)
    return _project_page(request, project, adjust_form=form)


@login_required
@require_POST
def expenditure_new(request, project_id: int):
    _guard(request)
    project = _project(request, project_id)
    require_can(request.user, "budgets.record_expenditure", project)
    form = ExpenditureForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_expenditure(
                project,
                actor=request.user,
                spent_on=d["spent_on"],
                category=d["category"],
                funding=d["funding"],
                amount=d["amount"],
                voucher_no=d["voucher_no"],
                description=d["description"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("支出已登记。"))
            return redirect("budgets:project", project.pk)
    return _project_page(request, project, expenditure_form=form)


@login_required
@require_POST
def expenditure_import(request, project_id: int):
    _guard(request)
    project = _project(request, project_id)
    require_can(request.user, "budgets.record_expenditure", project)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        f = form.cleaned_data["file"]
        try:
            batch = services.import_expenditures(
                project, actor=request.user, content=f.read(), filename=f.name
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已导入%(n)d笔支出，合计 %(total)s 元。")
                % {"n": batch.rows, "total": f"{batch.total:,.2f}"},
            )
            return redirect("budgets:project", project.pk)
    return _project_page(request, project, import_form=form)


def _adjustment_page(request, adj, form=None):
    deciding = may_decide(request.user, adj)
    q = Q(target_type=target_type_of(adj), target_id=str(adj.pk))
    return render(
        request,
        "budgets/adjustment.html",
        {
            "adj": adj,
            "project": adj.project,
            "moves": list(AdjustmentMove.objects.filter(adjustment=adj)),
            "form": (form or DecideForm()) if deciding else None,
            "trail": list(AuditEvent.objects.filter(q).select_related("actor").order_by("seq")),
        },
    )


def _adjustment(request, pk):
    return get_object_or_404(
        visible_adjustments(request.user).select_related(
            "project__organisation", "project__department", "requested_by", "decided_by"
        ),
        pk=pk,
    )


@login_required
def adjustment_detail(request, pk: int):
    _guard(request)
    return _adjustment_page(request, _adjustment(request, pk))


@login_required
@require_POST
def adjustment_decide(request, pk: int):
    _guard(request)
    adj = _adjustment(request, pk)
    require_can(request.user, "budgets.decide", adj)
    form = DecideForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.decide_adjustment(adj, actor=request.user, decision=d["decision"], opinion=d["opinion"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已同意，调剂生效。") if d["decision"] == "approve" else _("已不同意，调剂未生效。"),
            )
            return redirect("budgets:adjustment", adj.pk)
    return _adjustment_page(request, adj, form)
