"""Web pages of equity investment. Thin: each page reads through the scopes and acts through the
services. Records outside the user's scope answer 404; actions the user may not take answer 403; a
service's refusal is shown on the form (nothing saved) with status 200."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.core.permissions import can
from techfund.core.views.helpers import require_can
from techfund.equity import services
from techfund.equity.enums import Instrument, InvestmentState, StageState, StepState
from techfund.equity.forms import (
    ConversionForm,
    DecideForm,
    ExitDecideForm,
    ExitForm,
    RegisterForm,
    StepForm,
    parse_cap_table_lines,
)
from techfund.equity.models import CapTableEntry, Exit, Stage, WriteOff
from techfund.equity.rules import may_confirm
from techfund.equity.scopes import reads_all_projects, sees_equity, visible_investments
from techfund.funds.models import FundYear
from techfund.projects.scopes import visible_projects

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _guard(request) -> None:
    if not sees_equity(request.user):
        raise Http404


def _year(request):
    years = list(FundYear.objects.order_by("-year").values_list("year", flat=True))
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and int(raw) in years else None
    return years, year


@login_required
def portfolio(request):
    """Every holding the user may see, with the totals; for the fund's readers, the year's pilot share."""
    _guard(request)
    years, year = _year(request)
    qs = visible_investments(request.user)
    if year is not None:
        qs = qs.filter(project__fund_year__year=year)
    rows, totals = services.holdings(qs.order_by("-project__fund_year__year", "number"))
    pilot = None
    if reads_all_projects(request.user):
        fy = (
            FundYear.objects.select_related("profile").filter(year=year or (years[0] if years else 0)).first()
        )
        pilot = services.pilot_share(fy) if fy is not None else None
    return render(
        request,
        "equity/portfolio.html",
        {
            "rows": rows,
            "totals": totals,
            "pilot": pilot,
            "years": years,
            "year": year,
            "can_export": can(request.user, "equity.export"),
        },
    )


@login_required
def export(request):
    _guard(request)
    require_can(request.user, "equity.export")
    _years, year = _year(request)
    result = services.export_portfolio(actor=request.user, year=year)
    response = HttpResponse(result.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    response["X-Rows"] = str(result.rows)
    return response


def _investment(request, pk: int):
    return get_object_or_404(
        visible_investments(request.user).select_related(
            "project__organisation", "project__fund_year__profile", "project__department", "registered_by"
        ),
        pk=pk,
    )


def _trail(inv, stages, steps):
    q = Q(target_type="equity.investment", target_id=str(inv.pk))
    q |= Q(target_type="equity.stage", target_id__in=[str(s.pk) for s in stages])
    for model, ids in steps:
        q |= Q(target_type=model._meta.label_lower, target_id__in=[str(i) for i in ids])
    return list(AuditEvent.objects.filter(q).select_related("actor").order_by("seq"))


def _detail(request, inv, *, forms=None, status=200):
    user = request.user
    forms = forms or {}
    stages = list(inv.stages.order_by("seq"))
    write_offs = list(inv.write_offs.select_related("proposed_by", "decided_by"))
    exits = list(inv.exits.select_related("proposed_by", "decided_by"))
    conversion = getattr(inv, "conversion", None)
    cap_table = list(
        CapTableEntry.objects.filter(investment=inv, conversion=conversion).order_by("order", "id")
    )
    holding = services.holdings(visible_investments(user).filter(pk=inv.pk))[0][0]
    open_wo = next((w for w in write_offs if w.state == StepState.PROPOSED), None)
    open_ex = next((e for e in exits if e.state == StepState.PROPOSED), None)
    next_stage = next((s for s in stages if s.state == StageState.PLANNED), None)
    busy = open_wo is not None or open_ex is not None
    ctx = {
        "inv": inv,
        "project": inv.project,
        "holding": holding,
        "stages": stages,
        "cap_table": cap_table,
        "conversion": conversion,
        "write_offs": write_offs,
        "exits": exits,
        "next_stage": next_stage
        if next_stage is not None
        and can(user, "equity.pay", next_stage)
        and inv.state in (InvestmentState.COMMITTED, InvestmentState.INVESTED)
        else None,
        "conversion_form": forms.get("conversion") or ConversionForm()
        if inv.instrument == Instrument.INVEST_THEN_EQUITY
        and inv.state == InvestmentState.INVESTED
        and can(user, "equity.convert", inv)
        and not busy
        else None,
        "write_off_form": forms.get("write_off") or StepForm()
        if inv.instrument == Instrument.INVEST_THEN_EQUITY
        and inv.state == InvestmentState.INVESTED
        and can(user, "equity.propose_write_off", inv)
        and not busy
        else None,
        "exit_form": forms.get("exit") or ExitForm()
        if inv.state in (InvestmentState.INVESTED, InvestmentState.CONVERTED)
        and can(user, "equity.propose_exit", inv)
        and not busy
        else None,
        "open_write_off": open_wo,
        "open_exit": open_ex,
        "write_off_decide_form": forms.get("write_off_decide") or DecideForm()
        if open_wo is not None and may_confirm(user, open_wo, "equity.confirm_write_off")
        else None,
        "exit_decide_form": forms.get("exit_decide") or ExitDecideForm()
        if open_ex is not None and may_confirm(user, open_ex, "equity.confirm_exit")
        else None,
        "trail": _trail(inv, stages, [(WriteOff, [w.pk for w in write_offs]), (Exit, [e.pk for e in exits])]),
    }
    return render(request, "equity/detail.html", ctx, status=status)


@login_required
def detail(request, pk: int):
    _guard(request)
    return _detail(request, _investment(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def register(request, project_id: int):
    _guard(request)
    project = get_object_or_404(
        visible_projects(request.user).select_related("fund_year__profile", "organisation"), pk=project_id
    )
    require_can(request.user, "equity.register", project)
    allowed = project.fund_year.profile.rule("equity.instruments", []) or []
    form = RegisterForm(request.POST if request.method == "POST" else None)
    form.fields["instrument"].choices = [(v, lbl) for v, lbl in Instrument.choices if v in allowed]
    if request.method == "POST" and form.is_valid():
        try:
            inv = services.register_investment(project, actor=request.user, **form.service_kwargs())
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已登记股权投资 %(number)s。") % {"number": inv.number})
            return redirect("equity:detail", inv.pk)
    return render(request, "equity/register.html", {"project": project, "form": form})


@login_required
@require_POST
def instruct(request, pk: int):
    _guard(request)
    stage = get_object_or_404(Stage.objects.filter(investment__in=visible_investments(request.user)), pk=pk)
    require_can(request.user, "equity.pay", stage)
    try:
        ins = services.instruct_stage(stage, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("已生成支付指令 %(number)s，待编入批次发送国库。") % {"number": ins.number}
        )
    return redirect("equity:detail", stage.investment_id)


@login_required
@require_POST
def convert(request, pk: int):
    _guard(request)
    inv = _investment(request, pk)
    require_can(request.user, "equity.convert", inv)
    form = ConversionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            conv = services.record_conversion(
                inv,
                actor=request.user,
                round_name=d["round_name"],
                post_money_valuation=d["post_money_valuation"],
                round_date=d["round_date"],
                evidence=d["evidence"],
                cap_table=parse_cap_table_lines(d["cap_table_text"]),
                amount=d["amount"] or None,
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已转股，持股比例 %(share)s。") % {"share": services.pct(conv.share)})
            return redirect("equity:detail", inv.pk)
    return _detail(request, inv, forms={"conversion": form})


@login_required
@require_POST
def write_off(request, pk: int):
    _guard(request)
    inv = _investment(request, pk)
    require_can(request.user, "equity.propose_write_off", inv)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.propose_write_off(inv, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已提出核销建议，待财政部门确认。"))
            return redirect("equity:detail", inv.pk)
    return _detail(request, inv, forms={"write_off": form})


@login_required
@require_POST
def exit_new(request, pk: int):
    _guard(request)
    inv = _investment(request, pk)
    require_can(request.user, "equity.propose_exit", inv)
    form = ExitForm(request.POST)
    if form.is_valid():
        try:
            services.propose_exit(inv, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已提出退出建议，待财政部门确认到账。"))
            return redirect("equity:detail", inv.pk)
    return _detail(request, inv, forms={"exit": form})


@login_required
@require_POST
def write_off_decide(request, pk: int):
    _guard(request)
    wo = get_object_or_404(WriteOff.objects.filter(investment__in=visible_investments(request.user)), pk=pk)
    require_can(request.user, "equity.confirm_write_off", wo)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_write_off(wo, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已提交确认意见。"))
            return redirect("equity:detail", wo.investment_id)
    return _detail(request, _investment(request, wo.investment_id), forms={"write_off_decide": form})


@login_required
@require_POST
def exit_decide(request, pk: int):
    _guard(request)
    ex = get_object_or_404(Exit.objects.filter(investment__in=visible_investments(request.user)), pk=pk)
    require_can(request.user, "equity.confirm_exit", ex)
    form = ExitDecideForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_exit(ex, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已提交确认意见。"))
            return redirect("equity:detail", ex.investment_id)
    return _detail(request, _investment(request, ex.investment_id), forms={"exit_decide": form})
