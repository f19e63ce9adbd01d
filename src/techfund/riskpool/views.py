"""Web pages of risk compensation. Thin: each page reads through the scopes and acts through the
services. Records outside the user's scope answer 404; actions the user may not take answer 403; a
service's refusal is shown on the form (nothing saved) with status 200."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent, Organisation
from techfund.core.permissions import can
from techfund.core.services.audit import target_type_of
from techfund.core.views.helpers import paginate, require_can
from techfund.riskpool import accounts, services
from techfund.riskpool.enums import ClaimState, LoanState
from techfund.riskpool.forms import (
    BankForm,
    ClaimForm,
    DecideForm,
    FilingForm,
    FundForm,
    LoanForm,
    PoolForm,
    RecoveryForm,
)
from techfund.riskpool.models import BankRecovery, LoanFiling
from techfund.riskpool.rules import may_approve, may_pay, may_record_recovery, may_review
from techfund.riskpool.scopes import (
    sees_pools,
    sees_riskpool,
    visible_banks,
    visible_claims,
    visible_loans,
    visible_pools,
)
from techfund.riskpool.services._common import available

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POOL_RELATED = ("fund_year", "bank__organisation", "focus_area", "department")
LOAN_RELATED = ("bank__organisation", "borrower", "pool__fund_year__profile")
CLAIM_RELATED = (
    "loan__bank__organisation",
    "loan__borrower",
    "pool__fund_year__profile",
    "pool__bank__organisation",
    "claimed_by",
    "reviewed_by",
    "approved_by",
    "instructed_by",
)


def _guard(request) -> None:
    if not sees_riskpool(request.user):
        raise Http404


def _guard_pools(request) -> None:
    if not sees_pools(request.user):
        raise Http404


def _trail(obj, related_model=None, related_ids=()):
    q = Q(target_type=target_type_of(obj), target_id=str(obj.pk))
    if related_model is not None:
        q |= Q(target_type=related_model._meta.label_lower, target_id__in=[str(i) for i in related_ids])
    return list(AuditEvent.objects.filter(q).select_related("actor").order_by("seq"))


def _pools_with_figures(qs):
    pools = list(qs.select_related(*POOL_RELATED).order_by("-fund_year__year", "bank__code"))
    figures = accounts.pool_figures(pools)
    for p in pools:
        p.figures = figures[p.pk]
    return pools


# ---------------------------------------------------------------- overview and pools


@login_required
def overview(request):
    """Pools per bank (funded, paid, returned, balance — derived from the ledger) and the claims in
    progress."""
    _guard(request)
    user = request.user
    pools = _pools_with_figures(visible_pools(user)) if sees_pools(user) else []
    totals = {k: sum((p.figures[k] for p in pools), 0) for k in ("funded", "paid", "returned", "balance")}
    open_claims = list(
        visible_claims(user)
        .filter(
            state__in=[ClaimState.CLAIMED, ClaimState.REVIEWED, ClaimState.APPROVED, ClaimState.INSTRUCTED]
        )
        .select_related(*CLAIM_RELATED)
        .order_by("claimed_at", "id")
    )
    return render(
        request,
        "riskpool/overview.html",
        {
            "pools": pools,
            "totals": totals,
            "open_claims": open_claims,
            "can_export": can(user, "riskpool.export"),
            "may_register_bank": can(user, "riskpool.manage_banks"),
            "may_open_pool": can(user, "riskpool.fund"),
            "loan_count": visible_loans(user).count(),
        },
    )


@login_required
def export(request):
    _guard(request)
    require_can(request.user, "riskpool.export")
    result = services.export_register(actor=request.user)
    response = HttpResponse(result.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    response["X-Rows"] = str(result.rows)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def bank_new(request):
    """The office registers a partner bank and its cooperation agreement."""
    _guard_pools(request)
    require_can(request.user, "riskpool.manage_banks")
    form = BankForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        org = Organisation.objects.filter(uscc=(d["organisation"] or "").strip().upper()).first()
        if org is None:
            form.add_error("organisation", _("未找到该统一社会信用代码的已登记单位。"))
        else:
            try:
                bank = services.register_bank(
                    actor=request.user,
                    organisation=org,
                    code=d["code"],
                    agreement_ref=d["agreement_ref"],
                    agreement_start=d["agreement_start"],
                    agreement_end=d["agreement_end"],
                    bank_share=d["bank_share"],
                )
            except ServiceError as exc:
                form.apply_service_error(exc)
            else:
                messages.success(request, _("已登记合作银行 %(bank)s。") % {"bank": bank})
                return redirect("riskpool:overview")
    return render(request, "riskpool/simple_form.html", {"form": form, "title": _("登记合作银行")})


@login_required
@require_http_methods(["GET", "POST"])
def pool_new(request):
    """Finance opens a partner bank's pool for a fund year (then funds it on the pool's page)."""
    from techfund.core.models import Department
    from techfund.funds.models import FundYear
    from techfund.policy.models import FocusArea

    _guard_pools(request)
    require_can(request.user, "riskpool.fund")
    years = list(FundYear.objects.select_related("profile").order_by("-year"))
    areas = [
        (fa.code, fa.name) for fa in FocusArea.objects.filter(profile__in=[y.profile for y in years[:1]])
    ]
    form = PoolForm(
        request.POST if request.method == "POST" else None,
        years=years,
        banks=visible_banks(request.user).select_related("organisation"),
        areas=areas,
        departments=Department.objects.filter(is_active=True),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fund_year = next((y for y in years if y.pk == d["fund_year"]), None)
        bank = visible_banks(request.user).filter(pk=d["bank"]).first()
        if fund_year is None or bank is None:
            form.add_error(None, _("请选择年度和合作银行。"))
        else:
            try:
                pool = services.open_pool(
                    fund_year,
                    actor=request.user,
                    bank=bank,
                    focus_area=d["focus_area"],
                    department=d["department"],
                )
            except ServiceError as exc:
                form.apply_service_error(exc)
            else:
                messages.success(request, _("已设立资金池 %(pool)s，请注资。") % {"pool": pool})
                return redirect("riskpool:pool_detail", pool.pk)
    return render(request, "riskpool/simple_form.html", {"form": form, "title": _("设立风险补偿资金池")})


def _pool(request, pk):
    _guard_pools(request)
    return get_object_or_404(visible_pools(request.user).select_related(*POOL_RELATED), pk=pk)


def _pool_page(request, pool, form=None):
    user = request.user
    pool.figures = accounts.pool_figures([pool])[pool.pk]
    free, _bal, com = available(pool)
    return render(
        request,
        "riskpool/pool_detail.html",
        {
            "pool": pool,
            "available": free,
            "committed": com,
            "movements": list(pool.movements.select_related("recorded_by")),
            "loans": list(pool.loans.select_related("borrower").order_by("start_date", "id")),
            "claims": list(pool.claims.select_related("loan__borrower").order_by("-claimed_at")),
            "fund_form": (form or FundForm()) if can(user, "riskpool.fund", pool) else None,
            "may_register_loan": can(user, "riskpool.register_loan", pool),
            "trail": _trail(pool),
        },
    )


@login_required
def pool_detail(request, pk: int):
    return _pool_page(request, _pool(request, pk))


@login_required
@require_POST
def pool_fund(request, pk: int):
    pool = _pool(request, pk)
    require_can(request.user, "riskpool.fund", pool)
    form = FundForm(request.POST)
    if form.is_valid():
        try:
            m = services.fund_pool(
                pool, actor=request.user, amount=form.cleaned_data["amount"], note=form.cleaned_data["note"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已向资金池%(kind)s %(amount)s 元。")
                % {"kind": m.get_kind_display(), "amount": f"{m.amount:,.2f}"},
            )
            return redirect("riskpool:pool_detail", pool.pk)
    return _pool_page(request, pool, form)


@login_required
@require_POST
def pool_return(request, pk: int):
    """Year end: finance returns the unused balance to the focus area."""
    pool = _pool(request, pk)
    require_can(request.user, "riskpool.fund", pool)
    try:
        m = services.return_balance(pool, actor=request.user, note=request.POST.get("note", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已将资金池结余 %(amount)s 元退回领域配置。") % {"amount": f"{m.amount:,.2f}"}
        )
    return redirect("riskpool:pool_detail", pool.pk)


# ---------------------------------------------------------------- loans


@login_required
@require_http_methods(["GET", "POST"])
def loan_new(request, pk: int):
    pool = _pool(request, pk)
    require_can(request.user, "riskpool.register_loan", pool)
    form = LoanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        borrower = Organisation.objects.filter(uscc=(d["borrower"] or "").strip().upper()).first()
        if borrower is None:
            form.add_error("borrower", _("未找到该统一社会信用代码的已登记单位。"))
        else:
            try:
                loan = services.register_loan(
                    pool,
                    actor=request.user,
                    borrower=borrower,
                    contract_number=d["contract_number"],
                    principal=d["principal"],
                    rate=d["rate"],
                    benchmark_rate=d["benchmark_rate"],
                    benchmark_basis=d["benchmark_basis"],
                    start_date=d["start_date"],
                    term_months=d["term_months"],
                    guarantee_type=d["guarantee_type"],
                    first_loan=d["first_loan"],
                    evidence=d["evidence"],
                )
            except ServiceError as exc:
                form.apply_service_error(exc)
            else:
                messages.success(request, _("已登记备案贷款 %(n)s。") % {"n": loan.contract_number})
                return redirect("riskpool:loan_detail", loan.pk)
    return render(request, "riskpool/loan_form.html", {"pool": pool, "form": form})


@login_required
def loan_list(request):
    _guard(request)
    qs = (
        visible_loans(request.user)
        .select_related(*LOAN_RELATED)
        .prefetch_related("filings", "claims")
        .annotate(filing_count=Count("filings"))
    )
    state = request.GET.get("state", "")
    if state in LoanState.values:
        qs = qs.filter(state=state)
    page = paginate(request, qs.order_by("bank__code", "start_date", "id"))
    for loan in page:
        loan.gaps = services.loan_gaps(loan)
    return render(
        request, "riskpool/loan_list.html", {"page": page, "states": LoanState.choices, "state": state}
    )


def _loan(request, pk):
    _guard(request)
    return get_object_or_404(visible_loans(request.user).select_related(*LOAN_RELATED), pk=pk)


def _loan_page(request, loan, *, filing_form=None):
    user = request.user
    filings = list(loan.filings.select_related("recorded_by").order_by("month"))
    return render(
        request,
        "riskpool/loan_detail.html",
        {
            "loan": loan,
            "filings": filings,
            "gaps": services.loan_gaps(loan),
            "claims": list(visible_claims(user).filter(loan=loan).order_by("claimed_at")),
            "filing_form": (filing_form or FilingForm()) if can(user, "riskpool.file", loan) else None,
            "may_claim": loan.state == LoanState.ACTIVE and can(user, "riskpool.claim", loan),
            "trail": _trail(loan, LoanFiling, [f.pk for f in filings]),
        },
    )


@login_required
def loan_detail(request, pk: int):
    return _loan_page(request, _loan(request, pk))


@login_required
@require_POST
def filing_new(request, pk: int):
    loan = _loan(request, pk)
    require_can(request.user, "riskpool.file", loan)
    form = FilingForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            f = services.file_month(
                loan,
                actor=request.user,
                month=d["month"],
                outstanding=d["outstanding"],
                filed_on=d["filed_on"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            done = (
                _("已登记 %(m)s 备案。")
                if f.on_time
                else _("已登记 %(m)s 备案（逾期报送，不计入按时备案）。")
            )
            messages.success(request, done % {"m": f"{f.month:%Y-%m}"})
            return redirect("riskpool:loan_detail", loan.pk)
    return _loan_page(request, loan, filing_form=form)


# ---------------------------------------------------------------- claims


@login_required
@require_http_methods(["GET", "POST"])
def claim_new(request, pk: int):
    loan = _loan(request, pk)
    require_can(request.user, "riskpool.claim", loan)
    form = ClaimForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            c = services.submit_claim(
                loan,
                actor=request.user,
                default_date=d["default_date"],
                loss=d["loss"],
                other_public=d["other_public"] or "0",
                evidence=d["evidence"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已登记代偿申请 %(n)s，待管理机构审核。") % {"n": c.number})
            return redirect("riskpool:claim_detail", c.pk)
    return render(request, "riskpool/claim_form.html", {"loan": loan, "form": form})


@login_required
def claim_list(request):
    _guard_pools(request)
    qs = visible_claims(request.user).select_related(*CLAIM_RELATED)
    state = request.GET.get("state", "")
    if state in ClaimState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "riskpool/claim_list.html",
        {
            "page": paginate(request, qs.order_by("-claimed_at", "-id")),
            "states": ClaimState.choices,
            "state": state,
        },
    )


def _claim(request, pk):
    _guard_pools(request)
    return get_object_or_404(visible_claims(request.user).select_related(*CLAIM_RELATED), pk=pk)


def _claim_page(request, claim, *, decide_form=None, recovery_form=None):
    user = request.user
    recoveries = list(claim.recoveries.select_related("recorded_by").order_by("recovered_on", "id"))
    step = "review" if may_review(user, claim) else "approve" if may_approve(user, claim) else None
    return render(
        request,
        "riskpool/claim_detail.html",
        {
            "claim": claim,
            "loan": claim.loan,
            "step": step,
            "decide_form": (decide_form or DecideForm()) if step else None,
            "may_pay": may_pay(user, claim),
            "recoveries": recoveries,
            "recovery_form": (recovery_form or RecoveryForm()) if may_record_recovery(user, claim) else None,
            "steps": services.steps(claim.pool),
            "trail": _trail(claim, BankRecovery, [r.pk for r in recoveries]),
        },
    )


@login_required
def claim_detail(request, pk: int):
    return _claim_page(request, _claim(request, pk))


def _decide(request, pk, perm, fn, done):
    claim = _claim(request, pk)
    require_can(request.user, perm, claim)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            fn(
                claim,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                opinion=form.cleaned_data["opinion"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, done)
            return redirect("riskpool:claim_detail", claim.pk)
    return _claim_page(request, claim, decide_form=form)


@login_required
@require_POST
def claim_review(request, pk: int):
    return _decide(request, pk, "riskpool.review", services.review_claim, _("已提交管理机构审核意见。"))


@login_required
@require_POST
def claim_approve(request, pk: int):
    return _decide(request, pk, "riskpool.approve", services.approve_claim, _("已提交主管部门审批意见。"))


@login_required
@require_POST
def claim_pay(request, pk: int):
    claim = _claim(request, pk)
    require_can(request.user, "riskpool.pay", claim)
    try:
        services.instruct_payment(claim, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已下达国库支付指令，国库确认后补偿资金从资金池拨付。"))
    return redirect("riskpool:claim_detail", claim.pk)


@login_required
@require_POST
def recovery_new(request, pk: int):
    claim = _claim(request, pk)
    require_can(request.user, "riskpool.record_recovery", claim)
    form = RecoveryForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            r = services.record_recovery(
                claim,
                actor=request.user,
                amount=d["amount"],
                recovered_on=d["recovered_on"],
                evidence=d["evidence"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request, _("已登记银行追偿回收，%(v)s 元退回资金池。") % {"v": f"{r.returned:,.2f}"}
            )
            return redirect("riskpool:claim_detail", claim.pk)
    return _claim_page(request, claim, recovery_form=form)
