"""Web pages of the proposal list, the leading group's decision, publicity and objections (staff side).
Thin: each page reads through the scopes and acts through the services.

Objects outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the form (nothing saved) with status 200.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.applications.models import Application
from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.core.permissions import can
from techfund.core.services.audit import target_type_of
from techfund.core.views.helpers import require_can, run_service
from techfund.decisions import services
from techfund.decisions.enums import BatchState, ItemState, ObjectionState, PublicityState
from techfund.decisions.forms import BatchForm, DecideForm, ItemForm, PublicityForm, ResolveForm
from techfund.decisions.models import Objection, ProposalItem
from techfund.decisions.scopes import (
    reads_everything,
    sees_items,
    visible_batches,
    visible_items,
    visible_objections,
    visible_publicities,
)
from techfund.decisions.transitions import LIVE_ITEM_STATES, NO_REVIEW_MODES
from techfund.funds.scopes import visible_fund_years
from techfund.review.models import RoundResult


def _batch(request, pk: int):
    return get_object_or_404(visible_batches(request.user).select_related("fund_year__profile"), pk=pk)


def _item(request, pk: int):
    return get_object_or_404(
        visible_items(request.user).select_related(
            "batch__fund_year",
            "application__call",
            "application__organisation",
            "application__department",
            "implementing_organisation",
            "focus_area",
            "publicity",
        ),
        pk=pk,
    )


ITEM_RELATED = ("application__organisation", "implementing_organisation", "focus_area")


def _trail(obj, related_model, related_ids):
    """The events about ``obj`` and about the related records, oldest first (one query)."""
    q = Q(target_type=target_type_of(obj), target_id=str(obj.pk))
    q |= Q(target_type=related_model._meta.label_lower, target_id__in=[str(i) for i in related_ids])
    return list(AuditEvent.objects.filter(q).select_related("actor").order_by("seq"))


# ---------------------------------------------------------------- batches


@login_required
def batch_list(request):
    if not reads_everything(request.user):
        raise Http404
    batches = (
        visible_batches(request.user)
        .select_related("fund_year")
        .annotate(n=Count("items"), total=Sum("items__amount"))
        .order_by("-fund_year__year", "-number")
    )
    return render(
        request,
        "decisions/batch_list.html",
        {"batches": list(batches), "can_create": can(request.user, "decisions.create_batch")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_new(request):
    if not reads_everything(request.user):
        raise Http404
    require_can(request.user, "decisions.create_batch")
    years = list(visible_fund_years(request.user).order_by("-year"))
    form = BatchForm(request.POST if request.method == "POST" else None, fund_years=years)
    if request.method == "POST" and form.is_valid():
        fy = get_object_or_404(visible_fund_years(request.user), year=form.cleaned_data["fund_year"])
        try:
            batch = services.create_batch(
                fy, actor=request.user, title=form.cleaned_data["title"], note=form.cleaned_data["note"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已新建%(title)s。") % {"title": batch.title})
            return redirect("decisions:batch_detail", batch.pk)
    return render(request, "decisions/batch_form.html", {"form": form})


def candidates(fund_year):
    """Applications of the year that may be proposed, best ranked first, with their latest review result."""
    live = ProposalItem.objects.filter(state__in=LIVE_ITEM_STATES).values("application_id")
    apps = (
        Application.objects.filter(call__fund_year=fund_year)
        .filter(Q(state="reviewed") | Q(state="formal_passed", call__establishment_mode__in=NO_REVIEW_MODES))
        .exclude(pk__in=live)
        .select_related("call__focus_area", "organisation", "department")
    )
    apps = list(apps)
    results = {}
    for r in (
        RoundResult.objects.filter(application__in=apps)
        .select_related("round")
        .order_by("application_id", "-round__sequence", "-id")
    ):
        results.setdefault(r.application_id, r)
    for a in apps:
        a.result = results.get(a.pk)
    apps.sort(
        key=lambda a: (
            a.call.focus_area.order,
            a.result.rank if a.result else 10**9,
            -(a.result.score if a.result else 0),
            a.pk,
        )
    )
    return apps


@login_required
def batch_detail(request, pk: int):
    batch = _batch(request, pk)
    user = request.user
    items = list(
        batch.items.select_related(*ITEM_RELATED, "application").order_by(
            "focus_area__order", "review_rank", "id"
        )
    )
    may_propose = batch.state == BatchState.DRAFT and can(user, "decisions.propose_item", batch)
    may_decide = batch.state == BatchState.SUBMITTED and can(user, "decisions.decide_item")
    for it in items:
        it.decide_form = (
            DecideForm(prefix=f"item{it.pk}") if may_decide and it.state == ItemState.PROPOSED else None
        )
    return render(
        request,
        "decisions/batch_detail.html",
        {
            "batch": batch,
            "fund_year": batch.fund_year,
            "items": items,
            "total": sum((i.amount for i in items), 0),
            "areas": services.remaining_by_area(batch.fund_year),
            "candidates": candidates(batch.fund_year) if may_propose else [],
            "may_propose": may_propose,
            "may_remove": may_propose and can(user, "decisions.remove_item"),
            "may_submit": may_propose and bool(items) and can(user, "decisions.submit_batch", batch),
            "may_decide": may_decide,
            "trail": _trail(batch, ProposalItem, [i.pk for i in items]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request, pk: int, application_id: int):
    batch = _batch(request, pk)
    require_can(request.user, "decisions.propose_item", batch)
    if batch.state != BatchState.DRAFT:
        messages.error(request, _("该批次已报领导小组，不能再添加项目。"))
        return redirect("decisions:batch_detail", batch.pk)
    app = get_object_or_404(
        Application.objects.select_related("call__focus_area", "organisation", "department"),
        pk=application_id,
        call__fund_year=batch.fund_year,
    )
    result = services.latest_result(app)
    initial = {"amount": app.requested_amount, "support_mode": app.support_mode}
    form = ItemForm(request.POST if request.method == "POST" else None, call=app.call, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.propose_item(
                batch,
                actor=request.user,
                application=app,
                amount=d["amount"],
                support_mode=d["support_mode"],
                implementing_organisation=d["implementing_organisation"] or None,
                note=d["note"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已将“%(t)s”列入%(b)s。") % {"t": app.title, "b": batch.title})
            return redirect("decisions:batch_detail", batch.pk)
    remaining = services.remaining_allocation(batch.fund_year, app.call.focus_area)
    return render(
        request,
        "decisions/item_form.html",
        {"batch": batch, "application": app, "result": result, "form": form, "remaining": remaining},
    )


@login_required
@require_POST
def item_remove(request, pk: int):
    item = _item(request, pk)
    batch_id = item.batch_id
    run_service(
        request,
        services.remove_item,
        item,
        success=_("已将“%(t)s”撤出立项建议。") % {"t": item.application.title},
    )
    return redirect("decisions:batch_detail", batch_id)


@login_required
@require_POST
def batch_submit(request, pk: int):
    batch = _batch(request, pk)
    run_service(
        request, services.submit_batch, batch, success=_("已报领导小组审定，各项目金额已在领域配置中预留。")
    )
    return redirect("decisions:batch_detail", batch.pk)


@login_required
@require_http_methods(["GET", "POST"])
def item_decide(request, pk: int):
    item = _item(request, pk)
    require_can(request.user, "decisions.decide_item", item)
    prefix = f"item{item.pk}"
    form = DecideForm(request.POST if request.method == "POST" else None, prefix=prefix)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.decide_item(
                item, actor=request.user, decision=d["decision"], basis=d["basis"], amount=d["amount"] or None
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已审定“%(t)s”。") % {"t": item.application.title})
            return redirect("decisions:batch_detail", item.batch_id)
    return render(request, "decisions/item_decide.html", {"item": item, "form": form})


# ---------------------------------------------------------------- items


@login_required
def item_list(request):
    if not sees_items(request.user):
        raise Http404
    qs = visible_items(request.user).select_related(*ITEM_RELATED, "application", "batch__fund_year")
    state = request.GET.get("state", "")
    if state in ItemState.values:
        qs = qs.filter(state=state)
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(batch__fund_year__year=int(year))
    return render(
        request,
        "decisions/item_list.html",
        {
            "items": list(qs.order_by("-batch__fund_year__year", "batch__number", "focus_area__order", "id")),
            "states": ItemState.choices,
            "state": state,
        },
    )


@login_required
def item_detail(request, pk: int):
    item = _item(request, pk)
    objections = (
        list(visible_objections(request.user).filter(item=item).order_by("id"))
        if reads_everything(request.user)
        else []
    )
    return render(
        request,
        "decisions/item_detail.html",
        {
            "item": item,
            "objections": objections,
            "show_objections": reads_everything(request.user),
            "may_decide": item.batch.state == BatchState.SUBMITTED
            and item.state == ItemState.PROPOSED
            and can(request.user, "decisions.decide_item", item),
        },
    )


# ---------------------------------------------------------------- publicity


@login_required
def publicity_list(request):
    if not reads_everything(request.user):
        raise Http404
    qs = (
        visible_publicities(request.user)
        .select_related("fund_year")
        .annotate(
            n=Count("items", distinct=True),
            open_objections=Count(
                "objections", filter=Q(objections__state=ObjectionState.OPEN), distinct=True
            ),
        )
        .order_by("-starts_on", "-number")
    )
    return render(
        request,
        "decisions/publicity_list.html",
        {"publicities": list(qs), "can_publish": can(request.user, "decisions.publish_publicity")},
    )


def _parse_date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def publicity_new(request):
    if not reads_everything(request.user):
        raise Http404
    require_can(request.user, "decisions.publish_publicity")
    years = list(visible_fund_years(request.user).select_related("profile").order_by("-year"))
    if not years:
        raise Http404
    year_param = request.POST.get("year") or request.GET.get("year") or ""
    fund_year = next((fy for fy in years if str(fy.year) == year_param), years[0])
    approved = list(
        visible_items(request.user)
        .filter(batch__fund_year=fund_year, state=ItemState.APPROVED, publicity__isnull=True)
        .select_related(*ITEM_RELATED, "application", "batch")
        .order_by("focus_area__order", "review_rank", "id")
    )
    form = PublicityForm(
        request.POST if request.method == "POST" else None,
        items=approved,
        initial={"items": [str(i.pk) for i in approved]},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            p = services.publish_publicity(
                fund_year, actor=request.user, items=d["items"], starts_on=d["starts_on"], title=d["title"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已发布%(t)s，公示期 %(s)s 至 %(e)s。") % {"t": p.title, "s": p.starts_on, "e": p.ends_on},
            )
            return redirect("decisions:publicity_detail", p.pk)
    # The computed period for the chosen (or default) start date, shown before publishing.
    preview_start = _parse_date(request.GET.get("starts_on", "")) or (
        form.cleaned_data.get("starts_on") if form.is_bound and hasattr(form, "cleaned_data") else None
    )
    period, period_error = None, None
    try:
        period = services.publicity_period(fund_year, preview_start)
    except ServiceError as exc:
        period_error = exc.message
    return render(
        request,
        "decisions/publicity_new.html",
        {
            "form": form,
            "fund_year": fund_year,
            "years": years,
            "approved": approved,
            "period": period,
            "period_error": period_error,
        },
    )


@login_required
def publicity_detail(request, pk: int):
    p = get_object_or_404(visible_publicities(request.user).select_related("fund_year"), pk=pk)
    items = list(services.publicity_items(p))
    objections = list(p.objections.select_related("item__application", "resolved_by").order_by("id"))
    open_n = sum(1 for o in objections if o.state == ObjectionState.OPEN)
    today = timezone.localdate()
    return render(
        request,
        "decisions/publicity_detail.html",
        {
            "publicity": p,
            "items": items,
            "objections": objections,
            "open_objections": open_n,
            "period_over": today > p.ends_on,
            "may_end": p.state == PublicityState.OPEN and can(request.user, "decisions.end_publicity", p),
            "may_resolve": can(request.user, "decisions.resolve_objection"),
            "trail": _trail(p, Objection, [o.pk for o in objections]),
        },
    )


@login_required
@require_POST
def publicity_end(request, pk: int):
    p = get_object_or_404(visible_publicities(request.user), pk=pk)
    run_service(request, services.end_publicity, p, success=_("公示已办结，无异议的项目已正式立项。"))
    return redirect("decisions:publicity_detail", p.pk)


# ---------------------------------------------------------------- objections


@login_required
def objection_list(request):
    if not reads_everything(request.user):
        raise Http404
    state = request.GET.get("state", ObjectionState.OPEN)
    qs = visible_objections(request.user).select_related("item__application", "publicity")
    if state in ObjectionState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "decisions/objection_list.html",
        {"objections": list(qs.order_by("filed_at", "id")), "states": ObjectionState.choices, "state": state},
    )


@login_required
@require_http_methods(["GET", "POST"])
def objection_detail(request, pk: int):
    o = get_object_or_404(
        visible_objections(request.user).select_related(
            "publicity", "item__application", "item__implementing_organisation", "resolved_by"
        ),
        pk=pk,
    )
    may_resolve = o.state == ObjectionState.OPEN and can(request.user, "decisions.resolve_objection", o)
    form = None
    if may_resolve or request.method == "POST":
        require_can(request.user, "decisions.resolve_objection", o)
        form = ResolveForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            upheld = form.cleaned_data["outcome"] == "upheld"
            try:
                services.resolve_objection(
                    o, actor=request.user, upheld=upheld, reply=form.cleaned_data["reply"]
                )
            except ServiceError as exc:
                form.apply_service_error(exc)
            else:
                messages.success(
                    request,
                    _("异议已处理：异议成立，项目已撤销。") if upheld else _("异议已处理：异议不成立。"),
                )
                return redirect("decisions:objection_detail", o.pk)
    return render(request, "decisions/objection_detail.html", {"objection": o, "form": form})
