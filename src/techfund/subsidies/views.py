"""Web pages of 贷款贴息. Thin: each page reads through the scopes and acts through the services.

Records outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the form (nothing saved) with status 200.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.core.permissions import can
from techfund.core.services.audit import target_type_of
from techfund.core.views.helpers import paginate, require_can
from techfund.subsidies import services
from techfund.subsidies.enums import CapKind, ClaimState
from techfund.subsidies.forms import (
    ClaimForm,
    DecideForm,
    DrawdownForm,
    InterestForm,
    LoanForm,
    RateForm,
    RepaymentForm,
)
from techfund.subsidies.models import ReferenceRate
from techfund.subsidies.rules import may_approve, may_instruct, may_submit, may_verify
from techfund.subsidies.scopes import sees_subsidies, visible_claims, visible_loans, visible_subsidy_projects

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLAIM_RELATED = ("loan", "organisation", "project__fund_year", "project__department")
LOAN_RELATED = ("project__organisation", "project__fund_year")


def _guard(request) -> None:
    if not sees_subsidies(request.user):
        raise Http404


def _year(request):
    y = request.GET.get("year", "")
    return int(y) if y.isdigit() else None


def _claims(request):
    return visible_claims(request.user).select_related(*CLAIM_RELATED)


def _loans(request):
    return visible_loans(request.user).select_related(*LOAN_RELATED)


def _trail(obj):
    q = Q(target_type=target_type_of(obj), target_id=str(obj.pk))
    return list(AuditEvent.objects.filter(q).select_related("actor").order_by("seq"))


@login_required
def overview(request):
    """By year: the interest-subsidy projects, their loans and claims; the amounts by state."""
    _guard(request)
    year = _year(request)
    projects = visible_subsidy_projects(request.user).select_related("organisation", "fund_year")
    claims = _claims(request)
    if year:
        projects = projects.filter(fund_year__year=year)
        claims = claims.filter(project__fund_year__year=year)
    totals = {
        r["state"]: r for r in claims.order_by().values("state").annotate(n=Count("id"), amount=Sum("amount"))
    }
    states = [
        (s, label, totals.get(s, {}).get("n", 0), totals.get(s, {}).get("amount") or 0)
        for s, label in ClaimState.choices
    ]
    years = sorted(
        set(visible_subsidy_projects(request.user).values_list("fund_year__year", flat=True)), reverse=True
    )
    projects = list(projects.annotate(loan_count=Count("loans")).order_by("-fund_year__year", "number"))
    for p in projects:
        p.may_register = can(request.user, "subsidies.register", p)
    return render(
        request,
        "subsidies/overview.html",
        {
            "year": year,
            "years": years,
            "projects": projects,
            "states": states,
            "recent": list(claims.order_by("-created_at", "-id")[:20]),
            "can_export": can(request.user, "subsidies.export"),
        },
    )


@login_required
def export(request):
    _guard(request)
    require_can(request.user, "subsidies.export")
    result = services.export_claims(actor=request.user, year=_year(request))
    response = HttpResponse(result.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    response["X-Rows"] = str(result.rows)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def rates(request):
    """The reference-rate table; the office enters new rates here."""
    _guard(request)
    manage = can(request.user, "subsidies.manage_rates")
    form = RateForm(request.POST if request.method == "POST" else None) if manage else None
    if request.method == "POST":
        require_can(request.user, "subsidies.manage_rates")
        if form.is_valid():
            d = form.cleaned_data
            try:
                row = services.record_rate(
                    actor=request.user,
                    kind=d["kind"],
                    tenor=d["tenor"],
                    effective_from=d["effective_from"],
                    rate=d["rate"],
                    source=d["source"],
                )
            except ServiceError as exc:
                form.apply_service_error(exc)
            else:
                messages.success(request, _("已登记参考利率：%(row)s。") % {"row": row})
                return redirect("subsidies:rates")
    return render(
        request,
        "subsidies/rates.html",
        {"rows": ReferenceRate.objects.select_related("recorded_by").all(), "form": form},
    )


# ---------------------------------------------------------------- loans


@login_required
def loan_list(request):
    _guard(request)
    qs = _loans(request)
    year = _year(request)
    if year:
        qs = qs.filter(project__fund_year__year=year)
    qs = qs.annotate(claim_count=Count("claims")).order_by(
        "-project__fund_year__year", "project__number", "id"
    )
    return render(request, "subsidies/loan_list.html", {"page": paginate(request, qs), "year": year})


@login_required
@require_http_methods(["GET", "POST"])
def loan_new(request, project_id: int):
    _guard(request)
    project = get_object_or_404(
        visible_subsidy_projects(request.user).select_related("organisation"), pk=project_id
    )
    require_can(request.user, "subsidies.register", project)
    form = LoanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            loan = services.register_loan(project, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已登记贷款 %(loan)s，请继续登记放款和付息凭证。") % {"loan": loan})
            return redirect("subsidies:loan_detail", loan.pk)
    return render(request, "subsidies/loan_form.html", {"project": project, "form": form})


def _loan_page(request, loan, *, drawdown_form=None, repayment_form=None, interest_form=None, status=200):
    user = request.user
    register = can(user, "subsidies.register", loan)
    return render(
        request,
        "subsidies/loan_detail.html",
        {
            "loan": loan,
            "project": loan.project,
            "drawdowns": list(loan.drawdowns.all()),
            "repayments": list(loan.repayments.all()),
            "interest": list(loan.interest_payments.all()),
            "claims": list(loan.claims.order_by("period_start", "id")),
            "drawn": services.drawn(loan),
            "repaid": services.repaid(loan),
            "drawdown_form": (drawdown_form or DrawdownForm()) if register else None,
            "repayment_form": (repayment_form or RepaymentForm()) if register else None,
            "interest_form": (interest_form or InterestForm()) if register else None,
            "may_claim": can(user, "subsidies.claim", loan),
            "trail": _trail(loan),
        },
        status=status,
    )


def _loan(request, pk):
    return get_object_or_404(_loans(request), pk=pk)


@login_required
def loan_detail(request, pk: int):
    _guard(request)
    return _loan_page(request, _loan(request, pk))


def _loan_action(request, pk, form_class, key, fn, done):
    _guard(request)
    loan = _loan(request, pk)
    require_can(request.user, "subsidies.register", loan)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            fn(loan, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, done)
            return redirect("subsidies:loan_detail", loan.pk)
    return _loan_page(request, loan, **{key: form})


@login_required
@require_POST
def drawdown_new(request, pk: int):
    return _loan_action(
        request, pk, DrawdownForm, "drawdown_form", services.record_drawdown, _("已登记放款。")
    )


@login_required
@require_POST
def repayment_new(request, pk: int):
    return _loan_action(
        request, pk, RepaymentForm, "repayment_form", services.record_repayment, _("已登记归还本金。")
    )


@login_required
@require_POST
def interest_new(request, pk: int):
    return _loan_action(
        request, pk, InterestForm, "interest_form", services.record_interest, _("已登记付息凭证。")
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_new(request, pk: int):
    """The enterprise picks a period, sees the computed amount and its breakdown, and files the claim
    (a draft it then submits)."""
    _guard(request)
    loan = _loan(request, pk)
    require_can(request.user, "subsidies.claim", loan)
    data = (
        request.POST if request.method == "POST" else (request.GET if "period_start" in request.GET else None)
    )
    form = ClaimForm(data)
    evaluation = None
    if data is not None and form.is_valid():
        d = form.cleaned_data
        try:
            if request.method == "POST":
                claim = services.file_claim(loan, actor=request.user, **d)
                messages.success(
                    request,
                    _("已填报贴息申请 %(number)s，可贴息 %(amount)s 元；核对明细后请提交。")
                    % {"number": claim.number, "amount": f"{claim.amount:,.2f}"},
                )
                return redirect("subsidies:claim_detail", claim.pk)
            evaluation = services.preview(loan, **d)
        except ServiceError as exc:
            form.apply_service_error(exc)
    return render(
        request,
        "subsidies/claim_form.html",
        {
            "loan": loan,
            "project": loan.project,
            "form": form,
            "evaluation": evaluation,
            "breakdown": evaluation.breakdown() if evaluation else None,
            "cap_labels": dict(CapKind.choices),
        },
    )


# ---------------------------------------------------------------- claims


@login_required
def claim_list(request):
    _guard(request)
    qs = _claims(request)
    year, state = _year(request), request.GET.get("state", "")
    if year:
        qs = qs.filter(project__fund_year__year=year)
    if state in ClaimState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "subsidies/claim_list.html",
        {
            "page": paginate(request, qs.order_by("-created_at", "-id")),
            "states": ClaimState.choices,
            "state": state,
            "year": year,
        },
    )


def _claim_page(request, claim, *, form=None, status=200):
    user = request.user
    step = None
    if may_verify(user, claim):
        step = ("subsidies:claim_verify", _("主管部门审核"))
    elif may_approve(user, claim):
        step = ("subsidies:claim_approve", _("财政部门审批"))
    return render(
        request,
        "subsidies/claim_detail.html",
        {
            "claim": claim,
            "loan": claim.loan,
            "project": claim.project,
            "breakdown": claim.breakdown or {},
            "cap_labels": dict(CapKind.choices),
            "may_submit": may_submit(user, claim),
            "may_instruct": may_instruct(user, claim),
            "step": step,
            "form": (form or DecideForm()) if step else None,
            "trail": _trail(claim),
        },
        status=status,
    )


def _claim(request, pk):
    return get_object_or_404(_claims(request), pk=pk)


@login_required
def claim_detail(request, pk: int):
    _guard(request)
    return _claim_page(request, _claim(request, pk))


@login_required
@require_POST
def claim_submit(request, pk: int):
    _guard(request)
    claim = _claim(request, pk)
    require_can(request.user, "subsidies.claim", claim)
    try:
        services.submit_claim(claim, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("贴息申请已提交，待主管部门审核。"))
    return redirect("subsidies:claim_detail", claim.pk)


def _decide(request, pk, perm, fn, done_concur, done_reject):
    _guard(request)
    claim = _claim(request, pk)
    require_can(request.user, perm, claim)
    form = DecideForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            fn(claim, actor=request.user, decision=d["decision"], opinion=d["opinion"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, done_concur if d["decision"] == "concur" else done_reject)
            return redirect("subsidies:claim_detail", claim.pk)
    return _claim_page(request, claim, form=form)


@login_required
@require_POST
def claim_verify(request, pk: int):
    return _decide(
        request,
        pk,
        "subsidies.verify",
        services.verify_claim,
        _("已审核同意，贴息申请报财政部门审批。"),
        _("已退回贴息申请。"),
    )


@login_required
@require_POST
def claim_approve(request, pk: int):
    return _decide(
        request,
        pk,
        "subsidies.approve",
        services.approve_claim,
        _("已审批同意，请下达国库支付指令。"),
        _("已退回贴息申请。"),
    )


@login_required
@require_POST
def claim_instruct(request, pk: int):
    _guard(request)
    claim = _claim(request, pk)
    require_can(request.user, "subsidies.instruct", claim)
    try:
        instruction = services.instruct_claim(claim, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已生成国库支付指令 %(number)s，国库确认后贴息记为已拨付。") % {"number": instruction.number},
        )
    return redirect("subsidies:claim_detail", claim.pk)
