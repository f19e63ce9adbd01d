"""Web pages of post-award subsidies and competition prizes. Thin: each page reads through the scopes
and acts through the services. Records outside the user's scope answer 404; actions the user may not
take answer 403; a service's refusal is shown on the form (nothing saved) with status 200."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.awards import services
from techfund.awards.forms import ApplyForm, DiligenceForm, VerifyForm
from techfund.awards.models import AwardPayment, AwardVerification
from techfund.awards.rules import may_instruct, may_verify
from techfund.awards.scopes import (
    sees_awards,
    visible_award_payments,
    visible_award_projects,
    visible_competitions,
    visible_diligence,
)
from techfund.core.errors import ServiceError
from techfund.core.permissions import can
from techfund.core.views.helpers import require_can
from techfund.decisions.enums import BatchState
from techfund.decisions.models import ProposalBatch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _guard(request) -> None:
    if not sees_awards(request.user):
        raise Http404


def _call(request, pk: int):
    return get_object_or_404(visible_competitions(request.user).select_related("fund_year__profile"), pk=pk)


@login_required
def overview(request):
    _guard(request)
    user = request.user
    calls = list(
        visible_competitions(user)
        .select_related("fund_year", "focus_area")
        .order_by("-fund_year__year", "code")
    )
    projects = list(
        visible_award_projects(user)
        .select_related("organisation", "department", "fund_year", "item__application__call")
        .order_by("-fund_year__year", "number")
    )
    paid = {p.project_id: p for p in visible_award_payments(user)}
    verified = {
        v.project_id: v for v in AwardVerification.objects.filter(project__in=[p.pk for p in projects])
    }
    for p in projects:
        p.award_kind = services.kind_of(p)
        p.award_paid = paid.get(p.pk)
        p.award_verified = verified.get(p.pk)
    return render(
        request,
        "awards/overview.html",
        {
            "calls": calls,
            "projects": projects,
            "can_schedule": can(user, "awards.view_schedule"),
        },
    )


def _schedule_page(request, call, form=None, status=200):
    user = request.user
    sched = services.prize_schedule(call)
    batches = list(
        ProposalBatch.objects.filter(fund_year=call.fund_year, state=BatchState.DRAFT).order_by("-number")
    )
    may_apply = can(user, "awards.apply_prizes", call)
    if may_apply and form is None and batches:
        form = ApplyForm(batches=batches)
    return render(
        request,
        "awards/schedule.html",
        {
            "call": call,
            "schedule": sched,
            "form": form if may_apply else None,
            "may_apply": may_apply,
            "may_record": can(user, "awards.record_diligence", call),
            "can_export": can(user, "awards.export", call),
        },
        status=status,
    )


@login_required
def schedule(request, pk: int):
    _guard(request)
    call = _call(request, pk)
    require_can(request.user, "awards.view_schedule", call)
    return _schedule_page(request, call)


@login_required
@require_POST
def apply(request, pk: int):
    _guard(request)
    call = _call(request, pk)
    require_can(request.user, "awards.apply_prizes", call)
    batches = list(ProposalBatch.objects.filter(fund_year=call.fund_year, state=BatchState.DRAFT))
    form = ApplyForm(request.POST, batches=batches)
    if form.is_valid():
        try:
            items = services.apply_prizes(call, actor=request.user, batch=int(form.cleaned_data["batch"]))
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已将 %(n)d 项奖补列入立项建议。") % {"n": len(items)})
            return redirect("awards:schedule", call.pk)
    return _schedule_page(request, call, form=form)


@login_required
def schedule_export(request, pk: int):
    _guard(request)
    call = _call(request, pk)
    require_can(request.user, "awards.export", call)
    result = services.export_prizes(call, actor=request.user)
    response = HttpResponse(result.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    return response


@login_required
def diligence_list(request, pk: int):
    _guard(request)
    call = _call(request, pk)
    records = list(
        visible_diligence(request.user)
        .filter(call=call)
        .select_related("application__organisation", "recorded_by")
    )
    return render(
        request,
        "awards/diligence_list.html",
        {"call": call, "records": records, "may_record": can(request.user, "awards.record_diligence", call)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def diligence_new(request, pk: int):
    _guard(request)
    call = _call(request, pk)
    require_can(request.user, "awards.record_diligence", call)
    sched = services.prize_schedule(call)
    form = DiligenceForm(request.POST or None, finalists=sched.lines)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_diligence(
                call,
                actor=request.user,
                application=d["application"],
                conducted_on=d["conducted_on"],
                investigators=d["investigators"],
                findings=d["findings"],
                conclusion=d["conclusion"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("尽职调查已登记。"))
            return redirect("awards:diligence_list", call.pk)
    return render(request, "awards/diligence_form.html", {"call": call, "form": form, "schedule": sched})


def _project_page(request, project, form=None, status=200):
    user = request.user
    kind, amount, verification = services.payable(project)
    verification = verification or AwardVerification.objects.filter(project=project).first()
    verifying = may_verify(user, project) and verification is None and kind == "subsidy"
    from techfund.treasury.services import instructions_for

    return render(
        request,
        "awards/project.html",
        {
            "project": project,
            "kind": kind,
            "amount": amount,
            "verification": verification,
            "payment": AwardPayment.objects.filter(project=project).select_related("instruction").first(),
            "instructions": list(instructions_for(project).order_by("-created_at")),
            "form": (form or VerifyForm()) if verifying else None,
            "may_instruct": may_instruct(user, project),
            "policy": {
                "ratio": project.fund_year.profile.rule("post_award.subsidy_ratio"),
                "cap": project.fund_year.profile.rule("post_award.per_project_cap"),
            },
        },
        status=status,
    )


def _project(request, pk: int):
    return get_object_or_404(
        visible_award_projects(request.user).select_related(
            "fund_year__profile", "organisation", "department", "focus_area", "item__application__call"
        ),
        pk=pk,
    )


@login_required
def project(request, pk: int):
    _guard(request)
    return _project_page(request, _project(request, pk))


@login_required
@require_POST
def verify(request, pk: int):
    _guard(request)
    p = _project(request, pk)
    require_can(request.user, "awards.verify", p)
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.verify_achievement(
                p,
                actor=request.user,
                evidence=form.cleaned_data["evidence"],
                eligible_spending=form.cleaned_data["eligible_spending"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("核验已登记。"))
            return redirect("awards:project", p.pk)
    return _project_page(request, p, form=form)


@login_required
@require_POST
def instruct(request, pk: int):
    _guard(request)
    p = _project(request, pk)
    require_can(request.user, "awards.instruct", p)
    try:
        i = services.instruct_payment(p, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已生成支付指令 %(n)s，待编入批次发送国库。") % {"n": i.number})
    return redirect("awards:project", p.pk)
