"""项目申报: the applicant starts an application to a published call, fills it in (drafts are saved as
typed), attaches PDFs, submits it, and may withdraw it before it is forwarded to the office."""

import hashlib
import os

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications import checks, parsing
from techfund.applications.enums import EDITABLE_STATES, ApplicationState
from techfund.applications.models import (
    Application,
    Attachment,
    BudgetLine,
    Milestone,
    PerformanceTarget,
    TeamMember,
)
from techfund.applications.scopes import visible_applications
from techfund.applications.transitions import APPLICATION, check_window
from techfund.calls import validation as v
from techfund.calls.enums import CallState
from techfund.calls.models import Call
from techfund.calls.scopes import visible_calls
from techfund.calls.services import routing_departments
from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.models import Department, Organisation
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.funds.validation import reason as required_reason

DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

SCALARS = (
    "title",
    "abstract",
    "keywords",
    "subject_code",
    "requested_amount",
    "self_raised",
    "support_mode",
    "basic_research",
    "start_date",
    "end_date",
)
LISTS = ("team", "budget_lines", "targets", "milestones")
DRAFT_FIELDS = SCALARS + LISTS


def max_attachment_bytes() -> int:
    return int(getattr(settings, "APPLICATION_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))


# ---------------------------------------------------------------- reading


def _lists(application: Application) -> dict:
    return {
        "team": [
            {
                "name": m.name,
                "id_number": m.id_number,
                "role": m.role,
                "organisation_name": m.organisation_name,
                "title": m.title,
            }
            for m in application.team.all()
        ],
        "budget_lines": [
            {
                "category": b.category,
                "item": b.item,
                "amount": b.amount,
                "equipment_purchase": b.equipment_purchase,
                "note": b.note,
            }
            for b in application.budget_lines.order_by("id")
        ],
        "targets": [
            {
                "kind": t.kind,
                "name": t.name,
                "indicator_type": t.indicator_type,
                "unit": t.unit,
                "target_value": t.target_value,
                "target_text": t.target_text,
            }
            for t in application.targets.order_by("id")
        ],
        "milestones": [
            {"due_date": m.due_date, "description": m.description}
            for m in application.milestones.order_by("id")
        ],
    }


def content(application: Application) -> dict:
    """Everything the applicant fills in, as plain values (rows in the order they were entered)."""
    return {**{f: getattr(application, f) for f in SCALARS}, **_lists(application)}


def _for_audit(data: dict) -> dict:
    """ID numbers are masked in the trail (it is shown to everyone who sees the application)."""
    out = dict(data)
    if "team" in out:
        out["team"] = [{**m, "id_number": checks.mask_id(m["id_number"])} for m in out["team"]]
    return out


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("call__fund_year__profile")
        .get(pk=application.pk)
    )


def _require_editable(application: Application) -> None:
    if application.state not in EDITABLE_STATES:
        raise ServiceError(
            _("只有填报中或退回修改的申报可以修改；“%(number)s”当前为“%(state)s”。")
            % {"number": application.number, "state": application.get_state_display()},
            code="application_not_editable",
        )


def _organisation_of(actor, organisation) -> Organisation:
    ids = actor.organisation_ids()
    if organisation is not None:
        org_id = organisation.pk if isinstance(organisation, Organisation) else organisation
        if org_id not in ids:
            raise NotAllowed("applications.start")
        return Organisation.objects.get(pk=org_id)
    if len(ids) != 1:
        msg = _("您代表多个申报单位，请选择以哪个单位申报。")
        raise ServiceError(msg, code="organisation_required", errors={"organisation": [msg]})
    return Organisation.objects.get(pk=next(iter(ids)))


def _department(call: Call, value) -> Department:
    quota_depts = {q.department.code: q.department for q in call.quotas.select_related("department")}
    code = value.code if isinstance(value, Department) else str(value or "").strip()
    if quota_depts:
        allowed = quota_depts
        names = "、".join(d.short_name or d.name for d in quota_depts.values())
        refusal = _("归口部门须为本指南分配了推荐限额的部门之一：%(names)s。") % {"names": names}
    else:
        allowed = {d.code: d for d in routing_departments(call.fund_year.profile)}
        refusal = _("请从列表中选择归口的职能部门。")
    if not code:
        msg = _("请选择归口的职能部门。")
        raise ServiceError(msg, code="department_required", errors={"department": [msg]})
    if code not in allowed:
        raise ServiceError(refusal, code="department_invalid", errors={"department": [refusal]})
    return allowed[code]


def _number(call: Call) -> str:
    n = call.applications.count() + 1
    while Application.objects.filter(number=f"{call.code}-{n:04d}").exists():
        n += 1
    return f"{call.code}-{n:04d}"


# ---------------------------------------------------------------- services


@transaction.atomic
def start_application(call: Call, *, actor, department, title, organisation=None, now=None) -> Application:
    """开始申报: a draft for the actor's organisation, routed through ``department`` (职能部门)."""
    call = Call.objects.select_for_update().select_related("fund_year__profile").get(pk=call.pk)
    role = require(actor, "applications.start", call, visible=visible_calls(actor))
    org = _organisation_of(actor, organisation)
    _check_can_start(call, now=now)
    c = v.Collector()
    dept = None
    try:
        dept = _department(call, department)
    except ServiceError as exc:
        c.merge(exc)
    title = c.take(v.text, title, field="title", label=_("项目名称"), max_length=200, required=True)
    c.raise_if_any("application_invalid")
    app = Application.objects.create(
        call=call,
        organisation=org,
        department=dept,
        number=_number(call),
        title=title,
        support_mode=call.support_modes[0] if len(call.support_modes or []) == 1 else "",
        created_by=actor,
    )
    audit.record(
        "application.started",
        actor=actor,
        role=role,
        target=app,
        after={
            "number": app.number,
            "call": call.code,
            "organisation": org.uscc,
            "department": dept.code,
            "title": title,
        },
    )
    return app


def _check_can_start(call: Call, *, now=None) -> None:
    """A draft may be started on a published call until it closes (before it opens, to prepare)."""
    now = now or timezone.now()
    if call.state == CallState.PUBLISHED and now < call.opens_at:
        return
    check_window(call, now=now)


@transaction.atomic
def save_draft(application: Application, *, actor, **fields) -> Application:
    """保存草稿: the given fields replace the current ones (lists replace all their rows).

    Shape errors (a line without an amount, a date that is not a date) are refused with messages by
    field, e.g. ``budget_lines[2].amount``; completeness is checked only when submitting. Saving
    what is already stored writes nothing.
    """
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"save_draft() got unexpected fields: {', '.join(sorted(unknown))}")
    application = _lock(application)
    role = require(actor, "applications.edit", application, visible=visible_applications(actor))
    _require_editable(application)
    call = application.call

    c = v.Collector()
    clean: dict = {}
    if "title" in fields:
        clean["title"] = c.take(v.text, fields["title"], field="title", label=_("项目名称"), max_length=200)
    if "abstract" in fields:
        clean["abstract"] = c.take(
            v.text, fields["abstract"], field="abstract", label=_("项目摘要"), max_length=5000
        )
    if "keywords" in fields:
        clean["keywords"] = c.take(parsing.keywords, fields["keywords"])
    if "subject_code" in fields:
        clean["subject_code"] = c.take(
            v.text, fields["subject_code"], field="subject_code", label=_("学科/领域代码"), max_length=20
        )
    for f, label in (("requested_amount", _("申请财政资金")), ("self_raised", _("自筹资金"))):
        if f in fields:
            amount = c.take(v.money, fields[f], field=f, label=label)
            clean[f] = amount if amount is not None else v.money("0", field=f, label=label)
    if "support_mode" in fields:
        mode = c.take(
            v.text, fields["support_mode"], field="support_mode", label=_("申请支持方式"), max_length=20
        )
        if mode and mode not in (call.support_modes or []):
            c.add("support_mode", _("申请支持方式“%(m)s”不在本指南的支持方式之列。") % {"m": mode})
        clean["support_mode"] = mode
    if "basic_research" in fields:
        clean["basic_research"] = v.boolean(fields["basic_research"])
    for f, label in (("start_date", _("起始日期")), ("end_date", _("完成日期"))):
        if f in fields:
            clean[f] = c.take(v.day, fields[f], field=f, label=label)
    start = clean.get("start_date", application.start_date)
    end = clean.get("end_date", application.end_date)
    if start and end and end < start and "end_date" not in c.errors:
        c.add("end_date", _("完成日期不能早于起始日期。"))
    for name in LISTS:
        if name in fields:
            clean[name] = getattr(parsing, name)(fields[name], c)
    c.raise_if_any(
        "draft_invalid",
        _("申报书有 %(n)s 处需要修改，请按提示修改。") % {"n": sum(map(len, c.errors.values()))},
    )

    before = content(application)
    after = {**before, **clean}
    changed = [f for f in DRAFT_FIELDS if f in clean and _comparable(before[f]) != _comparable(clean[f])]
    if not changed:
        return application
    scalars = [f for f in changed if f in SCALARS]
    for f in scalars:
        setattr(application, f, clean[f])
    application.save(update_fields=[*scalars, "updated_at"])
    _replace_rows(application, {f: clean[f] for f in changed if f in LISTS})
    audit.record(
        "application.draft_saved",
        actor=actor,
        role=role,
        target=application,
        before=_for_audit({f: before[f] for f in changed}),
        after=_for_audit({f: after[f] for f in changed}),
    )
    return application


def _comparable(value):
    return audit.jsonable(value)


def _replace_rows(application: Application, lists: dict) -> None:
    if "team" in lists:
        application.team.all().delete()
        TeamMember.objects.bulk_create(
            [TeamMember(application=application, order=i, **m) for i, m in enumerate(lists["team"])]
        )
    if "budget_lines" in lists:
        application.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(
            [BudgetLine(application=application, **b) for b in lists["budget_lines"]]
        )
    if "targets" in lists:
        application.targets.all().delete()
        PerformanceTarget.objects.bulk_create(
            [PerformanceTarget(application=application, **t) for t in lists["targets"]]
        )
    if "milestones" in lists:
        application.milestones.all().delete()
        Milestone.objects.bulk_create([Milestone(application=application, **m) for m in lists["milestones"]])


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and data.rstrip(b" \t\r\n\x00").endswith(b"%%EOF")


@transaction.atomic
def add_attachment(application: Application, *, actor, uploaded_file, kind: str = "") -> Attachment:
    """上传附件: PDF only, checked by its content (``%PDF-`` … ``%%EOF``), not by its name."""
    application = _lock(application)
    role = require(actor, "applications.edit", application, visible=visible_applications(actor))
    _require_editable(application)
    name = os.path.basename(getattr(uploaded_file, "name", "") or "")[:200] or "attachment.pdf"
    kind = v.text(kind, field="kind", label=_("材料类型"), max_length=50)
    limit = max_attachment_bytes()
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        msg = _("附件“%(name)s”大小为 %(size)s MB，超过 %(limit)s MB 的上限。") % {
            "name": name,
            "size": f"{size / 1024 / 1024:.1f}",
            "limit": f"{limit / 1024 / 1024:g}",
        }
        raise ServiceError(msg, code="attachment_too_large", errors={"file": [msg]})
    data = b"".join(uploaded_file.chunks()) if hasattr(uploaded_file, "chunks") else uploaded_file.read()
    if len(data) > limit:
        msg = _("附件“%(name)s”大小为 %(size)s MB，超过 %(limit)s MB 的上限。") % {
            "name": name,
            "size": f"{len(data) / 1024 / 1024:.1f}",
            "limit": f"{limit / 1024 / 1024:g}",
        }
        raise ServiceError(msg, code="attachment_too_large", errors={"file": [msg]})
    if not data:
        msg = _("附件“%(name)s”是空文件。") % {"name": name}
        raise ServiceError(msg, code="attachment_empty", errors={"file": [msg]})
    if not _is_pdf(data):
        msg = _("附件“%(name)s”不是有效的PDF文件：只接受PDF格式的材料。") % {"name": name}
        raise ServiceError(msg, code="attachment_not_pdf", errors={"file": [msg]})
    sha256 = hashlib.sha256(data).hexdigest()
    same = application.attachments.filter(sha256=sha256).first()
    if same is not None:
        msg = _("该文件已作为“%(name)s”上传过。") % {"name": same.name}
        raise ServiceError(msg, code="attachment_duplicate", errors={"file": [msg]})
    attachment = Attachment(
        application=application, name=name, kind=kind, size=len(data), sha256=sha256, uploaded_by=actor
    )
    attachment.file.save(f"{sha256[:16]}.pdf", ContentFile(data), save=False)
    attachment.save()
    audit.record(
        "application.attachment_added",
        actor=actor,
        role=role,
        target=application,
        data={"attachment": attachment.pk, "name": name, "kind": kind, "size": len(data), "sha256": sha256},
    )
    return attachment


@transaction.atomic
def remove_attachment(attachment: Attachment, *, actor) -> None:
    """删除附件 (while the application may be edited). The file goes once the transaction commits."""
    application = _lock(attachment.application)
    role = require(actor, "applications.edit", application, visible=visible_applications(actor))
    _require_editable(application)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, application=application)
    storage, path = attachment.file.storage, attachment.file.name
    data = {
        "attachment": attachment.pk,
        "name": attachment.name,
        "kind": attachment.kind,
        "sha256": attachment.sha256,
    }
    attachment.delete()
    audit.record("application.attachment_removed", actor=actor, role=role, target=application, data=data)
    transaction.on_commit(lambda: storage.delete(path) if path and storage.exists(path) else None)


@transaction.atomic
def submit_application(application: Application, *, actor, now=None) -> Application:
    """提交: the whole application is checked (window, eligibility, completeness, money, limits)."""
    application = _lock(application)
    role = require(actor, "applications.submit", application, visible=visible_applications(actor))
    # Submissions to one call are serialised, so two at once cannot both slip under a limit.
    Call.objects.select_for_update().filter(pk=application.call_id).first()
    resubmitted = application.state == ApplicationState.RETURNED
    APPLICATION.check(application, ApplicationState.SUBMITTED, now=now)
    previous_reason = application.return_reason
    application.state = ApplicationState.SUBMITTED
    application.submitted_at = now or timezone.now()
    application.return_reason = ""
    application.save(update_fields=["state", "submitted_at", "return_reason", "updated_at"])
    totals = checks.budget_totals(application.budget_lines.all())
    audit.record(
        "application.resubmitted" if resubmitted else "application.submitted",
        actor=actor,
        role=role,
        target=application,
        before={"state": ApplicationState.RETURNED if resubmitted else ApplicationState.DRAFT},
        after={"state": application.state, "submitted_at": application.submitted_at},
        data={
            "requested_amount": application.requested_amount,
            "self_raised": application.self_raised,
            "indirect": totals.indirect,
            "returned_for": previous_reason or None,
        },
    )
    return application


@transaction.atomic
def withdraw_application(application: Application, *, actor, reason) -> Application:
    """撤回: the applicant withdraws, saying why (until the department forwards it to the office)."""
    application = _lock(application)
    role = require(actor, "applications.withdraw", application, visible=visible_applications(actor))
    APPLICATION.check(application, ApplicationState.CANCELLED)
    reason = required_reason(reason, message=_("撤回申报须说明理由。"))
    before = application.state
    application.state = ApplicationState.CANCELLED
    application.save(update_fields=["state", "updated_at"])
    audit.record(
        "application.withdrawn",
        actor=actor,
        role=role,
        target=application,
        before={"state": before},
        after={"state": application.state},
        reason=reason,
    )
    return application
