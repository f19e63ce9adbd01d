"""Web pages of suspension, termination and recovery. Thin: each page reads through the scopes and acts
through the services.

Records outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the form (nothing saved) with status 200.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.core.permissions import can
from techfund.core.services.audit import target_type_of
from techfund.core.views.helpers import paginate, require_can
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import visible_projects
from techfund.sanctions import services
from techfund.sanctions.enums import RecoveryState, SanctionKind, SanctionState
from techfund.sanctions.forms import DecideForm, ProposeForm, ReceiptForm, RecoveryForm
from techfund.sanctions.models import RecoveryReceipt
from techfund.sanctions.rules import may_confirm, may_decide, may_receive
from techfund.sanctions.scopes import (
    sees_sanctions,
    visible_recoveries,
    visible_sanctions,
    with_received,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROJECT_RELATED = ("project__organisation", "project__department", "project__focus_area")
ORDER_RELATED = (*PROJECT_RELATED, "proposed_by", "decided_by", "release_entry")
RECOVERY_RELATED = (*PROJECT_RELATED, "issued_by", "decided_by")


def _guard(request) -> None:
    if not sees_sanctions(request.user):
        raise Http404


def _orders(request):
    return visible_sanctions(request.user).select_related(*ORDER_RELATED)


def _recoveries(request):
    return with_received(visible_recoveries(request.user)).select_related(*RECOVERY_RELATED)


def _project(request, pk: int):
    return get_object_or_404(
        visible_projects(request.user).select_related(
            "fund_year__profile", "organisation", "department", "focus_area"
        ),
        pk=pk,
    )


def _trail(obj, related_model=None, related_ids=()):
    """The events about ``obj`` and about the related records, oldest first (one query)."""
    q = Q(target_type=target_type_of(obj), target_id=str(obj.pk))
    if related_model is not None:
        q |= Q(target_type=related_model._meta.label_lower, target_id__in=[str(i) for i in related_ids])
    return list(AuditEvent.objects.filter(q).select_related("actor").order_by("seq"))


# ---------------------------------------------------------------- overview


@login_required
def overview(request):
    """What needs finance, what is in force, and the money still owed."""
    _guard(request)
    orders = _orders(request)
    waiting = list(orders.filter(state=SanctionState.PROPOSED).order_by("proposed_at", "id"))
    suspensions, seen = [], set()
    for o in orders.filter(
        kind=SanctionKind.SUSPEND, state=SanctionState.EFFECTIVE, project__state=ProjectState.SUSPENDED
    ).order_by("project_id", "-decided_at", "-id"):
        if o.project_id not in seen:  # the suspension in force: the project's latest
            seen.add(o.project_id)
            suspensions.append(o)
    terminations = list(
        orders.filter(kind=SanctionKind.TERMINATE, state=SanctionState.EFFECTIVE).order_by(
            "-decided_at", "-id"
        )
    )
    recoveries = _recoveries(request)
    waiting_recoveries = list(recoveries.filter(state=RecoveryState.PROPOSED).order_by("issued_at", "id"))
    outstanding = list(recoveries.filter(state=RecoveryState.OPEN).order_by("deadline", "id"))
    today = timezone.localdate()
    for r in outstanding:
        r.overdue = r.deadline < today
    received = (
        RecoveryReceipt.objects.filter(order__in=visible_recoveries(request.user)).aggregate(s=Sum("amount"))[
            "s"
        ]
        or 0
    )
    return render(
        request,
        "sanctions/overview.html",
        {
            "waiting": waiting,
            "waiting_recoveries": waiting_recoveries,
            "suspensions": suspensions,
            "terminations": terminations,
            "outstanding": outstanding,
            "released_total": sum((o.released_amount or 0 for o in terminations), 0),
            "outstanding_total": sum((r.outstanding for r in outstanding), 0),
            "received_total": received,
            "can_export": can(request.user, "sanctions.export"),
        },
    )


@login_required
def export(request):
    _guard(request)
    require_can(request.user, "sanctions.export")
    result = services.export_register(actor=request.user)
    response = HttpResponse(result.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    response["X-Rows"] = str(result.rows)
    return response


# ---------------------------------------------------------------- sanction orders


@login_required
def order_list(request):
    _guard(request)
    qs = _orders(request)
    state, kind = request.GET.get("state", ""), request.GET.get("kind", "")
    if state in SanctionState.values:
        qs = qs.filter(state=state)
    if kind in SanctionKind.values:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "sanctions/order_list.html",
        {
            "page": paginate(request, qs.order_by("-proposed_at", "-id")),
            "states": SanctionState.choices,
            "kinds": SanctionKind.choices,
            "state": state,
            "kind": kind,
        },
    )


def _order_page(request, order, form=None, status=200):
    user = request.user
    deciding = may_decide(user, order)
    if deciding and form is None:
        form = DecideForm()
    figures = services.project_figures(order.project)
    return render(
        request,
        "sanctions/order_detail.html",
        {
            "order": order,
            "project": order.project,
            "figures": figures,
            "form": form if deciding else None,
            "advice": services.recovery_advice(order.project, figures),
            "may_issue_recovery": can(user, "sanctions.issue_recovery", order.project),
            "trail": _trail(order),
        },
        status=status,
    )


@login_required
def order_detail(request, pk: int):
    _guard(request)
    return _order_page(request, get_object_or_404(_orders(request), pk=pk))


@login_required
@require_POST
def order_decide(request, pk: int):
    _guard(request)
    order = get_object_or_404(_orders(request), pk=pk)
    require_can(request.user, "sanctions.decide", order)
    form = DecideForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.decide_sanction(order, actor=request.user, decision=d["decision"], opinion=d["opinion"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            if d["decision"] == "concur":
                done = _("已会签同意，%(kind)s已生效。") % {"kind": SanctionKind(order.kind).label}
            else:
                done = _("已会签不同意，建议退回办公室。")
            messages.success(request, done)
            return redirect("sanctions:order_detail", order.pk)
    return _order_page(request, order, form)


@login_required
@require_http_methods(["GET", "POST"])
def order_new(request, project_id: int):
    _guard(request)
    project = _project(request, project_id)
    require_can(request.user, "sanctions.propose", project)
    kinds = []
    for kind in SanctionKind.values:
        try:
            services.check_move(project, kind)
        except ServiceError:
            continue
        kinds.append(kind)
    pending = services.open_order(project)
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in kinds else {}
    form = ProposeForm(request.POST if request.method == "POST" else None, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order = services.propose_sanction(
                project, actor=request.user, kind=d["kind"], reason=d["reason"], basis=d["basis"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已提出%(kind)s建议 %(number)s，待财政部门会签后生效。")
                % {"kind": SanctionKind(order.kind).label, "number": order.number},
            )
            return redirect("sanctions:order_detail", order.pk)
    return render(
        request,
        "sanctions/order_form.html",
        {
            "project": project,
            "form": form,
            "kinds": kinds,
            "pending": pending,
            "figures": services.project_figures(project),
        },
    )


# ---------------------------------------------------------------- recovery orders


@login_required
def recovery_list(request):
    _guard(request)
    qs = _recoveries(request)
    state = request.GET.get("state", "")
    if state in RecoveryState.values:
        qs = qs.filter(state=state)
    page = paginate(request, qs.order_by("-issued_at", "-id"))
    today = timezone.localdate()
    for r in page:
        r.overdue = r.state == RecoveryState.OPEN and r.deadline < today
    return render(
        request,
        "sanctions/recovery_list.html",
        {"page": page, "states": RecoveryState.choices, "state": state},
    )


def _recovery_page(request, recovery, *, decide_form=None, receipt_form=None):
    user = request.user
    confirming, receiving = may_confirm(user, recovery), may_receive(user, recovery)
    receipts = list(recovery.receipts.select_related("recorded_by").order_by("received_on", "id"))
    return render(
        request,
        "sanctions/recovery_detail.html",
        {
            "recovery": recovery,
            "project": recovery.project,
            "overdue": recovery.state == RecoveryState.OPEN and recovery.deadline < timezone.localdate(),
            "receipts": receipts,
            "decide_form": (decide_form or DecideForm()) if confirming else None,
            "receipt_form": (receipt_form or ReceiptForm()) if receiving else None,
            "trail": _trail(recovery, RecoveryReceipt, [r.pk for r in receipts]),
        },
    )


def _recovery(request, pk: int):
    return get_object_or_404(_recoveries(request), pk=pk)


@login_required
def recovery_detail(request, pk: int):
    _guard(request)
    return _recovery_page(request, _recovery(request, pk))


@login_required
@require_POST
def recovery_decide(request, pk: int):
    _guard(request)
    recovery = _recovery(request, pk)
    require_can(request.user, "sanctions.decide_recovery", recovery)
    form = DecideForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.decide_recovery(
                recovery, actor=request.user, decision=d["decision"], opinion=d["opinion"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("追回通知已确认下达。")
                if d["decision"] == "concur"
                else _("已确认不同意，追回通知退回办公室。"),
            )
            return redirect("sanctions:recovery_detail", recovery.pk)
    return _recovery_page(request, recovery, decide_form=form)


@login_required
@require_POST
def receipt_new(request, pk: int):
    _guard(request)
    recovery = _recovery(request, pk)
    require_can(request.user, "sanctions.record_receipt", recovery)
    form = ReceiptForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            receipt = services.record_receipt(
                recovery,
                actor=request.user,
                amount=d["amount"],
                treasury_ref=d["treasury_ref"],
                received_on=d["received_on"],
                note=d["note"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            recovery.refresh_from_db()
            if recovery.state == RecoveryState.SETTLED:
                done = _("已登记缴回 %(amount)s 元，追回通知已全额缴回。")
            else:
                done = _("已登记缴回 %(amount)s 元，资金已退回资金池。")
            messages.success(request, done % {"amount": f"{receipt.amount:,.2f}"})
            return redirect("sanctions:recovery_detail", recovery.pk)
    return _recovery_page(request, recovery, receipt_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def recovery_new(request, project_id: int):
    _guard(request)
    project = _project(request, project_id)
    require_can(request.user, "sanctions.issue_recovery", project)
    figures = services.project_figures(project)
    initial = {"amount": figures.recoverable} if figures.recoverable > 0 else {}
    form = RecoveryForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            recovery = services.issue_recovery(
                project,
                actor=request.user,
                amount=d["amount"],
                reason=d["reason"],
                basis=d["basis"],
                deadline=d["deadline"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已拟定追回通知 %(number)s，待财政部门确认后下达。") % {"number": recovery.number},
            )
            return redirect("sanctions:recovery_detail", recovery.pk)
    return render(
        request,
        "sanctions/recovery_form.html",
        {
            "project": project,
            "form": form,
            "figures": figures,
            "advice": services.recovery_advice(project, figures),
        },
    )
