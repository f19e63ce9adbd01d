"""Web pages of 一事一议: the list, the office's request form (with its performance-target and
milestone rows), the request page with the leading group's decision, and the project-page panel.
Thin: each page reads through the scopes and acts through the services.

Requests outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the form (nothing saved) with status 200.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from techfund.core.errors import ServiceError
from techfund.core.models import Department
from techfund.core.permissions import can
from techfund.core.views.helpers import require_can
from techfund.emergency import services
from techfund.emergency.enums import RequestState
from techfund.emergency.forms import (
    DecideForm,
    MilestoneFormSet,
    RequestForm,
    TargetFormSet,
    apply_request_error,
    filled_rows,
)
from techfund.emergency.scopes import sees_requests, visible_requests
from techfund.funds.scopes import visible_fund_years

LIST_RELATED = ("fund_year", "organisation", "department", "focus_area", "project")


def project_url(project) -> str | None:
    """The project's page, once the projects stage serves it."""
    if project is None:
        return None
    try:
        return reverse("projects:project_detail", args=[project.pk])
    except NoReverseMatch:
        return None


def _request(request, pk: int):
    return get_object_or_404(
        visible_requests(request.user).select_related(
            *LIST_RELATED, "fund_year__profile", "submitted_by", "decided_by"
        ),
        pk=pk,
    )


@login_required
def request_list(request):
    if not sees_requests(request.user):
        raise Http404
    qs = visible_requests(request.user).select_related(*LIST_RELATED)
    state = request.GET.get("state", "")
    if state in RequestState.values:
        qs = qs.filter(state=state)
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(fund_year__year=int(year))
    return render(
        request,
        "emergency/request_list.html",
        {
            "requests": list(qs.order_by("-fund_year__year", "-number")),
            "states": RequestState.choices,
            "state": state,
            "can_submit": can(request.user, "emergency.submit"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    if not sees_requests(request.user):
        raise Http404
    require_can(request.user, "emergency.submit")
    years = list(visible_fund_years(request.user).select_related("profile").order_by("-year"))
    if not years:
        raise Http404
    param = request.POST.get("year") or request.GET.get("year") or ""
    fund_year = next((fy for fy in years if str(fy.year) == param), years[0])
    areas = list(fund_year.profile.focus_areas.all())
    departments = list(Department.objects.order_by("code"))
    post = request.POST if request.method == "POST" else None
    form = RequestForm(post, departments=departments, focus_areas=areas)
    targets = TargetFormSet(post, prefix="targets")
    milestones = MilestoneFormSet(post, prefix="milestones")
    allowed = services.emergency_allowed(fund_year)
    if request.method == "POST" and all([form.is_valid(), targets.is_valid(), milestones.is_valid()]):
        target_rows, target_index = filled_rows(targets)
        milestone_rows, milestone_index = filled_rows(milestones)
        d = form.cleaned_data
        try:
            req = services.submit_emergency(
                fund_year,
                actor=request.user,
                title=d["title"],
                organisation=d["organisation"],
                department=d["department"],
                focus_area=d["focus_area"],
                amount=d["amount"],
                justification=d["justification"],
                basis=d["basis"],
                content=d["content"],
                start_date=d["start_date"],
                end_date=d["end_date"],
                targets=target_rows,
                milestones=milestone_rows,
            )
        except ServiceError as exc:
            apply_request_error(exc, form, targets, milestones, target_index, milestone_index)
        else:
            messages.success(
                request, _("已提出一事一议申请 %(number)s，报领导小组审定。") % {"number": req.number}
            )
            return redirect("emergency:request_detail", req.pk)
    rooms = [(a, services.remaining_for_emergency(fund_year, a)) for a in areas]
    return render(
        request,
        "emergency/request_form.html",
        {
            "form": form,
            "targets": targets,
            "milestones": milestones,
            "fund_year": fund_year,
            "years": years,
            "rooms": rooms,
            "allowed": allowed,
        },
    )


@login_required
def request_detail(request, pk: int):
    req = _request(request, pk)
    may_decide = req.state == RequestState.SUBMITTED and can(request.user, "emergency.decide", req)
    room = (
        services.remaining_for_emergency(req.fund_year, req.focus_area, exclude=req)
        if req.state == RequestState.SUBMITTED
        else None
    )
    return render(
        request,
        "emergency/request_detail.html",
        {
            "req": req,
            "targets": list(req.targets.all()),
            "milestones": list(req.milestones.all()),
            "may_decide": may_decide,
            "decide_form": DecideForm() if may_decide else None,
            "room": room,
            "project_url": project_url(req.project),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_decide(request, pk: int):
    req = _request(request, pk)
    require_can(request.user, "emergency.decide", req)
    if request.method == "GET" and req.state != RequestState.SUBMITTED:
        messages.info(request, _("该申请已审定（%(state)s）。") % {"state": req.get_state_display()})
        return redirect("emergency:request_detail", req.pk)
    form = DecideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        fn = services.approve_emergency if approve else services.reject_emergency
        try:
            fn(req, actor=request.user, basis=form.cleaned_data["basis"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            req.refresh_from_db()
            if approve:
                messages.success(
                    request,
                    _("已审定同意：项目 %(number)s 已立项，任务书已生成，待双方签订。")
                    % {"number": req.project.number},
                )
            else:
                messages.success(request, _("已审定不同意一事一议申请 %(number)s。") % {"number": req.number})
            return redirect("emergency:request_detail", req.pk)
    return render(request, "emergency/request_decide.html", {"req": req, "form": form})
