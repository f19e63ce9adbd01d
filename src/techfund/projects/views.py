"""Web pages of the project stage: the finance bureau's budget arrangement (待安排预算), the project
list and page, the 任务书 (page, PDF, generation, signature) and the direct payments (直通车).
Thin: each page reads through the scopes and acts through the services.

Objects outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the form (nothing saved) with status 200.
"""

import logging
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from techfund.core import pdf
from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.core.numerals import yuan_in_words
from techfund.core.permissions import can
from techfund.core.views.helpers import paginate, require_can
from techfund.funds.scopes import visible_fund_years
from techfund.funds.validation import fmt
from techfund.projects import panels, queries, services
from techfund.projects.enums import ContractState, ProjectState, SigningSide
from techfund.projects.forms import (
    ArrangeForm,
    ContractForm,
    MilestoneFormSet,
    PayForm,
    ProjectFilterForm,
    SignForm,
    StatutoryApprovalForm,
    TargetFormSet,
)
from techfund.projects.models import Contract, Project
from techfund.projects.scopes import reads_all_projects, sees_projects, visible_projects, visible_tranches

logger = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


def _project(request, pk: int) -> Project:
    return get_object_or_404(
        visible_projects(request.user).select_related(
            "fund_year__profile",
            "focus_area",
            "department",
            "organisation",
            "application",
            "item__batch",
            "arranged_by",
        ),
        pk=pk,
    )


def _contract(request, pk: int) -> tuple[Project, Contract]:
    project = _project(request, pk)
    contract = queries.contract_of(project)
    if contract is None:
        raise Http404
    return project, contract


def _panels() -> list[str]:
    """The registered panels whose templates exist. A panel registered before its template was
    written is left out with a warning, so one unfinished stage never breaks the project page (as
    ``core.home.reversible`` does for links)."""
    out = []
    for name in panels.panels():
        try:
            get_template(name)
        except TemplateDoesNotExist:
            logger.warning("project panel %r has no template; left out", name)
        else:
            out.append(name)
    return out


def _trail(project, contract, payment_ids):
    """The events about the project, its contract and its payments, oldest first (one query)."""
    q = Q(target_type="projects.project", target_id=str(project.pk))
    if contract is not None:
        q |= Q(target_type="projects.contract", target_id=str(contract.pk))
    if payment_ids:
        q |= Q(target_type="projects.payment", target_id__in=[str(i) for i in payment_ids])
    return list(AuditEvent.objects.filter(q).select_related("actor").order_by("seq"))


# ---------------------------------------------------------------- budget arrangement (finance)


def _arrange_year(request, years):
    param = request.POST.get("year") or request.GET.get("year") or ""
    return next((fy for fy in years if str(fy.year) == param), years[0])


@login_required
@require_http_methods(["GET", "POST"])
def arrange(request):
    """待安排预算: the final items of a fund year whose budget is not arranged, by focus area; finance
    selects items and arranges them (two steps: choose, then confirm)."""
    if not reads_all_projects(request.user):
        raise Http404
    may_arrange = can(request.user, "projects.arrange")
    if request.method == "POST":
        require_can(request.user, "projects.arrange")
    years = list(visible_fund_years(request.user).select_related("profile").order_by("-year"))
    if not years:
        raise Http404
    fund_year = _arrange_year(request, years)
    groups = queries.awaiting_arrangement(request.user, fund_year)
    arrangeable = [i for g in groups for i in g.items if not i.reason]
    form = ArrangeForm(
        request.POST if request.method == "POST" else None,
        items=arrangeable,
        fund_year=fund_year,
        initial={"items": [str(i.pk) for i in arrangeable], "fiscal_year": fund_year.year},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = [i for i in arrangeable if str(i.pk) in set(d["items"])]
        if not chosen:
            form.add_error("items", _("请选择要安排预算的项目。"))
        elif request.POST.get("confirm") != "1":
            return render(
                request,
                "projects/arrange_confirm.html",
                {
                    "form": form,
                    "fund_year": fund_year,
                    "chosen": chosen,
                    "total": sum((i.decided_amount for i in chosen), 0),
                    "fiscal_year": d["fiscal_year"],
                    "statutory_approved": d["statutory_approved"],
                    "note": d["note"],
                },
            )
        else:
            try:
                projects = services.arrange_items(
                    chosen,
                    actor=request.user,
                    fiscal_year=d["fiscal_year"],
                    statutory_approved=d["statutory_approved"],
                    note=d["note"],
                )
            except ServiceError as exc:
                form.apply_service_error(exc)
            else:
                messages.success(
                    request,
                    _("已安排%(n)d个项目的预算，合计 %(total)s 元，项目承诺已记入资金账簿。")
                    % {"n": len(projects), "total": fmt(sum((p.amount for p in projects), 0))},
                )
                return redirect(reverse("projects:project_list") + f"?year={fund_year.year}")
    return render(
        request,
        "projects/arrange.html",
        {
            "form": form,
            "fund_year": fund_year,
            "years": years,
            "groups": groups,
            "total": sum((g.total for g in groups), 0),
            "arrangeable_total": sum((g.arrangeable_total for g in groups), 0),
            "may_arrange": may_arrange,
        },
    )


# ---------------------------------------------------------------- project list and export


def _filters(request) -> ProjectFilterForm:
    return ProjectFilterForm({k: request.GET.get(k, "") for k in ProjectFilterForm.FIELDS}, user=request.user)


@login_required
def project_list(request):
    if not sees_projects(request.user):
        raise Http404
    filters = _filters(request)
    qs = queries.list_queryset(visible_projects(request.user))
    qs = queries.filter_projects(qs, **filters.filters()) if filters.is_valid() else qs.none()
    page = paginate(request, qs.order_by("-fund_year__year", "number"), per_page=PAGE_SIZE)
    rows = queries.with_balances(page.object_list)
    for p in rows:
        p.contract_or_none = queries.contract_of(p)
    return render(
        request,
        "projects/project_list.html",
        {
            "filters": filters,
            "page": page,
            "projects": rows,
            "totals": queries.totals(rows),
            "may_export": can(request.user, "projects.export"),
            "may_arrange": can(request.user, "projects.arrange"),
        },
        status=200 if filters.is_valid() else 400,
    )


@login_required
def project_export(request):
    if not sees_projects(request.user):
        raise Http404
    require_can(request.user, "projects.export")
    filters = _filters(request)
    if not filters.is_valid():
        return project_list(request)
    result = services.export_projects(
        actor=request.user, filters=filters.filters(), description=filters.description()
    )
    response = HttpResponse(result.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    response["X-Rows"] = str(result.rows)
    return response


# ---------------------------------------------------------------- project page


def _sign_side(user, project, contract) -> str:
    """The side ``user`` would sign for now ("" when they may not sign)."""
    if (
        contract is None
        or project.state != ProjectState.ARRANGED
        or contract.state == ContractState.SIGNED
        or not can(user, "projects.sign_contract", project)
    ):
        return ""
    side = services.side_of(user, contract)
    signed = contract.unit_signed_at if side == SigningSide.UNIT else contract.owner_signed_at
    return "" if signed else side


def _may_pay(user, project, contract) -> bool:
    return (
        contract is not None
        and contract.state == ContractState.SIGNED
        and project.state == ProjectState.IN_PROGRESS
        and project.statutory_approved
        and can(user, "projects.pay", project)
    )


@login_required
def project_detail(request, pk: int):
    project = _project(request, pk)
    user = request.user
    (project,) = queries.with_balances([project])
    contract = queries.contract_of(project)
    tranches = queries.tranche_rows(contract) if contract else []
    payments = list(queries.payments_of(project))
    next_tranche = queries.next_payable(tranches)
    may_pay = _may_pay(user, project, contract)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "balance": project.balance,
            "contract": contract,
            "targets": list(contract.targets.all()) if contract else [],
            "milestones": list(contract.milestones.all()) if contract else [],
            "tranches": tranches,
            "payments": payments,
            "pay_tranche": next_tranche if may_pay else None,
            "instruct_tranche": next_tranche
            if may_pay and next_tranche.instructable > 0 and _direct_payment(project)
            else None,
            "may_generate": contract is None
            and project.state == ProjectState.ARRANGED
            and can(user, "projects.generate_contract", project),
            "sign_side": _sign_side(user, project, contract),
            "may_confirm": not project.statutory_approved
            and project.state not in (ProjectState.TERMINATED, ProjectState.COMPLETED)
            and can(user, "projects.confirm_statutory_approval", project),
            "pay_blocked": can(user, "projects.pay", project)
            and contract is not None
            and next_tranche is not None
            and not may_pay,
            "panels": _panels(),
            "trail": _trail(project, contract, [p.pk for p in payments]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def statutory_approval(request, pk: int):
    project = _project(request, pk)
    require_can(request.user, "projects.confirm_statutory_approval", project)
    form = StatutoryApprovalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_statutory_approval(
                project, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已确认项目 %(n)s 的预算已按法定程序批准。") % {"n": project.number})
            return redirect("projects:project_detail", project.pk)
    return render(request, "projects/statutory_form.html", {"project": project, "form": form})


# ---------------------------------------------------------------- contract


def _contract_context(project, contract) -> dict:
    tranches = queries.tranche_rows(contract)
    return {
        "project": project,
        "contract": contract,
        "profile": project.fund_year.profile,
        "targets": list(contract.targets.all()),
        "milestones": list(contract.milestones.all()),
        "tranches": tranches,
        "amount_words": yuan_in_words(contract.amount),
        "self_raised_words": yuan_in_words(contract.self_raised) if contract.self_raised else "",
        "total": contract.amount + contract.self_raised,
        "total_words": yuan_in_words(contract.amount + contract.self_raised),
        "unit_signed_by": contract.unit_signed_by,
        "owner_signed_by": contract.owner_signed_by,
    }


@login_required
def contract_detail(request, pk: int):
    project, contract = _contract(request, pk)
    ctx = _contract_context(project, contract)
    ctx["sign_side"] = _sign_side(request.user, project, contract)
    return render(request, "projects/contract_detail.html", ctx)


@login_required
def contract_pdf(request, pk: int):
    project, contract = _contract(request, pk)
    if not pdf.fonts_available():
        messages.error(request, _("服务器未安装中文字体（Noto CJK），暂不能生成PDF，请联系系统管理员。"))
        return redirect("projects:contract_detail", project.pk)
    content = pdf.render_pdf(
        "projects/contract_pdf.html", _contract_context(project, contract), request=request
    )
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"{contract.number}.pdf"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _target_initial(project) -> list[dict]:
    app = project.application
    if app is None:
        return []
    return [
        {
            "kind": t.kind,
            "name": t.name,
            "indicator_type": t.indicator_type,
            "unit": t.unit,
            "target_value": "" if t.target_value is None else f"{t.target_value.normalize():f}",
            "target_text": t.target_text,
        }
        for t in app.targets.order_by("id")
    ]


def _milestone_initial(project) -> list[dict]:
    app = project.application
    if app is None:
        return []
    return [{"due_date": m.due_date, "description": m.description} for m in app.milestones.all()]


@login_required
@require_http_methods(["GET", "POST"])
def contract_new(request, pk: int):
    project = _project(request, pk)
    require_can(request.user, "projects.generate_contract", project)
    if queries.contract_of(project) is not None:
        messages.info(request, _("该项目已生成任务书。"))
        return redirect("projects:contract_detail", project.pk)
    post = request.POST if request.method == "POST" else None
    form = ContractForm(
        post,
        initial={
            "start_date": project.start_date,
            "end_date": project.end_date,
            "terms": services.default_terms(project),
        },
    )
    targets = TargetFormSet(post, prefix="targets", initial=_target_initial(project))
    milestones = MilestoneFormSet(post, prefix="milestones", initial=_milestone_initial(project))
    if request.method == "POST" and form.is_valid() and targets.is_valid() and milestones.is_valid():
        d = form.cleaned_data
        try:
            services.generate_contract(
                project,
                actor=request.user,
                start_date=d["start_date"],
                end_date=d["end_date"],
                terms=d["terms"],
                targets=[r for r in (f.row() for f in targets) if r],
                milestones=[r for r in (f.row() for f in milestones) if r],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已生成项目 %(n)s 的任务书，待双方签署。") % {"n": project.number})
            return redirect("projects:contract_detail", project.pk)
    plan = services.tranche_plan(
        project.amount,
        project.fund_year.profile.rule("tranches"),
        start=project.start_date or timezone.localdate(),
        end=project.end_date or timezone.localdate(),
    )
    return render(
        request,
        "projects/contract_form.html",
        {"project": project, "form": form, "targets": targets, "milestones": milestones, "plan": plan},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contract_sign(request, pk: int):
    project, contract = _contract(request, pk)
    require_can(request.user, "projects.sign_contract", project)
    side = services.side_of(request.user, contract)
    if request.method == "GET" and not _sign_side(request.user, project, contract):
        messages.info(request, _("该任务书当前无需您签署。"))
        return redirect("projects:contract_detail", project.pk)
    form = SignForm(
        request.POST if request.method == "POST" else None,
        initial={"signatory": request.user.display_name or ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_contract(contract, actor=request.user, signatory=form.cleaned_data["signatory"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            contract.refresh_from_db()
            messages.success(
                request,
                _("任务书已由双方签订，项目开始执行。")
                if contract.state == ContractState.SIGNED
                else _("已以%(side)s身份签署任务书，待对方签署。") % {"side": SigningSide(side).label},
            )
            return redirect("projects:contract_detail", project.pk)
    return render(
        request,
        "projects/sign_form.html",
        {"project": project, "contract": contract, "form": form, "side": SigningSide(side)},
    )


# ---------------------------------------------------------------- payments


def _direct_payment(project) -> bool:
    """Whether the year's policy pays through the treasury's batch files (直通车)."""
    try:
        return bool(project.fund_year.profile.rule("procedure.direct_payment"))
    except (KeyError, LookupError):
        return False


@login_required
@require_http_methods(["GET", "POST"])
def tranche_instruct(request, pk: int):
    """生成支付指令: the tranche goes to the treasury in finance's next batch (直通车)."""
    from techfund.projects.services.payments import instruct_tranche
    from techfund.treasury.forms import InstructForm

    tranche = get_object_or_404(
        visible_tranches(request.user).select_related("contract__project__organisation"), pk=pk
    )
    project = tranche.contract.project
    require_can(request.user, "projects.pay", project)
    (row,) = [t for t in queries.tranche_rows(tranche.contract) if t.pk == tranche.pk]
    form = InstructForm(
        request.POST if request.method == "POST" else None,
        initial={"amount": f"{row.instructable:.2f}" if row.instructable > 0 else ""},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            instruction = instruct_tranche(tranche, actor=request.user, amount=d["amount"], memo=d["memo"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已生成支付指令 %(n)s：第%(seq)s期 %(amount)s 元，待编入支付批次发送国库。")
                % {"n": instruction.number, "seq": tranche.seq, "amount": fmt(instruction.amount)},
            )
            return redirect("projects:project_detail", project.pk)
    return render(
        request,
        "projects/instruct_form.html",
        {"project": project, "tranche": row, "form": form, "contract": tranche.contract},
    )


@login_required
@require_http_methods(["GET", "POST"])
def tranche_pay(request, pk: int):
    tranche = get_object_or_404(
        visible_tranches(request.user).select_related("contract__project__organisation"), pk=pk
    )
    project = tranche.contract.project
    require_can(request.user, "projects.pay", project)
    (row,) = [t for t in queries.tranche_rows(tranche.contract) if t.pk == tranche.pk]
    form = PayForm(
        request.POST if request.method == "POST" else None,
        initial={
            "amount": f"{row.remaining:.2f}" if row.remaining > 0 else "",
            "paid_on": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            payment = services.pay_tranche(
                tranche,
                actor=request.user,
                treasury_ref=d["treasury_ref"],
                paid_on=d["paid_on"],
                amount=d["amount"],
                note=d["note"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已拨付第%(seq)s期 %(amount)s 元（国库支付凭证号 %(ref)s）。")
                % {"seq": tranche.seq, "amount": fmt(payment.amount), "ref": payment.treasury_ref},
            )
            return redirect("projects:project_detail", project.pk)
    return render(
        request,
        "projects/pay_form.html",
        {"project": project, "tranche": row, "form": form, "contract": tranche.contract},
    )
