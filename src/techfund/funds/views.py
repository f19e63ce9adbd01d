"""Web pages of the annual fund. Thin: each page reads through the scopes and acts through the services.

Objects outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the form (nothing saved) with status 200.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.core.permissions import can
from techfund.core.services.audit import target_type_of, trail_for
from techfund.core.views.helpers import require_can, run_service
from techfund.funds import accounts, services
from techfund.funds.enums import ContributionState, FrameworkState
from techfund.funds.forms import ContributionForm, FrameworkForm, OpenYearForm, ReasonForm
from techfund.funds.home import with_contributed_total
from techfund.funds.models import Contribution, Framework, FundYear
from techfund.funds.scopes import (
    sees_fund,
    summary_for,
    visible_contributions,
    visible_frameworks,
    visible_fund_years,
)
from techfund.funds.transitions import FRAMEWORK_EDITABLE
from techfund.funds.validation import fmt


def _fund_year(request, year: int) -> FundYear:
    return get_object_or_404(visible_fund_years(request.user).select_related("profile"), year=year)


def _framework(request, pk: int) -> Framework:
    return get_object_or_404(visible_frameworks(request.user).select_related("fund_year__profile"), pk=pk)


def _year_trail(fund_year: FundYear, contribution_ids, framework_ids):
    """The events about the year, the contributions the user sees and its frameworks, oldest first."""
    q = Q(target_type=target_type_of(fund_year), target_id=str(fund_year.pk))
    q |= Q(target_type=Contribution._meta.label_lower, target_id__in=[str(i) for i in contribution_ids])
    q |= Q(target_type=Framework._meta.label_lower, target_id__in=[str(i) for i in framework_ids])
    return AuditEvent.objects.filter(q).select_related("actor").order_by("seq")


@login_required
def year_list(request):
    if not sees_fund(request.user):
        raise Http404
    years = list(with_contributed_total(visible_fund_years(request.user).select_related("profile")))
    for fy in years:
        minimum = fy.profile.min_annual_scale
        fy.below_minimum = minimum is not None and fy.contributed_total < minimum
    return render(
        request,
        "funds/year_list.html",
        {"years": years, "can_open": can(request.user, "funds.open_fund_year")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def year_open(request):
    if not sees_fund(request.user):
        raise Http404
    require_can(request.user, "funds.open_fund_year")
    form = OpenYearForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            fy = services.open_fund_year(
                actor=request.user, year=form.cleaned_data["year"], profile=form.cleaned_data["profile"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("%(name)s已设立。") % {"name": fy.name})
            return redirect("funds:year_detail", fy.year)
    return render(request, "funds/year_open.html", {"form": form})


@login_required
def year_detail(request, year: int):
    fy = _fund_year(request, year)
    user = request.user
    data = summary_for(user, fy)
    contributions = list(
        visible_contributions(user)
        .filter(fund_year=fy)
        .select_related("source_type", "department")
        .order_by("id")
    )
    frameworks = list(fy.frameworks.annotate(total=Sum("allocations__amount")).order_by("number"))
    trail = list(_year_trail(fy, [c.pk for c in contributions], [f.pk for f in frameworks]))
    return render(
        request,
        "funds/year_detail.html",
        {
            "fund_year": fy,
            "summary": data,
            "contributions": contributions,
            "frameworks": frameworks,
            "trail": trail,
            "can_record": can(user, "funds.record_contribution", fy),
            "can_void": can(user, "funds.void_contribution"),
            "can_propose": can(user, "funds.propose_framework", fy),
            "has_open_framework": any(
                f.state in (FrameworkState.DRAFT, FrameworkState.SUBMITTED) for f in frameworks
            ),
            "recorded": ContributionState.RECORDED,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contribution_new(request, year: int):
    fy = _fund_year(request, year)
    require_can(request.user, "funds.record_contribution", fy)
    form = ContributionForm(request.POST if request.method == "POST" else None, fund_year=fy)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            c = services.record_contribution(
                fy,
                actor=request.user,
                source_type=d["source_type"],
                amount=d["amount"],
                level=d["level"] or None,
                department=d["department"] or None,
                document_ref=d["document_ref"],
                note=d["note"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已登记 %(source)s %(amount)s 元入池。")
                % {"source": c.source_type.name, "amount": fmt(c.amount)},
            )
            return redirect("funds:year_detail", fy.year)
    return render(request, "funds/contribution_form.html", {"form": form, "fund_year": fy})


@login_required
@require_http_methods(["GET", "POST"])
def contribution_void(request, pk: int):
    c = get_object_or_404(
        visible_contributions(request.user).select_related("fund_year", "source_type", "department"), pk=pk
    )
    require_can(request.user, "funds.void_contribution", c)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.void_contribution(c, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已冲销该笔入池资金。"))
            return redirect("funds:year_detail", c.fund_year.year)
    return render(
        request,
        "funds/contribution_void.html",
        {
            "form": form,
            "contribution": c,
            "fund_year": c.fund_year,
            "voided": c.state == ContributionState.VOIDED,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def framework_new(request, year: int):
    fy = _fund_year(request, year)
    require_can(request.user, "funds.propose_framework", fy)
    form = FrameworkForm(request.POST if request.method == "POST" else None, fund_year=fy)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            fw = services.propose_framework(
                fy,
                actor=request.user,
                allocations=form.allocations(),
                equity_pilot_share=d["equity_pilot_share"] or None,
                note=d["note"],
                title=d["title"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已提出%(title)s（草稿）。") % {"title": fw.title})
            return redirect("funds:framework_detail", fw.pk)
    return render(
        request, "funds/framework_form.html", {"form": form, "fund_year": fy, "summary": services.summary(fy)}
    )


@login_required
def framework_detail(request, pk: int):
    fw = _framework(request, pk)
    user = request.user
    allocations = list(fw.allocations.select_related("focus_area", "entry"))
    return render(
        request,
        "funds/framework_detail.html",
        {
            "framework": fw,
            "fund_year": fw.fund_year,
            "allocations": allocations,
            "total": sum((a.amount for a in allocations), 0),
            "pool_unallocated": accounts.pool_balance(fw.fund_year.year),
            "trail": list(trail_for(fw).order_by("seq")),
            "can_edit": fw.state in FRAMEWORK_EDITABLE and can(user, "funds.update_framework", fw),
            "can_submit": fw.state in FRAMEWORK_EDITABLE and can(user, "funds.submit_framework", fw),
            "can_decide": fw.state == FrameworkState.SUBMITTED and can(user, "funds.approve_framework", fw),
            "return_form": ReasonForm(auto_id="return_%s"),
            "approve_form": ReasonForm(auto_id="approve_%s"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def framework_edit(request, pk: int):
    fw = _framework(request, pk)
    require_can(request.user, "funds.update_framework", fw)
    if fw.state not in FRAMEWORK_EDITABLE:
        messages.error(request, _("只有草稿或已退回的框架配置可以修改。"))
        return redirect("funds:framework_detail", fw.pk)
    form = FrameworkForm(
        request.POST if request.method == "POST" else None, fund_year=fw.fund_year, framework=fw
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_framework(
                fw,
                actor=request.user,
                allocations=form.allocations(),
                equity_pilot_share=d["equity_pilot_share"] or None,
                note=d["note"],
                title=d["title"] or None,
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("框架配置已保存。"))
            return redirect("funds:framework_detail", fw.pk)
    return render(
        request,
        "funds/framework_form.html",
        {"form": form, "fund_year": fw.fund_year, "framework": fw, "summary": services.summary(fw.fund_year)},
    )


@login_required
@require_POST
def framework_submit(request, pk: int):
    fw = _framework(request, pk)
    run_service(request, services.submit_framework, fw, success=_("框架配置已报领导小组审定。"))
    return redirect("funds:framework_detail", fw.pk)


@login_required
@require_POST
def framework_approve(request, pk: int):
    fw = _framework(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    run_service(
        request,
        services.approve_framework,
        fw,
        reason=form.cleaned_data.get("reason", ""),
        success=_("框架配置已审定，各领域配置已入账。"),
    )
    return redirect("funds:framework_detail", fw.pk)


@login_required
@require_http_methods(["GET", "POST"])
def framework_return(request, pk: int):
    fw = _framework(request, pk)
    require_can(request.user, "funds.return_framework", fw)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.return_framework(fw, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("框架配置已退回办公室。"))
            return redirect("funds:framework_detail", fw.pk)
    return render(
        request, "funds/framework_return.html", {"form": form, "framework": fw, "fund_year": fw.fund_year}
    )
