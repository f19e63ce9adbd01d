"""Web pages of the applications: the applicant's form (with autosave), the department's pre-screen
and batches, the office's formal check. Thin: pages read through the scopes, act through the services.

Objects outside the user's scope answer 404; actions the user may not take answer 403; a service's
refusal is shown on the page (nothing saved).
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from techfund.applications import checks, services
from techfund.applications.enums import (
    EDITABLE_STATES,
    ApplicationState,
    FormalResult,
    PrescreenDecision,
    TeamRole,
)
from techfund.applications.forms import (
    AttachmentForm,
    DraftPage,
    DraftPost,
    PrescreenForm,
    ReasonForm,
    StartForm,
    describe_error_key,
)
from techfund.applications.models import (
    Application,
    Batch,
    FormalCheck,
    TeamMember,
)
from techfund.applications.scopes import (
    sees_applications,
    visible_applications,
    visible_attachments,
)
from techfund.applications.services.applications import max_attachment_bytes
from techfund.calls.models import CallQuota
from techfund.calls.scopes import visible_calls
from techfund.calls.validation import SHANGHAI
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.core.models import Department, Organisation
from techfund.core.permissions import can
from techfund.core.views.helpers import paginate, require_can, run_service
from techfund.policy.enums import SupportMode


def _require_role(user, role: str) -> None:
    if role not in user.roles():
        raise PermissionDenied(role)


def _leads():
    return Prefetch("team", queryset=TeamMember.objects.filter(role=TeamRole.LEAD), to_attr="leads")


def _listing(qs):
    return qs.select_related("call", "organisation", "department", "batch__department").prefetch_related(
        _leads()
    )


def _application(request, pk: int) -> Application:
    return get_object_or_404(
        visible_applications(request.user).select_related(
            "call__fund_year__profile", "call__focus_area", "organisation", "department", "batch"
        ),
        pk=pk,
    )


def _back(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


# ---------------------------------------------------------------- lists


@login_required
def application_list(request):
    user = request.user
    if not sees_applications(user):
        raise Http404
    qs = _listing(visible_applications(user)).order_by("-created_at", "-id")
    state = request.GET.get("state", "")
    if state in ApplicationState.values:
        qs = qs.filter(state=state)
    call_id = request.GET.get("call", "")
    if call_id.isdigit():
        qs = qs.filter(call_id=int(call_id))
    mine_only = set(user.roles()) == {Role.APPLICANT}
    return render(
        request,
        "applications/list.html",
        {
            "page": paginate(request, qs),
            "states": ApplicationState.choices,
            "state": state,
            "mine_only": mine_only,
        },
    )


# ---------------------------------------------------------------- the applicant


@login_required
@require_POST
def application_start(request, call_pk: int):
    call = get_object_or_404(visible_calls(request.user).select_related("fund_year__profile"), pk=call_pk)
    require_can(request.user, "applications.start", call)
    orgs = list(Organisation.objects.filter(pk__in=request.user.organisation_ids()).order_by("name"))
    form = StartForm(request.POST, call=call, organisations=orgs)
    if form.is_valid():
        d = form.cleaned_data
        try:
            app = services.start_application(
                call,
                actor=request.user,
                department=d["department"],
                title=d["title"],
                organisation=int(d["organisation"]),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("已创建申报书 %(n)s，请填写各部分内容（输入后自动保存）。") % {"n": app.number}
            )
            return redirect("applications:edit", app.pk)
    else:
        messages.error(request, _("请填写项目名称并选择归口职能部门。"))
    return redirect(reverse("calls:detail", args=[call.pk]) + "#apply")


def _detail_rows(app: Application):
    return {
        "team": list(app.team.all()),
        "budget_lines": list(app.budget_lines.all()),
        "targets": list(app.targets.all()),
        "milestones": list(app.milestones.all()),
        "attachments": list(app.attachments.all()),
    }


@login_required
def application_detail(request, pk: int):
    user = request.user
    app = _application(request, pk)
    rows = _detail_rows(app)
    totals = checks.budget_totals(rows["budget_lines"])
    cap = checks.indirect_cap(app.call.fund_year.profile, totals.base, basic_research=app.basic_research)
    ctx = {
        "app": app,
        **rows,
        "totals": totals,
        "cap": cap,
        "prescreens": list(app.prescreens.select_related("decided_by")),
        "formal_checks": list(app.formal_checks.select_related("checked_by")),
        "support_mode_label": SupportMode(app.support_mode).label
        if app.support_mode in SupportMode.values
        else "",
        "can_edit": app.state in EDITABLE_STATES and can(user, "applications.edit", app),
        "can_submit": app.state in EDITABLE_STATES and can(user, "applications.submit", app),
        "can_withdraw": app.state
        in (
            ApplicationState.DRAFT,
            ApplicationState.SUBMITTED,
            ApplicationState.RETURNED,
            ApplicationState.RECOMMENDED,
        )
        and can(user, "applications.withdraw", app),
        "can_prescreen": app.state == ApplicationState.SUBMITTED and can(user, "applications.prescreen", app),
        "can_formal": app.state == ApplicationState.FORWARDED and can(user, "applications.formal_check", app),
    }
    if ctx["can_prescreen"]:
        ctx["prescreen_form"] = PrescreenForm(auto_id="prescreen_%s")
    if ctx["can_formal"]:
        ctx["findings"] = checks.findings(app, rules=checks.FORMAL_RULES)
        ctx["formal_form"] = ReasonForm(auto_id="formal_%s")
    return render(request, "applications/detail.html", ctx)


def _edit_context(app: Application, page: DraftPage) -> dict:
    call = app.call
    return {
        "app": app,
        "call": call,
        "page": page,
        "support_modes": [(m, SupportMode(m).label) for m in call.support_modes if m in SupportMode.values],
        "attachments": list(app.attachments.all()),
        "attachment_form": AttachmentForm(),
        "max_mb": max_attachment_bytes() // (1024 * 1024),
    }


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk: int):
    app = _application(request, pk)
    require_can(request.user, "applications.edit", app)
    if app.state not in EDITABLE_STATES:
        messages.error(request, _("只有填报中或退回修改的申报可以修改。"))
        return redirect("applications:detail", app.pk)
    if request.method == "POST":
        post = DraftPost.read(request.POST)
        try:
            services.save_draft(app, actor=request.user, **post.fields)
        except ServiceError as exc:
            page = DraftPage(app, post=post, errors=post.form_errors(exc.errors))
            ctx = _edit_context(app, page) | {"error": exc}
            return render(request, "applications/form.html", ctx, status=200)
        messages.success(request, _("申报书已保存。"))
        if request.POST.get("then") == "submit":
            return redirect("applications:submit", app.pk)
        return redirect("applications:edit", app.pk)
    return render(request, "applications/form.html", _edit_context(app, DraftPage(app)))


@login_required
@require_POST
def application_autosave(request, pk: int):
    """htmx: save what was typed; answer with the time saved or the errors (nothing saved then)."""
    app = _application(request, pk)
    require_can(request.user, "applications.edit", app)
    post = DraftPost.read(request.POST)
    try:
        services.save_draft(app, actor=request.user, **post.fields)
    except ServiceError as exc:
        errors = post.form_errors(exc.errors)
        items = [(describe_error_key(k), m) for k, ms in errors.items() for m in ms]
        return render(request, "applications/_autosave.html", {"error": exc, "items": items})
    now = timezone.localtime(timezone.now(), SHANGHAI)
    return render(request, "applications/_autosave.html", {"saved_at": now.strftime("%H:%M:%S")})


@login_required
@require_http_methods(["GET", "POST"])
def application_submit(request, pk: int):
    app = _application(request, pk)
    require_can(request.user, "applications.submit", app)
    error = None
    if request.method == "POST":
        try:
            services.submit_application(app, actor=request.user)
        except ServiceError as exc:
            error = exc
        else:
            messages.success(request, _("申报已提交，等待%(d)s初审。") % {"d": app.department.name})
            return redirect("applications:detail", app.pk)
    findings = checks.findings(app, rules=checks.SUBMIT_RULES)
    return render(request, "applications/submit.html", {"app": app, "findings": findings, "error": error})


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk: int):
    app = _application(request, pk)
    require_can(request.user, "applications.withdraw", app)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_application(app, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("申报已撤回。"))
            return redirect("applications:detail", app.pk)
    return render(request, "applications/withdraw.html", {"app": app, "form": form})


@login_required
@require_POST
def attachment_add(request, pk: int):
    app = _application(request, pk)
    require_can(request.user, "applications.edit", app)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的PDF文件。"))
    else:
        try:
            att = services.add_attachment(
                app,
                actor=request.user,
                uploaded_file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("附件“%(name)s”已上传。") % {"name": att.name})
    return redirect(reverse("applications:edit", args=[app.pk]) + "#attachments")


@login_required
@require_POST
def attachment_remove(request, pk: int, attachment_pk: int):
    app = _application(request, pk)
    att = get_object_or_404(app.attachments, pk=attachment_pk)
    require_can(request.user, "applications.edit", app)
    run_service(
        request, services.remove_attachment, att, success=_("附件“%(name)s”已删除。") % {"name": att.name}
    )
    return redirect(reverse("applications:edit", args=[app.pk]) + "#attachments")


@login_required
def attachment_download(request, attachment_pk: int):
    att = get_object_or_404(visible_attachments(request.user), pk=attachment_pk)
    try:
        handle = att.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=att.name, content_type="application/pdf")


# ---------------------------------------------------------------- the department


@login_required
@require_POST
def application_prescreen(request, pk: int):
    app = _application(request, pk)
    require_can(request.user, "applications.prescreen", app)
    form = PrescreenForm(request.POST)
    back = _back(request, reverse("applications:detail", args=[app.pk]))
    if not form.is_valid():
        messages.error(request, _("请选择初审意见。"))
        return redirect(back)
    try:
        services.prescreen(
            app,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as exc:
        messages.error(request, f"{app.number}：{exc.message}")
    else:
        label = PrescreenDecision(form.cleaned_data["decision"]).label
        messages.success(request, _("%(n)s：%(d)s。") % {"n": app.number, "d": label})
    return redirect(back)


@login_required
def screening(request):
    """职能部门: applications to pre-screen, and recommended ones to forward in batches."""
    user = request.user
    _require_role(user, Role.DEPARTMENT)
    dept_ids = user.department_ids()
    mine = visible_applications(user).filter(department_id__in=dept_ids)
    to_screen = list(_listing(mine.filter(state=ApplicationState.SUBMITTED)).order_by("submitted_at", "id"))
    recommended = list(
        _listing(mine.filter(state=ApplicationState.RECOMMENDED)).order_by("call__code", "number")
    )
    groups: dict[tuple[int, int], list[Application]] = defaultdict(list)
    for a in recommended:
        groups[(a.call_id, a.department_id)].append(a)
    call_ids = {k[0] for k in groups}
    quotas = {(q.call_id, q.department_id): q.quota for q in CallQuota.objects.filter(call_id__in=call_ids)}
    has_quotas = set(
        CallQuota.objects.filter(call_id__in=call_ids).values_list("call_id", flat=True).distinct()
    )
    forwarded = {
        (r["call_id"], r["department_id"]): r["n"]
        for r in Application.objects.filter(
            call_id__in=call_ids, department_id__in=dept_ids, batch__isnull=False
        )
        .values("call_id", "department_id")
        .annotate(n=Count("id"))
    }
    batches = list(
        Batch.objects.filter(department_id__in=dept_ids)
        .select_related("call", "department", "forwarded_by")
        .annotate(n=Count("applications"))
        .order_by("-forwarded_at")[:20]
    )
    forward_groups = []
    for (call_id, dept_id), apps in groups.items():
        quota = quotas.get((call_id, dept_id), 0) if call_id in has_quotas else None
        used = forwarded.get((call_id, dept_id), 0)
        forward_groups.append(
            {
                "call": apps[0].call,
                "department": apps[0].department,
                "applications": apps,
                "quota": quota,
                "used": used,
                "left": None if quota is None else max(quota - used, 0),
            }
        )
    return render(
        request,
        "applications/screening.html",
        {
            "to_screen": to_screen,
            "forward_groups": forward_groups,
            "batches": batches,
            "prescreen_form": PrescreenForm(),
        },
    )


@login_required
@require_POST
def forward(request, call_pk: int):
    user = request.user
    _require_role(user, Role.DEPARTMENT)
    call = get_object_or_404(visible_calls(user), pk=call_pk)
    department = get_object_or_404(Department, code=request.POST.get("department", ""))
    require_can(user, "applications.forward", department)
    ids = [i for i in request.POST.getlist("applications") if i.isdigit()]
    try:
        batch = services.forward_batch(
            call,
            actor=user,
            department=department,
            applications=[int(i) for i in ids],
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已将 %(n)s 项申报作为第%(b)s批报送领导小组办公室。") % {"n": len(ids), "b": batch.number},
        )
    return redirect("applications:screening")


# ---------------------------------------------------------------- the office


@login_required
def formal_queue(request):
    """领导小组办公室: forwarded applications awaiting the formal check, each with its findings."""
    user = request.user
    require_can(user, "applications.formal_check")
    qs = _listing(visible_applications(user).filter(state=ApplicationState.FORWARDED)).order_by(
        "call__code", "batch__number", "number"
    )
    call_id = request.GET.get("call", "")
    if call_id.isdigit():
        qs = qs.filter(call_id=int(call_id))
    apps = list(qs)
    results = checks.evaluate(apps, rules=checks.FORMAL_RULES)
    rows = [{"app": a, "findings": results[a.pk], "ok": all(f.ok for f in results[a.pk])} for a in apps]
    recent = list(
        FormalCheck.objects.filter(application__in=visible_applications(user))
        .select_related("application", "checked_by")
        .order_by("-checked_at", "-id")[:20]
    )
    return render(
        request,
        "applications/formal_queue.html",
        {"rows": rows, "recent": recent, "form": ReasonForm(auto_id=False)},
    )


@login_required
@require_POST
def application_formal_check(request, pk: int):
    app = _application(request, pk)
    require_can(request.user, "applications.formal_check", app)
    result = request.POST.get("result", "")
    result = result if result in FormalResult.values else None
    back = _back(request, reverse("applications:detail", args=[app.pk]))
    try:
        row = services.formal_check(
            app, actor=request.user, result=result, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, f"{app.number}：{exc.message}")
    else:
        messages.success(
            request, _("%(n)s：形式审查%(r)s。") % {"n": app.number, "r": row.get_result_display()}
        )
    return redirect(back)
