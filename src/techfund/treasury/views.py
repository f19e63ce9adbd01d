"""Web pages of the treasury (直通车): finance's workbench (pending instructions, batches, files,
confirmation imports with a preview before applying, reconciliation) and the payee account pages.
Thin: each page reads through the scopes and acts through the services.

Records outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown as a message or beside the form's fields (nothing saved).
"""

import base64
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent, Organisation
from techfund.core.permissions import can
from techfund.core.services.audit import target_type_of
from techfund.core.views.helpers import paginate, require_can
from techfund.funds.models import FundYear
from techfund.treasury import services
from techfund.treasury.enums import AccountState, BatchState, InstructionState
from techfund.treasury.forms import AccountForm, BatchForm, CancelForm, ImportForm, VerifyForm
from techfund.treasury.models import PayeeAccount
from techfund.treasury.rules import may_cancel, may_verify
from techfund.treasury.scopes import (
    reads_treasury,
    sees_accounts,
    sees_instructions,
    visible_accounts,
    visible_batches,
    visible_imports,
    visible_instructions,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
#: The previewed confirmation file waits in the session (key by batch) until finance applies it.
SESSION_KEY = "treasury_import_%d"
MAX_UPLOAD = 5 * 1024 * 1024


def _trail(obj):
    q = Q(target_type=target_type_of(obj), target_id=str(obj.pk))
    return list(AuditEvent.objects.filter(q).select_related("actor").order_by("seq"))


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


# ---------------------------------------------------------------- workbench


@login_required
def workbench(request):
    """直通车 workbench: instructions waiting for a batch, the batches, and (finance) a new batch."""
    if not reads_treasury(request.user):
        raise Http404
    pending = (
        visible_instructions(request.user)
        .filter(state=InstructionState.PENDING)
        .select_related("payee", "project", "fund_year")
        .order_by("fund_year__year", "number")
    )
    years = FundYear.objects.filter(payment_instructions__state=InstructionState.PENDING).distinct()
    batches = (
        visible_batches(request.user)
        .select_related("fund_year", "created_by")
        .annotate(
            n=Count("instructions", filter=~Q(instructions__state=InstructionState.CANCELLED)),
            total=Sum("instructions__amount", filter=~Q(instructions__state=InstructionState.CANCELLED)),
        )
        .order_by("-created_at", "-id")
    )
    may_batch = can(request.user, "treasury.batch")
    return render(
        request,
        "treasury/workbench.html",
        {
            "pending": list(pending),
            "pending_total": sum((i.amount for i in pending), start=0),
            "batches": paginate(request, batches),
            "batch_form": BatchForm(years=years) if may_batch and years else None,
        },
    )


@login_required
def instruction_list(request):
    if not sees_instructions(request.user):
        raise Http404
    qs = (
        visible_instructions(request.user)
        .select_related("payee", "project", "batch", "fund_year")
        .order_by("-created_at", "-id")
    )
    state = request.GET.get("state", "")
    if state in InstructionState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "treasury/instruction_list.html",
        {"page": paginate(request, qs), "state": state, "states": InstructionState.choices},
    )


@login_required
def instruction_detail(request, pk: int):
    i = get_object_or_404(
        visible_instructions(request.user).select_related("payee", "project", "batch", "account", "entry"),
        pk=pk,
    )
    return render(
        request,
        "treasury/instruction_detail.html",
        {
            "i": i,
            "cancel_form": CancelForm() if may_cancel(request.user, i) else None,
            "confirmations": list(
                i.confirmations.select_related("file").order_by("file__imported_at", "row")
            ),
            "trail": _trail(i),
        },
    )


@login_required
@require_POST
def instruction_cancel(request, pk: int):
    i = get_object_or_404(visible_instructions(request.user), pk=pk)
    require_can(request.user, "treasury.cancel", i)
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        services.cancel_instruction(i, actor=request.user, reason=form.cleaned_data.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已撤销支付指令 %(n)s。") % {"n": i.number})
    return redirect("treasury:instruction_detail", i.pk)


# ---------------------------------------------------------------- batches


@login_required
@require_POST
def batch_new(request):
    if not reads_treasury(request.user):
        raise Http404
    require_can(request.user, "treasury.batch")
    years = FundYear.objects.all()
    form = BatchForm(request.POST, years=years)
    if not form.is_valid():
        messages.error(request, _("请选择年度。"))
        return redirect("treasury:workbench")
    fy = get_object_or_404(FundYear, pk=form.cleaned_data["fund_year"])
    try:
        batch = services.create_batch(fy, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("treasury:workbench")
    messages.success(request, _("已编制支付批次 %(n)s。") % {"n": batch.number})
    return redirect("treasury:batch_detail", batch.pk)


def _batch(request, pk):
    return get_object_or_404(
        visible_batches(request.user).select_related("fund_year", "created_by", "sent_by"), pk=pk
    )


@login_required
def batch_detail(request, pk: int):
    batch = _batch(request, pk)
    rep = services.reconcile_batch(batch)
    may_import = can(request.user, "treasury.import", batch) and batch.state != BatchState.DRAFT
    return render(
        request,
        "treasury/batch_detail.html",
        {
            "batch": batch,
            "rep": rep,
            "imports": list(batch.imports.select_related("imported_by")),
            "may_export": can(request.user, "treasury.batch", batch) and bool(rep.instructions),
            "import_form": ImportForm() if may_import else None,
            "trail": _trail(batch),
        },
    )


@login_required
@require_POST
def batch_export(request, pk: int, fmt_: str):
    batch = _batch(request, pk)
    require_can(request.user, "treasury.batch", batch)
    try:
        data = services.export_batch(batch, actor=request.user, fmt=fmt_)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("treasury:batch_detail", batch.pk)
    return _download(data, f"{batch.number}.{fmt_}", XLSX if fmt_ == "xlsx" else CSV)


@login_required
def batch_reconciliation(request, pk: int):
    batch = _batch(request, pk)
    require_can(request.user, "treasury.export", batch)
    data = services.reconciliation_xlsx(services.reconcile_batch(batch))
    return _download(data, f"{batch.number}-reconciliation.xlsx", XLSX)


@login_required
@require_POST
def batch_import(request, pk: int):
    """Step 1: upload the treasury's file → a preview of every row (nothing is applied yet)."""
    batch = _batch(request, pk)
    require_can(request.user, "treasury.import", batch)
    form = ImportForm(request.POST, request.FILES)
    rows, error = None, None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            error = _("文件超过5MB。")
        else:
            data = upload.read()
            try:
                rows = services.preview_confirmations(batch, data, actor=request.user, filename=upload.name)
            except ServiceError as exc:
                error = str(exc.message)
            else:
                request.session[SESSION_KEY % batch.pk] = {
                    "name": upload.name,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "data": base64.b64encode(data).decode(),
                }
    if error:
        form.add_error("file", error)
    if rows is None:
        return render(request, "treasury/import_form.html", {"batch": batch, "form": form}, status=200)
    return render(
        request,
        "treasury/import_preview.html",
        {
            "batch": batch,
            "rows": rows,
            "filename": request.session[SESSION_KEY % batch.pk]["name"],
            "sha256": request.session[SESSION_KEY % batch.pk]["sha256"],
            "matched": sum(1 for r in rows if r.result == "matched"),
        },
    )


@login_required
@require_POST
def batch_import_apply(request, pk: int):
    """Step 2: apply the previewed file (the same bytes, checked by their hash)."""
    batch = _batch(request, pk)
    require_can(request.user, "treasury.import", batch)
    held = request.session.get(SESSION_KEY % batch.pk)
    if not held or held.get("sha256") != request.POST.get("sha256"):
        messages.error(request, _("预览已失效，请重新上传国库支付结果文件。"))
        return redirect("treasury:batch_detail", batch.pk)
    try:
        record = services.import_confirmations(
            batch, base64.b64decode(held["data"]), actor=request.user, filename=held["name"]
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("treasury:batch_detail", batch.pk)
    request.session.pop(SESSION_KEY % batch.pk, None)
    messages.success(
        request,
        _("已导入：%(m)d行相符并已处理，%(p)d行需核实。") % {"m": record.matched, "p": record.problems},
    )
    return redirect("treasury:import_detail", record.pk)


@login_required
def import_detail(request, pk: int):
    record = get_object_or_404(visible_imports(request.user).select_related("batch", "imported_by"), pk=pk)
    return render(
        request,
        "treasury/import_detail.html",
        {"record": record, "batch": record.batch, "rows": list(record.rows.select_related("instruction"))},
    )


# ---------------------------------------------------------------- payee accounts


@login_required
def account_list(request):
    """Finance: accounts waiting for verification and every organisation's account in use;
    applicant: its organisations."""
    if not sees_accounts(request.user):
        raise Http404
    if reads_treasury(request.user):
        accounts = (
            visible_accounts(request.user)
            .filter(state__in=[AccountState.PENDING, AccountState.VERIFIED])
            .select_related("organisation", "recorded_by", "verified_by")
        )
        orgs = None
    else:
        accounts = None
        orgs = Organisation.objects.filter(pk__in=request.user.organisation_ids())
        if len(orgs) == 1:
            return redirect("treasury:account_detail", orgs[0].pk)
    return render(
        request,
        "treasury/account_list.html",
        {
            "page": paginate(request, accounts.order_by("state", "organisation__name"))
            if accounts is not None
            else None,
            "orgs": orgs,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_detail(request, org_id: int):
    if not sees_accounts(request.user):
        raise Http404
    org = get_object_or_404(Organisation, pk=org_id)
    if not (reads_treasury(request.user) or org.pk in request.user.organisation_ids()):
        raise Http404
    may_record = can(request.user, "treasury.record_account", org)
    form = None
    if may_record:
        form = AccountForm(
            request.POST if request.method == "POST" else None, initial={"account_name": org.name}
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.record_account(org, actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.apply_service_error(exc)
            else:
                messages.success(request, _("已登记收款账户，待财政部门核验。"))
                return redirect("treasury:account_detail", org.pk)
    elif request.method == "POST":
        require_can(request.user, "treasury.record_account", org)
    history = list(PayeeAccount.objects.filter(organisation=org).select_related("recorded_by", "verified_by"))
    pending = next((a for a in history if a.state == AccountState.PENDING), None)
    return render(
        request,
        "treasury/account_detail.html",
        {
            "org": org,
            "history": history,
            "current": next((a for a in history if a.state == AccountState.VERIFIED), None),
            "pending": pending,
            "form": form,
            "verify_form": VerifyForm() if pending and may_verify(request.user, pending) else None,
        },
    )


@login_required
@require_POST
def account_verify(request, pk: int):
    acc = get_object_or_404(visible_accounts(request.user), pk=pk)
    require_can(request.user, "treasury.verify_account", acc)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择核验结果。"))
        return redirect("treasury:account_detail", acc.organisation_id)
    try:
        services.verify_account(acc, actor=request.user, **form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("收款账户已核验通过。") if form.cleaned_data["approve"] else _("已记录核验不通过意见。"),
        )
    return redirect("treasury:account_detail", acc.organisation_id)
