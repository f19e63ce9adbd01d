"""Pages of the expert pool and conflicts (回避): an expert's page with status, availability, declared
relationships and history; the Excel import; "我的专家信息" for experts; the applicant's 申请回避 list;
the office's conflict findings per round and the conflict check of one application.

Experts see only themselves, applicants only what they typed in their exclusion list; conflict pages
(which name experts) are for the office and the auditor — everyone else gets 404.
"""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from techfund.applications.models import Application
from techfund.applications.scopes import visible_applications
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.core.forms import ServiceForm
from techfund.core.home import register_link
from techfund.core.models import Organisation, User
from techfund.core.permissions import can
from techfund.core.services.audit import trail_for
from techfund.core.views.helpers import paginate, require_can, run_service
from techfund.review import services
from techfund.review.enums import ConflictRule, ExpertStatus, Relationship
from techfund.review.forms import ExpertForm
from techfund.review.models import AvailabilityWindow, Exclusion, ExpertRelation
from techfund.review.scopes import (
    expert_id_of,
    experts_without_account,
    visible_conflicts,
    visible_exclusions,
    visible_experts,
    visible_rounds,
)
from techfund.review.services import conflicts as conflict_service
from techfund.review.services import exclusions as exclusion_service
from techfund.review.services import expert_accounts, pool_import
from techfund.review.services import experts as expert_service

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# ---------------------------------------------------------------- forms


class PoolExpertForm(ExpertForm):
    """The office's expert form with the pool's details (证件号码, contact, publications) and, when
    editing, the status with its period and reason."""

    id_number = forms.CharField(
        label=gettext_lazy("证件号码"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("用于识别专家是否为申报项目成员（回避）。"),
    )
    publications = forms.CharField(
        label=gettext_lazy("代表性成果"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)
    email = forms.CharField(label=gettext_lazy("电子邮箱"), max_length=254, required=False)
    status_until = forms.DateField(label=gettext_lazy("期限至"), required=False, widget=DATE)
    status_reason = forms.CharField(
        label=gettext_lazy("状态原因"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("暂停或禁入须说明原因。"),
    )

    def __init__(self, *args, expert=None, **kwargs):
        super().__init__(*args, expert=expert, **kwargs)
        if expert is None:
            del self.fields["status_until"], self.fields["status_reason"]
        for name in ("id_number", "publications", "phone", "email", "status_until", "status_reason"):
            if expert is not None and name in self.fields:
                self.fields[name].initial = getattr(expert, name)

    def data_for_service(self) -> dict:
        d = self.cleaned_data
        out = {
            f: d[f]
            for f in (
                "name",
                "id_number",
                "organisation",
                "organisation_name",
                "title",
                "subjects",
                "keywords",
                "profile",
                "publications",
                "phone",
                "email",
                "max_load",
            )
        }
        return out


class StatusForm(ServiceForm):
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=ExpertStatus.choices)
    until = forms.DateField(
        label=gettext_lazy("期限至"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("含当日；不填为无限期。期满后自动恢复为可遴选。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("原因"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_map = {"status_until": "until", "status_reason": "reason"}


class WindowForm(ServiceForm):
    starts_on = forms.CharField(label=gettext_lazy("开始日期"), required=False, widget=DATE)
    ends_on = forms.CharField(label=gettext_lazy("结束日期"), required=False, widget=DATE)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=200)


class OwnProfileForm(ServiceForm):
    title = forms.CharField(label=gettext_lazy("职称"), max_length=50, required=False)
    subjects = forms.CharField(
        label=gettext_lazy("学科/领域代码"), required=False, help_text=gettext_lazy("多个用逗号或顿号分隔。")
    )
    keywords = forms.CharField(
        label=gettext_lazy("研究方向关键词"), required=False, help_text=gettext_lazy("多个用逗号或顿号分隔。")
    )
    profile = forms.CharField(
        label=gettext_lazy("个人简介"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    publications = forms.CharField(
        label=gettext_lazy("代表性成果"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)
    email = forms.CharField(label=gettext_lazy("电子邮箱"), max_length=254, required=False)
    max_load = forms.CharField(label=gettext_lazy("每轮最多评审数"), max_length=10)

    def __init__(self, *args, expert, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "profile", "publications", "phone", "email", "max_load"):
            self.fields[name].initial = getattr(expert, name)
        self.fields["subjects"].initial = "、".join(expert.subjects)
        self.fields["keywords"].initial = "、".join(expert.keywords)


class RelationForm(ServiceForm):
    kind = forms.ChoiceField(label=gettext_lazy("关系类型"), choices=Relationship.choices)
    person_name = forms.CharField(label=gettext_lazy("对方姓名"), max_length=50, required=False)
    person_id_number = forms.CharField(label=gettext_lazy("对方证件号码"), max_length=30, required=False)
    person_organisation = forms.CharField(label=gettext_lazy("对方工作单位"), max_length=200, required=False)
    organisation_uscc = forms.CharField(
        label=gettext_lazy("相关单位的统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=gettext_lazy("与某一单位存在利益关系时填写（须为已登记单位）。"),
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=300, required=False)
    field_map = {"organisation": "organisation_uscc"}

    def clean_organisation_uscc(self):
        code = (self.cleaned_data.get("organisation_uscc") or "").strip().upper()
        if not code:
            return None
        org = Organisation.objects.filter(uscc=code).first()
        if org is None:
            raise forms.ValidationError(
                _("统一社会信用代码 %(code)s 的单位尚未在系统登记。") % {"code": code}
            )
        return org


class ImportForm(ServiceForm):
    file = forms.FileField(
        label=gettext_lazy("专家信息表（.xlsx）"), error_messages={"required": gettext_lazy("请选择文件。")}
    )


class LinkAccountForm(ServiceForm):
    username = forms.CharField(
        label=gettext_lazy("登录名"),
        max_length=150,
        error_messages={"required": gettext_lazy("请填写登录名。")},
        help_text=gettext_lazy("须为系统管理员已创建、并已授予“评审专家”角色的账号。"),
    )

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        user = User.objects.filter(username__iexact=name).first()
        if user is None:
            raise forms.ValidationError(_("账号“%(u)s”不存在，请先由系统管理员创建账号。") % {"u": name})
        return user


class ExclusionForm(ServiceForm):
    name = forms.CharField(label=gettext_lazy("专家姓名"), max_length=50, required=False)
    organisation_name = forms.CharField(
        label=gettext_lazy("工作单位"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("可填写，以区分同名专家。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("回避理由"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# ---------------------------------------------------------------- helpers


def _back(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def _require_conflict_reader(user) -> None:
    if not can(user, "review.view_conflicts"):
        raise Http404


def _expert(request, pk: int):
    return get_object_or_404(visible_experts(request.user).select_related("user", "organisation"), pk=pk)


def _my_expert(request):
    expert_id = expert_id_of(request.user)
    if not expert_id:
        raise Http404
    return get_object_or_404(
        visible_experts(request.user).select_related("user", "organisation"), pk=expert_id
    )


def _expert_context(ex) -> dict:
    return {
        "expert": ex,
        "effective_status": expert_service.effective_status(ex),
        "windows": list(ex.availability.all()),
        "relations": list(ex.relations.select_related("organisation")),
        "history": expert_service.history(ex),
        "pledge_text": expert_service.PLEDGE_TEXT,
    }


# ---------------------------------------------------------------- the office's expert page


@login_required
def expert_detail(request, pk: int):
    ex = _expert(request, pk)
    require_can(request.user, "review.view_experts", ex)
    manage = can(request.user, "review.manage_experts", ex)
    ctx = _expert_context(ex)
    ctx.update(
        can_manage=manage,
        status_form=StatusForm(
            initial={"status": ex.status, "until": ex.status_until, "reason": ex.status_reason}
        ),
        window_form=WindowForm(),
        trail=list(trail_for(ex).order_by("seq")),
    )
    return render(request, "review/pool/expert_detail.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def expert_status(request, pk: int):
    ex = _expert(request, pk)
    require_can(request.user, "review.manage_experts", ex)
    form = StatusForm(
        request.POST if request.method == "POST" else None,
        initial={"status": ex.status, "until": ex.status_until, "reason": ex.status_reason},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.set_status(
                ex, actor=request.user, status=d["status"], until=d["until"], reason=d["reason"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("专家%(name)s的状态已更新。") % {"name": ex.name})
            return redirect("review:expert_detail", ex.pk)
    return render(request, "review/pool/expert_status.html", {"form": form, "expert": ex})


@login_required
@require_POST
def availability_add(request, pk: int):
    ex = _expert(request, pk)
    require_can(request.user, "review.manage_availability", ex)
    form = WindowForm(request.POST)
    default = (
        reverse("review:my_profile")
        if ex.pk == expert_id_of(request.user)
        else reverse("review:expert_detail", args=[ex.pk])
    )
    if form.is_valid():
        run_service(
            request,
            services.add_availability,
            ex,
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            note=form.cleaned_data["note"],
            success=_("可参评时段已登记。"),
        )
    return redirect(_back(request, default))


@login_required
@require_POST
def availability_remove(request, pk: int):
    window = get_object_or_404(
        AvailabilityWindow.objects.filter(expert__in=visible_experts(request.user)), pk=pk
    )
    require_can(request.user, "review.manage_availability", window.expert)
    run_service(request, services.remove_availability, window, success=_("可参评时段已删除。"))
    return redirect(_back(request, reverse("review:expert_detail", args=[window.expert_id])))


# ---------------------------------------------------------------- import


@login_required
@require_http_methods(["GET", "POST"])
def expert_import(request):
    require_can(request.user, "review.manage_experts")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.import_experts(form.cleaned_data["file"], actor=request.user)
        except pool_import.ImportRefused as exc:
            report = exc.report
            form.add_error(None, exc.message)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已导入 %(n)s 名专家（关联已有账号 %(old)s 名，尚无登录账号 %(none)s 名）。")
                % {"n": len(report.created), "old": report.accounts_linked, "none": report.without_account},
            )
            if report.without_account:
                messages.info(
                    request,
                    _(
                        "导入不创建账号：尚无登录账号的专家须由系统管理员创建账号、安全管理员授予评审专家角色并关联后，"
                        "才能参加抽取和评审。"
                    ),
                )
            return redirect("review:expert_list")
    labels = {c[0]: str(c[1]) for c in pool_import.COLUMNS}
    errors = [(e.row, labels.get(e.column, "—"), e.message) for e in report.errors] if report else []
    return render(
        request,
        "review/pool/expert_import.html",
        {"form": form, "errors": errors, "columns": [str(c[1]) for c in pool_import.COLUMNS]},
    )


@login_required
def expert_import_template(request):
    require_can(request.user, "review.manage_experts")
    response = HttpResponse(pool_import.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(_('专家导入模板') + '.xlsx')}"
    return response


# ---------------------------------------------------------------- accounts of experts (the security administrator)


def _require_account_linker(user) -> None:
    if not can(user, "review.link_expert_account"):
        raise Http404


@login_required
def expert_accounts_page(request):
    """待关联账号的评审专家: experts the office registered without an account; the security
    administrator links each to an account the system administrator created (三员分立)."""
    _require_account_linker(request.user)
    qs = experts_without_account(request.user).select_related("organisation").order_by("name", "id")
    return render(
        request,
        "review/pool/expert_accounts.html",
        {"page": paginate(request, qs), "candidates": expert_accounts.candidate_accounts().count()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_link_account(request, pk: int):
    ex = get_object_or_404(experts_without_account(request.user).select_related("organisation"), pk=pk)
    require_can(request.user, "review.link_expert_account", ex)
    form = LinkAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        account = form.cleaned_data["username"]
        try:
            expert_accounts.link_account(ex, actor=request.user, user=account)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(
                request,
                _("已为专家%(name)s关联账号“%(u)s”。") % {"name": ex.name, "u": account.username},
            )
            return redirect("review:expert_accounts")
    return render(
        request,
        "review/pool/expert_link_account.html",
        {"expert": ex, "form": form, "candidates": list(expert_accounts.candidate_accounts()[:200])},
    )


# ---------------------------------------------------------------- 我的专家信息


@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request):
    if request.method == "GET" and not expert_id_of(request.user) and request.user.has_role(Role.EXPERT):
        return render(request, "review/pool/my_profile_missing.html")
    ex = _my_expert(request)
    form = OwnProfileForm(request.POST if request.method == "POST" else None, expert=ex)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_own_profile(ex, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("您的专家信息已保存。"))
            return redirect("review:my_profile")
    ctx = _expert_context(ex)
    ctx.update(form=form, window_form=WindowForm(), relation_form=RelationForm())
    return render(request, "review/pool/my_profile.html", ctx)


@login_required
@require_POST
def my_relation_add(request):
    ex = _my_expert(request)
    form = RelationForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.declare_relation(
                ex,
                actor=request.user,
                kind=d["kind"],
                person_name=d["person_name"],
                person_id_number=d["person_id_number"],
                person_organisation=d["person_organisation"],
                organisation=d["organisation_uscc"],
                note=d["note"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("利益关系已申报。"))
            return redirect("review:my_profile")
    ctx = _expert_context(ex)
    ctx.update(form=OwnProfileForm(expert=ex), window_form=WindowForm(), relation_form=form)
    return render(request, "review/pool/my_profile.html", ctx)


@login_required
@require_POST
def relation_withdraw(request, pk: int):
    relation = get_object_or_404(
        ExpertRelation.objects.filter(expert__in=visible_experts(request.user)), pk=pk
    )
    require_can(request.user, "review.declare_relation", relation.expert)
    run_service(
        request,
        services.withdraw_relation,
        relation,
        reason=request.POST.get("reason", ""),
        success=_("已撤回该利益关系申报。"),
    )
    default = (
        reverse("review:my_profile")
        if relation.expert_id == expert_id_of(request.user)
        else reverse("review:expert_detail", args=[relation.expert_id])
    )
    return redirect(_back(request, default))


@login_required
@require_POST
def my_pledge(request):
    ex = _my_expert(request)
    run_service(request, services.sign_pledge, ex, success=_("您已签署评审专家诚信承诺书。"))
    return redirect("review:my_profile")


# ---------------------------------------------------------------- 申请回避 (the applicant's list)


def _exclusion_application(request, pk: int) -> Application:
    app = get_object_or_404(
        visible_applications(request.user).select_related("organisation", "call__fund_year__profile"), pk=pk
    )
    if not can(request.user, "review.view_exclusions", app):
        raise Http404
    return app


@login_required
@require_http_methods(["GET", "POST"])
def exclusions(request, pk: int):
    app = _exclusion_application(request, pk)
    manage = can(request.user, "review.manage_exclusions", app)
    form = ExclusionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require_can(request.user, "review.manage_exclusions", app)
        if form.is_valid():
            try:
                services.add_exclusion(app, actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.apply_service_error(exc)
            else:
                messages.success(request, _("已提交申请回避的专家。"))
                return redirect("review:exclusions", app.pk)
    rows = list(visible_exclusions(request.user).filter(application=app).select_related("created_by"))
    limit = exclusion_service.max_exclusions(app)
    closed = exclusion_service.can_change(app)
    return render(
        request,
        "review/pool/exclusions.html",
        {
            "application": app,
            "rows": rows,
            "form": form,
            "can_manage": manage and not closed,
            "closed": closed,
            "limit": limit,
            "remaining": max(0, limit - len(rows)),
            "can_see_conflicts": can(request.user, "review.view_conflicts"),
        },
    )


@login_required
@require_POST
def exclusion_remove(request, pk: int):
    row = get_object_or_404(visible_exclusions(request.user), pk=pk)
    app = _exclusion_application(request, row.application_id)
    require_can(request.user, "review.manage_exclusions", app)
    run_service(request, services.remove_exclusion, row, success=_("已撤回该申请回避。"))
    return redirect("review:exclusions", app.pk)


# ---------------------------------------------------------------- conflicts (office and auditor)


@login_required
def conflict_rounds(request):
    _require_conflict_reader(request.user)
    rounds = (
        visible_rounds(request.user)
        .select_related("call__fund_year")
        .order_by("-call__fund_year__year", "call__code", "sequence")
    )
    counts = dict(visible_conflicts(request.user).values_list("round_id").annotate(n=Count("id")))
    rows = [(r, counts.get(r.pk, 0)) for r in rounds]
    return render(request, "review/pool/conflict_rounds.html", {"rows": rows})


def _round_findings(request, r):
    qs = visible_conflicts(request.user).filter(round=r).select_related("application", "expert")
    rule = request.GET.get("rule", "")
    if rule in ConflictRule.values:
        qs = qs.filter(rule=rule)
    else:
        rule = ""
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(application__number__icontains=q) | Q(expert__name__icontains=q) | Q(reason__icontains=q)
        )
    return qs.order_by("application__number", "expert__name", "rule"), rule, q


@login_required
def round_conflicts(request, pk: int):
    _require_conflict_reader(request.user)
    r = get_object_or_404(visible_rounds(request.user).select_related("call__fund_year"), pk=pk)
    qs, rule, q = _round_findings(request, r)
    if request.GET.get("format") == "xlsx":
        content, rows = conflict_service.export_conflicts(r, qs, actor=request.user, rule=rule)
        response = HttpResponse(content, content_type=XLSX)
        name = f"{r.call.code}-{r.sequence}-{_('回避情况')}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        response["X-Rows"] = str(rows)
        return response
    return render(
        request,
        "review/pool/round_conflicts.html",
        {
            "round": r,
            "page": paginate(request, qs),
            "rule": rule,
            "q": q,
            "rules": ConflictRule.choices,
            "can_check": can(request.user, "review.check_conflicts", r),
        },
    )


@login_required
@require_POST
def round_conflicts_check(request, pk: int):
    _require_conflict_reader(request.user)
    r = get_object_or_404(visible_rounds(request.user), pk=pk)
    require_can(request.user, "review.check_conflicts", r)
    try:
        n = services.check_round_conflicts(r, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("回避检查完成，发现 %(n)s 项回避情形。") % {"n": n})
    return redirect("review:round_conflicts", r.pk)


@login_required
def application_conflicts(request, pk: int):
    """The conflict check of one application against the whole pool, computed now."""
    _require_conflict_reader(request.user)
    app = get_object_or_404(visible_applications(request.user).select_related("organisation", "call"), pk=pk)
    found = conflict_service.application_conflicts(app)
    experts = {
        e.pk: e
        for e in visible_experts(request.user)
        .filter(pk__in=[e for _a, e in found])
        .select_related("organisation")
    }
    rows = []
    for (_a, expert_id), items in sorted(found.items(), key=lambda kv: experts[kv[0][1]].name):
        for rule, reason in items:
            rows.append((experts[expert_id], ConflictRule(rule).label, reason))
    exclusion_rows = list(Exclusion.objects.filter(application=app))
    return render(
        request,
        "review/pool/application_conflicts.html",
        {"application": app, "rows": rows, "experts": len(experts), "exclusions": exclusion_rows},
    )


# ---------------------------------------------------------------- home links


_registered = False


def register_links() -> None:
    """Called from ``ReviewConfig.ready()``: "我的专家信息" for experts, "回避情况" for the office and auditor,
    "待关联账号的评审专家" for the security administrator (and that page's audit action)."""
    global _registered
    if _registered:
        return
    _registered = True
    register_link(Role.EXPERT, "review:my_profile", gettext_lazy("我的专家信息"))
    register_link(Role.EXPERT, "review:my_meetings", gettext_lazy("我参加的论证会议"))
    register_link(Role.OFFICE, "review:conflict_rounds", gettext_lazy("回避情况"))
    register_link(Role.AUDITOR, "review:conflict_rounds", gettext_lazy("回避情况"))
    register_link(Role.SECADMIN, "review:expert_accounts", gettext_lazy("待关联账号的评审专家"))
    from techfund.core.audit_actions import register_actions

    register_actions({"review.expert.account_linked": gettext_lazy("关联评审专家登录账号")})
