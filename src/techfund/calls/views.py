"""Web pages of the calls. Thin: each page reads through the scopes and acts through the services.

Objects outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the form (nothing saved). The public pages (``public_list``/``public_detail``)
need no login and show published and closed calls only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.applications.enums import ApplicationState
from techfund.applications.forms import StartForm
from techfund.calls import services
from techfund.calls.enums import CallState
from techfund.calls.forms import CallForm, ReasonForm
from techfund.calls.models import Call
from techfund.calls.scopes import public_calls, sees_all_calls, visible_calls, with_details
from techfund.calls.transitions import CALL_EDITABLE
from techfund.core.enums import OrganisationKind, Qualification, Role
from techfund.core.errors import ServiceError
from techfund.core.models import Organisation
from techfund.core.permissions import can
from techfund.core.views.helpers import paginate, require_can, run_service
from techfund.funds.scopes import visible_fund_years
from techfund.policy.enums import SupportMode

#: Applications that reached the department (everything but drafts and withdrawn drafts).
SUBMITTED = ~Q(applications__state__in=[ApplicationState.DRAFT, ApplicationState.CANCELLED])


def _labels(call: Call) -> dict:
    return {
        "eligible_kinds": [
            OrganisationKind(k).label for k in call.eligible_kinds if k in OrganisationKind.values
        ],
        "qualifications": [
            Qualification(q).label for q in call.required_qualifications if q in Qualification.values
        ],
        "support_modes": [SupportMode(m).label for m in call.support_modes],
    }


# ---------------------------------------------------------------- public


def public_list(request):
    """The public list of calls (no login): those open for applications first, then the closed ones."""
    now = timezone.now()
    calls = list(
        public_calls().select_related("fund_year", "focus_area").order_by("state", "-closes_at", "code")
    )
    return render(
        request,
        "calls/public_list.html",
        {
            "open_calls": [c for c in calls if c.state == CallState.PUBLISHED and c.closes_at > now],
            "past_calls": [c for c in calls if not (c.state == CallState.PUBLISHED and c.closes_at > now)],
            "now": now,
        },
    )


def public_detail(request, pk: int):
    call = get_object_or_404(with_details(public_calls()), pk=pk)
    return render(
        request,
        "calls/public_detail.html",
        {"call": call, "labels": _labels(call), "is_open": services.is_open(call)},
    )


# ---------------------------------------------------------------- staff and applicants


@login_required
def call_list(request):
    user = request.user
    if not sees_all_calls(user):
        return redirect("calls:available")
    qs = (
        visible_calls(user)
        .select_related("fund_year", "focus_area")
        .annotate(submitted=Count("applications", filter=SUBMITTED))
        .order_by("-fund_year__year", "code")
    )
    state = request.GET.get("state", "")
    if state in CallState.values:
        qs = qs.filter(state=state)
    years = list(visible_fund_years(user).order_by("-year")) if can(user, "calls.create_call") else []
    return render(
        request,
        "calls/list.html",
        {"page": paginate(request, qs), "states": CallState.choices, "state": state, "years": years},
    )


@login_required
def available(request):
    """申报单位: the calls open for applications now, with whether each organisation may apply."""
    user = request.user
    now = timezone.now()
    calls = list(
        with_details(public_calls().filter(state=CallState.PUBLISHED, closes_at__gt=now)).order_by(
            "closes_at", "code"
        )
    )
    orgs = list(Organisation.objects.filter(pk__in=user.organisation_ids()).order_by("name"))
    rows = [
        {
            "call": c,
            "eligibility": [(o, services.eligibility(c, o)) for o in orgs],
            "opened": c.opens_at <= now,
        }
        for c in calls
    ]
    return render(
        request, "calls/available.html", {"rows": rows, "is_applicant": Role.APPLICANT in user.roles()}
    )


@login_required
def call_detail(request, pk: int):
    user = request.user
    call = get_object_or_404(with_details(visible_calls(user)), pk=pk)
    ctx = {
        "call": call,
        "labels": _labels(call),
        "is_open": services.is_open(call),
        "staff": sees_all_calls(user),
    }
    if ctx["staff"]:
        usage = {
            r["department_id"]: r
            for r in call.applications.values("department_id").annotate(
                submitted=Count(
                    "id", filter=~Q(state__in=[ApplicationState.DRAFT, ApplicationState.CANCELLED])
                ),
                forwarded=Count("id", filter=Q(batch__isnull=False)),
            )
        }
        ctx["quota_rows"] = [
            {
                "quota": q,
                "submitted": usage.get(q.department_id, {}).get("submitted", 0),
                "forwarded": usage.get(q.department_id, {}).get("forwarded", 0),
            }
            for q in call.quotas.all()
        ]
        for row in ctx["quota_rows"]:
            row["left"] = max(row["quota"].quota - row["forwarded"], 0)
        ctx.update(
            can_edit=call.state in CALL_EDITABLE and can(user, "calls.update_call", call),
            can_publish=call.state == CallState.DRAFT and can(user, "calls.publish_call", call),
            can_close=call.state == CallState.PUBLISHED and can(user, "calls.close_call", call),
            can_cancel=call.state in (CallState.DRAFT, CallState.PUBLISHED)
            and can(user, "calls.cancel_call", call),
        )
    if Role.APPLICANT in user.roles():
        orgs = list(Organisation.objects.filter(pk__in=user.organisation_ids()).order_by("name"))
        ctx["eligibility"] = [(o, services.eligibility(call, o)) for o in orgs]
        now = timezone.now()
        if call.state == CallState.PUBLISHED and now < call.closes_at:
            ctx["start_form"] = StartForm(call=call, organisations=orgs)
        ctx["my_applications"] = list(
            call.applications.filter(organisation_id__in=[o.pk for o in orgs]).order_by("-created_at")
        )
    return render(request, "calls/detail.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def call_new(request, year: int):
    fy = get_object_or_404(visible_fund_years(request.user).select_related("profile"), year=year)
    require_can(request.user, "calls.create_call", fy)
    departments = services.routing_departments(fy.profile)
    form = CallForm(request.POST if request.method == "POST" else None, fund_year=fy, departments=departments)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.create_call(fy, actor=request.user, **form.service_data())
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("申报指南“%(code)s”已保存为草稿。") % {"code": call.code})
            return redirect("calls:detail", call.pk)
    return render(request, "calls/form.html", {"form": form, "fund_year": fy})


@login_required
@require_http_methods(["GET", "POST"])
def call_edit(request, pk: int):
    call = get_object_or_404(
        with_details(visible_calls(request.user)).select_related("fund_year__profile"), pk=pk
    )
    require_can(request.user, "calls.update_call", call)
    if call.state not in CALL_EDITABLE:
        messages.error(request, _("只有草稿状态的申报指南可以修改。"))
        return redirect("calls:detail", call.pk)
    departments = services.routing_departments(call.fund_year.profile)
    form = CallForm(
        request.POST if request.method == "POST" else None,
        fund_year=call.fund_year,
        departments=departments,
        call=call,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_call(call, actor=request.user, **form.service_data())
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("申报指南已保存。"))
            return redirect("calls:detail", call.pk)
    return render(request, "calls/form.html", {"form": form, "fund_year": call.fund_year, "call": call})


def _act(request, pk: int, fn, success: str, **kwargs):
    call = get_object_or_404(visible_calls(request.user), pk=pk)
    run_service(request, fn, call, success=success, **kwargs)
    return redirect("calls:detail", call.pk)


@login_required
@require_POST
def call_publish(request, pk: int):
    return _act(request, pk, services.publish_call, _("申报指南已发布，公众可在“申报指南公开”页面查看。"))


@login_required
@require_POST
def call_close(request, pk: int):
    return _act(request, pk, services.close_call, _("已截止申报。"))


@login_required
@require_http_methods(["GET", "POST"])
def call_cancel(request, pk: int):
    call = get_object_or_404(visible_calls(request.user).select_related("fund_year"), pk=pk)
    require_can(request.user, "calls.cancel_call", call)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_call(call, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("申报指南已撤销。"))
            return redirect("calls:detail", call.pk)
    return render(request, "calls/cancel.html", {"form": form, "call": call})
