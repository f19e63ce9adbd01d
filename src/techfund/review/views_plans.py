"""Pages of assignment plans (专家分配方案) and of the expert's acceptance of a task.

- ``/review/rounds/<pk>/plans/``  the round's plans and the form to generate one (office);
- ``/review/plans/<pk>/``         a plan: its progress bar while computing, then its figures, the
  applications weakest first with their experts and affinities, and release / discard (office);
- ``/review/plans/<pk>/export/``  the plan as xlsx (the fund's readers; audited);
- ``/review/tasks/<pk>/accept/``  the expert accepts their task (POST);
- ``/review/assignments/<pk>/replace/``  the office retries the replacement of a declined task.

Readers (office, leading group, finance, auditor) read plans; others get 404. Acting needs the
office (403 otherwise); a service's refusal is shown as a message or beside the form's fields.
"""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from techfund.applications.models import Application
from techfund.core.errors import ServiceError
from techfund.core.forms import ServiceForm
from techfund.core.permissions import can
from techfund.core.services.audit import trail_for
from techfund.core.views.helpers import require_can
from techfund.core.views.jobs import progress_context
from techfund.review import services
from techfund.review.enums import AssignmentMode, PlanState, ReviewMethod
from techfund.review.models import Assignment, AssignmentPlan
from techfund.review.scopes import (
    HOLDING,
    my_assignments,
    reads_everything,
    visible_assignments,
    visible_plans,
    visible_rounds,
)
from techfund.review.services import plans as plan_services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

UNFILLED_REASONS = {
    "no_candidates": gettext_lazy("没有可用的候选专家（均须回避、已满额或与已有专家同单位）"),
    "too_few_candidates": gettext_lazy("可用的候选专家不足"),
    "capacity": gettext_lazy("候选专家的评审额度已被其他项目用完"),
}


class PlanForm(ServiceForm):
    mode = forms.ChoiceField(
        label=gettext_lazy("遴选方式"),
        choices=[
            (AssignmentMode.RANDOM, AssignmentMode.RANDOM.label),
            (AssignmentMode.OPTIMAL, AssignmentMode.OPTIMAL.label),
        ],
        widget=forms.RadioSelect,
        initial=AssignmentMode.RANDOM,
        help_text=gettext_lazy(
            "随机抽取：在学科代码相符的专家中随机抽取（不足时从全库补足），记录随机种子，可复现；"
            "最优匹配：按专家与项目的相关度求总体最优。两种方式均自动回避、不超过专家每轮上限、同一项目每个单位至多一名专家。"
        ),
        error_messages={"required": gettext_lazy("请选择遴选方式。")},
    )
    k = forms.CharField(
        label=gettext_lazy("每项专家人数"),
        max_length=3,
        required=False,
        help_text=gettext_lazy("留空按本轮设置或政策规定。"),
    )
    seed = forms.CharField(
        label=gettext_lazy("随机种子"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("仅随机抽取：留空由系统生成并记录；填写已有方案的种子可复现其抽取结果。"),
    )
    fairness = forms.BooleanField(
        label=gettext_lazy("兼顾最弱项目"),
        required=False,
        help_text=gettext_lazy("仅最优匹配：在总体相关度几乎不降低的前提下，提高相关度最低项目的专家匹配。"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=300, required=False)


def _require_reader(user) -> None:
    if not reads_everything(user):
        raise Http404


def _round(request, pk: int):
    _require_reader(request.user)
    return get_object_or_404(visible_rounds(request.user).select_related("call__fund_year__profile"), pk=pk)


def _plan(request, pk: int) -> AssignmentPlan:
    _require_reader(request.user)
    return get_object_or_404(
        visible_plans(request.user).select_related("round__call", "job", "created_by", "decided_by"), pk=pk
    )


def round_plans_context(r, user) -> dict:
    """What the round page's "专家分配方案" section shows (``review/plans/_round_plans.html``)."""
    plans = list(
        AssignmentPlan.objects.filter(round=r)
        .select_related("job", "created_by")
        .order_by("-created_at", "-id")
    )
    return {
        "round_plans": plans,
        "can_plan": r.state in plan_services.ASSIGNING
        and r.method != ReviewMethod.MEETING
        and can(user, "review.assign", r)
        and not any(p.state == PlanState.RELEASED for p in plans),
        "released_plan": next((p for p in plans if p.state == PlanState.RELEASED), None),
    }


@login_required
@require_http_methods(["GET", "POST"])
def round_plans(request, pk: int):
    r = _round(request, pk)
    default_k = plan_services.reviewers_wanted(r)
    form = PlanForm(request.POST if request.method == "POST" else None, initial={"k": default_k})
    if request.method == "POST":
        require_can(request.user, "review.assign", r)
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = services.create_plan(
                    r, actor=request.user, mode=d["mode"], seed=d["seed"], fairness=d["fairness"], k=d["k"]
                )
            except ServiceError as exc:
                form.apply_service_error(exc)
            else:
                messages.success(request, _("已开始计算分配方案 #%(n)s。") % {"n": plan.pk})
                return redirect("review:plan_detail", plan.pk)
    ctx = {"round": r, "call": r.call, "form": form, "default_k": default_k}
    ctx.update(round_plans_context(r, request.user))
    return render(request, "review/plans/round_plans.html", ctx)


def plan_rows(plan: AssignmentPlan) -> list[dict]:
    """The plan's applications, weakest first (seats left empty, then the lowest total affinity), each
    with its planned experts (best first) and the experts it already had in the round."""
    pairs = list(
        plan.pairs.select_related("application__organisation", "expert__organisation").order_by(
            "application_id", "-affinity", "expert__name"
        )
    )
    unfilled = {u["application"]: u for u in (plan.stats or {}).get("unfilled", [])}
    app_ids = {p.application_id for p in pairs} | set(unfilled)
    held: dict[int, list[Assignment]] = {}
    for a in (
        Assignment.objects.filter(round_id=plan.round_id, application_id__in=app_ids, state__in=HOLDING)
        .exclude(plan=plan)
        .select_related("expert")
        .order_by("expert__name")
    ):
        held.setdefault(a.application_id, []).append(a)
    rows: dict[int, dict] = {}
    for p in pairs:
        row = rows.setdefault(
            p.application_id,
            {"application": p.application, "pairs": [], "total": 0.0, "held": held.get(p.application_id, [])},
        )
        row["pairs"].append(p)
        row["total"] += p.affinity
    missing = [pk for pk in unfilled if pk not in rows]
    for app in Application.objects.filter(pk__in=missing).select_related("organisation"):
        rows[app.pk] = {"application": app, "pairs": [], "total": 0.0, "held": held.get(app.pk, [])}
    for pk, row in rows.items():
        u = unfilled.get(pk)
        row["missing"] = u["missing"] if u else 0
        row["reason"] = UNFILLED_REASONS.get(u["reason"], "") if u else ""
        row["candidates"] = u["candidates"] if u else None
        row["mean"] = row["total"] / len(row["pairs"]) if row["pairs"] else 0.0
    return sorted(rows.values(), key=lambda r: (-r["missing"], r["total"], r["application"].number))


@login_required
def plan_detail(request, pk: int):
    plan = _plan(request, pk)
    r = plan.round
    user = request.user
    computing = plan.state == PlanState.COMPUTING
    ctx = {
        "plan": plan,
        "round": r,
        "call": r.call,
        "stats": plan.stats or {},
        "rows": [] if computing else plan_rows(plan),
        "can_act": can(user, "review.assign", r) and r.state in plan_services.ASSIGNING,
        "can_export": can(user, "review.export_plan", plan)
        and plan.state not in (PlanState.COMPUTING, PlanState.FAILED),
        "can_see_conflicts": can(user, "review.view_conflicts"),
        "reason_form": ReasonForm(),
        "trail": list(trail_for(plan).order_by("seq")),
    }
    if plan.job is not None:
        ctx["progress"] = progress_context(
            plan.job, then="reload" if computing else "", refresh_url=request.path
        )
    return render(request, "review/plans/plan_detail.html", ctx)


@login_required
@require_POST
def plan_release(request, pk: int):
    plan = _plan(request, pk)
    require_can(request.user, "review.assign", plan.round)
    try:
        services.release_plan(plan, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("review:plan_detail", plan.pk)
    messages.success(
        request,
        _("分配方案 #%(n)s 已发布，已生成 %(count)s 项评审任务。")
        % {"n": plan.pk, "count": Assignment.objects.filter(plan=plan).count()},
    )
    return redirect("review:round_detail", plan.round_id)


@login_required
@require_POST
def plan_discard(request, pk: int):
    plan = _plan(request, pk)
    require_can(request.user, "review.assign", plan.round)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.discard_plan(plan, actor=request.user, reason=form.cleaned_data.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("分配方案 #%(n)s 已作废。") % {"n": plan.pk})
    return redirect("review:plan_detail", plan.pk)


@login_required
def plan_export(request, pk: int):
    plan = _plan(request, pk)
    require_can(request.user, "review.export_plan", plan)
    try:
        export = plan_services.export_plan(plan, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("review:plan_detail", plan.pk)
    response = HttpResponse(export.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(export.filename)}"
    response["X-Rows"] = str(export.rows)
    return response


# ---------------------------------------------------------------- the expert accepts; the office retries a replacement


@login_required
@require_POST
def task_accept(request, pk: int):
    a = get_object_or_404(my_assignments(request.user), pk=pk)
    try:
        services.accept(a, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已接受该评审任务。"))
    return redirect("review:task_detail", a.pk)


@login_required
@require_POST
def assignment_replace(request, pk: int):
    _require_reader(request.user)
    a = get_object_or_404(visible_assignments(request.user).select_related("application"), pk=pk)
    try:
        new = services.replace(a, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已补选专家%(expert)s评审 %(n)s。") % {"expert": new.expert.name, "n": a.application.number},
        )
    return redirect(reverse("review:round_assign", args=[a.round_id]) + f"#app-{a.application_id}")
