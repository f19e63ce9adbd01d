"""专家库: the office registers people holding the expert role as experts and keeps their details;
experts keep their own profile, availability and declared relationships, and sign the integrity pledge.

An expert's organisation (and 证件号码) is what conflicts are checked against (``conflicts.py``);
``organisation_name`` is shown where no organisation record exists (a university outside the city,
for instance). A suspension or ban (暂停 / 禁入) always says why and may run until a date: once that
day has passed the expert counts as active again (``effective_status``), without anyone acting.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications import parsing
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.core.models import Organisation, User
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.review import validation
from techfund.review.enums import AssignmentState, ExpertStatus, Relationship
from techfund.review.models import Assignment, AvailabilityWindow, Expert, ExpertRelation
from techfund.review.scopes import visible_experts

FIELDS = (
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
    "status",
    "status_until",
    "status_reason",
)
#: What an expert may change of their own record (never name, 证件号码, workplace or status).
OWN_FIELDS = ("title", "subjects", "keywords", "profile", "publications", "phone", "email", "max_load")
STATUS_FIELDS = ("status", "status_until", "status_reason")
MAX_LOAD_LIMIT = 500

#: 评审专家诚信承诺书 (what the expert signs on "我的专家信息").
PLEDGE_TEXT = (
    "本人自愿担任评审专家，郑重承诺：坚持客观公正、实事求是，独立、负责地提出评审意见；"
    "严格遵守回避制度，如实申报与申报单位或项目成员之间的利益关系；"
    "保守评审工作秘密，不泄露评审信息和申报材料；"
    "不接受申报单位及相关人员的宴请、礼品礼金或其他利益；"
    "不利用评审专家身份谋取不正当利益。"
    "如有违反，愿接受暂停或取消评审专家资格等处理，并承担相应责任。"
)


def snapshot(expert: Expert) -> dict:
    return audit.snapshot(expert, FIELDS)


def effective_status(expert: Expert, on: dt.date | None = None) -> str:
    """The status that holds on ``on`` (today): a suspension or ban whose period ended is over."""
    on = on or timezone.localdate()
    if expert.status != ExpertStatus.ACTIVE and expert.status_until is not None and expert.status_until < on:
        return ExpertStatus.ACTIVE
    return expert.status


def _label(field: str) -> str:
    return str(Expert._meta.get_field(field).verbose_name)


def _clean(data: dict) -> dict:
    """Check the given fields (only those present); every problem is reported at once."""
    errors: dict = {}
    out: dict = {}

    def check(field, fn):
        try:
            out[field] = fn(data[field])
        except ServiceError as exc:
            for f, msgs in exc.errors.items():
                errors.setdefault(f, []).extend(msgs)

    texts = {
        "organisation_name": 200,
        "title": 50,
        "profile": 5000,
        "publications": 5000,
        "phone": 30,
        "status_reason": 300,
    }
    if "name" in data:
        check("name", lambda v: validation.required_text(v, field="name", max_length=50, label=_("姓名")))
    if "id_number" in data:
        check("id_number", _id_number)
    if "organisation" in data:
        check("organisation", _organisation)
    for field, limit in texts.items():
        if field in data:
            check(
                field,
                lambda v, f=field, n=limit: validation.optional_text(
                    v, field=f, max_length=n, label=_label(f)
                ),
            )
    if "subjects" in data:
        check("subjects", lambda v: validation.text_list(v, field="subjects", label=_("学科/领域代码")))
    if "keywords" in data:
        check("keywords", lambda v: validation.text_list(v, field="keywords", label=_("研究方向关键词")))
    if "email" in data:
        check("email", _email)
    if "max_load" in data:
        check("max_load", _max_load)
    if "status" in data:
        check("status", _status)
    if "status_until" in data:
        check("status_until", lambda v: _date(v, field="status_until", label=_("期限至"), blank=True))
    if errors:
        validation.raise_errors(errors, code="expert_invalid", summary=_("专家信息有误，请按提示修改。"))
    return out


def _id_number(value) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return parsing.id_number(value, field="id_number")


def _email(value) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    text = validation.optional_text(value, field="email", max_length=254, label=_("电子邮箱"))
    if text:
        try:
            validate_email(text)
        except ValidationError:
            msg = _("电子邮箱“%(v)s”格式不正确。") % {"v": text}
            raise ServiceError(msg, code="email_invalid", errors={"email": [msg]}) from None
    return text


def _organisation(value):
    if value is None or value == "":
        return None
    if isinstance(value, Organisation):
        return value
    org = Organisation.objects.filter(pk=value).first() if str(value).isdigit() else None
    if org is None:
        msg = _("工作单位“%(v)s”不存在。") % {"v": value}
        raise ServiceError(msg, code="organisation_unknown", errors={"organisation": [msg]})
    return org


def _max_load(value) -> int:
    n = None
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    elif isinstance(value, str) and value.strip().isdigit():
        n = int(value.strip())
    if n is None or not 1 <= n <= MAX_LOAD_LIMIT:
        msg = _("每轮最多评审数应为 1 到 %(max)s 之间的整数，收到“%(v)s”。") % {
            "max": MAX_LOAD_LIMIT,
            "v": value,
        }
        raise ServiceError(msg, code="max_load_invalid", errors={"max_load": [msg]})
    return n


def _status(value) -> str:
    if value not in ExpertStatus.values:
        msg = _("专家状态“%(v)s”无效。") % {"v": value}
        raise ServiceError(msg, code="status_invalid", errors={"status": [msg]})
    return value


def _date(value, *, field: str, label: str, blank: bool = False) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if blank:
            return None
        msg = _("请填写%(label)s。") % {"label": label}
        raise ServiceError(msg, code="date_required", errors={field: [msg]})
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        msg = _("%(label)s“%(v)s”不是有效的日期（格式：2026-05-01）。") % {"label": label, "v": value}
        raise ServiceError(msg, code="date_invalid", errors={field: [msg]}) from None


def _check_status(status: str, until: dt.date | None, reason: str, *, today: dt.date, kept=None) -> None:
    """A suspension or ban says why; its period, when given, ends today or later (``kept``: the
    period already recorded, which may have run out)."""
    if status == ExpertStatus.ACTIVE:
        return
    errors = {}
    if not reason:
        errors["status_reason"] = [_("暂停或禁入评审专家须说明原因。")]
    if until is not None and until < today and until != kept:
        errors["status_until"] = [_("期限不能早于今天（%(d)s）。") % {"d": today.isoformat()}]
    if errors:
        validation.raise_errors(errors, code="status_invalid", summary=_("专家状态设置有误，请按提示修改。"))


def _check_id_unique(id_number: str, *, exclude: int | None = None) -> None:
    if not id_number:
        return
    other = Expert.objects.filter(id_number=id_number).exclude(pk=exclude).first()
    if other is not None:
        msg = _("证件号码 %(id)s 已登记为专家%(name)s。") % {"id": id_number, "name": other.name}
        raise ServiceError(msg, code="id_number_exists", errors={"id_number": [msg]})


@transaction.atomic
def register_expert(
    *,
    actor,
    user: User,
    name: str,
    id_number: str = "",
    organisation: Organisation | None = None,
    organisation_name: str = "",
    title: str = "",
    subjects=(),
    keywords=(),
    profile: str = "",
    publications: str = "",
    phone: str = "",
    email: str = "",
    max_load: int = 20,
) -> Expert:
    """入库: the person must already hold the expert role (granted by the security administrator)."""
    role = require(actor, "review.manage_experts")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active or not user.has_role(Role.EXPERT):
        msg = _("账号“%(u)s”没有评审专家角色，请先由安全管理员授予该角色。") % {"u": user.username}
        raise ServiceError(msg, code="user_not_expert", errors={"user": [msg]})
    if Expert.objects.filter(user=user).exists():
        msg = _("账号“%(u)s”已登记为评审专家。") % {"u": user.username}
        raise ServiceError(msg, code="expert_exists", errors={"user": [msg]})
    clean = _clean(
        {
            "name": name,
            "id_number": id_number,
            "organisation": organisation,
            "organisation_name": organisation_name,
            "title": title,
            "subjects": subjects if isinstance(subjects, str) else list(subjects or []),
            "keywords": keywords if isinstance(keywords, str) else list(keywords or []),
            "profile": profile,
            "publications": publications,
            "phone": phone,
            "email": email,
            "max_load": max_load,
        }
    )
    _check_id_unique(clean["id_number"])
    if clean["organisation"] is not None and not clean["organisation_name"]:
        clean["organisation_name"] = clean["organisation"].name
    expert = Expert.objects.create(user=user, **clean)
    audit.record("review.expert.registered", actor=actor, role=role, target=expert, after=snapshot(expert))
    return expert


def _apply(expert: Expert, clean: dict, *, actor, role: str, action: str, reason: str = "") -> Expert:
    before = snapshot(expert)
    for field, value in clean.items():
        setattr(expert, field, value)
    after = snapshot(expert)
    if after == before:
        return expert
    changed = [f for f in FIELDS if before[f] != after[f]]
    expert.save(update_fields=[*changed, "updated_at"])
    audit.record(
        action,
        actor=actor,
        role=role,
        target=expert,
        before={f: before[f] for f in changed},
        after={f: after[f] for f in changed},
        reason=reason,
    )
    return expert


@transaction.atomic
def update_expert(expert: Expert, *, actor, **fields) -> Expert:
    """修改专家信息. Only the given fields change. A status other than 在库 needs ``status_reason``
    (and may have ``status_until``); returning to 在库 clears both (see also ``set_status``)."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    role = require(actor, "review.manage_experts", expert, visible=visible_experts(actor))
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        msg = _("不能修改的专家字段：%(f)s。") % {"f": "、".join(unknown)}
        raise ServiceError(msg, code="expert_field_unknown")
    if not fields:
        raise ServiceError(_("没有要修改的内容。"), code="nothing_to_change")
    clean = _clean(fields)
    if clean.get("organisation") is not None and not clean.get("organisation_name"):
        clean["organisation_name"] = clean["organisation"].name
    if "id_number" in clean:
        _check_id_unique(clean["id_number"], exclude=expert.pk)
    if any(f in clean for f in STATUS_FIELDS):
        status = clean.get("status", expert.status)
        if status == ExpertStatus.ACTIVE:
            clean.update(status=status, status_until=None, status_reason="")
        else:
            until = clean.get("status_until", expert.status_until if status == expert.status else None)
            reason = clean.get("status_reason", expert.status_reason if status == expert.status else "")
            kept = expert.status_until if status == expert.status else None
            _check_status(status, until, reason, today=timezone.localdate(), kept=kept)
            clean.update(status=status, status_until=until, status_reason=reason)
    return _apply(expert, clean, actor=actor, role=role, action="review.expert.updated")


STATUS_ACTIONS = {
    ExpertStatus.ACTIVE: "review.expert.reinstated",
    ExpertStatus.SUSPENDED: "review.expert.suspended",
    ExpertStatus.BANNED: "review.expert.banned",
}


@transaction.atomic
def set_status(expert: Expert, *, actor, status: str, until=None, reason: str = "") -> Expert:
    """暂停 / 禁入 (with a reason, until a day or indefinitely) or 恢复在库 (the reason is recorded)."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    role = require(actor, "review.manage_experts", expert, visible=visible_experts(actor))
    status = _status(status)
    until = _date(until, field="status_until", label=_("期限至"), blank=True)
    reason = validation.optional_text(reason, field="status_reason", max_length=300, label=_("原因"))
    _check_status(status, until, reason, today=timezone.localdate())
    if status == ExpertStatus.ACTIVE:
        if expert.status == ExpertStatus.ACTIVE:
            raise ServiceError(
                _("专家%(name)s已在库，无需恢复。") % {"name": expert.name}, code="status_unchanged"
            )
        until, stored_reason = None, ""
    else:
        stored_reason = reason
    if (expert.status, expert.status_until, expert.status_reason) == (status, until, stored_reason):
        raise ServiceError(_("专家状态没有变化。"), code="status_unchanged")
    clean = {"status": status, "status_until": until, "status_reason": stored_reason}
    return _apply(expert, clean, actor=actor, role=role, action=STATUS_ACTIONS[status], reason=reason)


# ---------------------------------------------------------------- the expert's own record


@transaction.atomic
def update_own_profile(expert: Expert, *, actor, **fields) -> Expert:
    """我的专家信息: the expert changes their title, fields, keywords, profile, publications, contact
    details and load; name, 证件号码, workplace and status stay with the office."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    role = require(actor, "review.edit_own_profile", expert, visible=visible_experts(actor))
    refused = sorted(
        set(fields) - set(OWN_FIELDS), key=lambda f: (FIELDS.index(f) if f in FIELDS else len(FIELDS), f)
    )
    if refused:
        labels = "、".join(_label(f) if f in FIELDS else f for f in refused)
        msg = _("以下信息由领导小组办公室维护，您不能修改：%(f)s。") % {"f": labels}
        raise ServiceError(msg, code="expert_field_not_own")
    if not fields:
        raise ServiceError(_("没有要修改的内容。"), code="nothing_to_change")
    clean = _clean(fields)
    return _apply(expert, clean, actor=actor, role=role, action="review.expert.profile_updated")


@transaction.atomic
def sign_pledge(expert: Expert, *, actor) -> Expert:
    """签署诚信承诺书 (once; the time is kept)."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    role = require(actor, "review.edit_own_profile", expert, visible=visible_experts(actor))
    if expert.pledge_signed_at is not None:
        raise ServiceError(
            _("您已于 %(at)s 签署诚信承诺书。")
            % {"at": timezone.localtime(expert.pledge_signed_at).strftime("%Y-%m-%d %H:%M")},
            code="pledge_signed",
        )
    expert.pledge_signed_at = timezone.now()
    expert.save(update_fields=["pledge_signed_at", "updated_at"])
    audit.record(
        "review.expert.pledge_signed",
        actor=actor,
        role=role,
        target=expert,
        after={"pledge_signed_at": expert.pledge_signed_at},
        data={"pledge": PLEDGE_TEXT},
    )
    return expert


def _relation_snapshot(r: ExpertRelation) -> dict:
    return {
        "expert": r.expert_id,
        "kind": r.kind,
        "person_name": r.person_name,
        "person_id_number": r.person_id_number,
        "person_organisation": r.person_organisation,
        "organisation": r.organisation_id,
        "note": r.note,
    }


@transaction.atomic
def declare_relation(
    expert: Expert,
    *,
    actor,
    kind: str,
    person_name: str = "",
    person_id_number: str = "",
    person_organisation: str = "",
    organisation: Organisation | None = None,
    note: str = "",
) -> ExpertRelation:
    """申报利益关系 with a person (证件号码, else name and workplace) or an organisation."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    role = require(actor, "review.declare_relation", expert, visible=visible_experts(actor))
    errors: dict = {}
    clean: dict = {}
    if kind not in Relationship.values:
        errors["kind"] = [_("请选择关系类型。")]
    for field, value, limit, label in (
        ("person_name", person_name, 50, _("对方姓名")),
        ("person_organisation", person_organisation, 200, _("对方工作单位")),
        ("note", note, 300, _("说明")),
    ):
        try:
            clean[field] = validation.optional_text(value, field=field, max_length=limit, label=label)
        except ServiceError as exc:
            errors.update(exc.errors)
    clean["person_id_number"] = ""
    if isinstance(person_id_number, str) and person_id_number.strip():
        try:
            clean["person_id_number"] = parsing.id_number(person_id_number, field="person_id_number")
        except ServiceError as exc:
            errors.update(exc.errors)
    try:
        organisation = _organisation(organisation)
    except ServiceError:
        errors["organisation"] = [_("相关单位不存在。")]
    if not errors and not (clean["person_name"] or clean["person_id_number"] or organisation):
        errors["person_name"] = [_("请填写对方姓名（或证件号码），或选择相关单位。")]
    if errors:
        validation.raise_errors(
            errors, code="relation_invalid", summary=_("利益关系申报有误，请按提示修改。")
        )
    same = ExpertRelation.objects.filter(
        expert=expert,
        kind=kind,
        person_name=clean["person_name"],
        person_id_number=clean["person_id_number"],
        person_organisation=clean["person_organisation"],
        organisation=organisation,
    )
    if same.exists():
        raise ServiceError(_("该利益关系已申报。"), code="relation_exists")
    relation = ExpertRelation.objects.create(expert=expert, kind=kind, organisation=organisation, **clean)
    audit.record(
        "review.relation.declared", actor=actor, role=role, target=expert, after=_relation_snapshot(relation)
    )
    return relation


@transaction.atomic
def withdraw_relation(relation: ExpertRelation, *, actor, reason: str = "") -> None:
    """撤回利益关系申报 (the trail keeps what was declared, when, and who withdrew it)."""
    relation = (
        ExpertRelation.objects.select_for_update().select_related("expert").filter(pk=relation.pk).first()
    )
    if relation is None:  # withdrawn by a simultaneous request (a double click)
        raise ServiceError(_("该利益关系申报已撤回。"), code="already_removed")
    expert = relation.expert
    role = require(actor, "review.declare_relation", expert, visible=visible_experts(actor))
    reason = validation.optional_text(reason, field="reason", max_length=300, label=_("理由"))
    audit.record(
        "review.relation.withdrawn",
        actor=actor,
        role=role,
        target=expert,
        before=_relation_snapshot(relation),
        reason=reason,
    )
    relation.delete()


# ---------------------------------------------------------------- availability


@transaction.atomic
def add_availability(expert: Expert, *, actor, starts_on, ends_on, note: str = "") -> AvailabilityWindow:
    """可参评时段: an expert with windows is drawn only for rounds overlapping one of them."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    role = require(actor, "review.manage_availability", expert, visible=visible_experts(actor))
    errors: dict = {}
    start = end = None
    try:
        start = _date(starts_on, field="starts_on", label=_("开始日期"))
    except ServiceError as exc:
        errors.update(exc.errors)
    try:
        end = _date(ends_on, field="ends_on", label=_("结束日期"))
    except ServiceError as exc:
        errors.update(exc.errors)
    try:
        note = validation.optional_text(note, field="note", max_length=200, label=_("说明"))
    except ServiceError as exc:
        errors.update(exc.errors)
    if start and end and end < start:
        errors["ends_on"] = [_("结束日期不能早于开始日期。")]
    if errors:
        validation.raise_errors(errors, code="window_invalid", summary=_("可参评时段有误，请按提示修改。"))
    clash = expert.availability.filter(starts_on__lte=end, ends_on__gte=start).first()
    if clash is not None:
        msg = _("与已有的可参评时段 %(s)s 至 %(e)s 重叠。") % {
            "s": clash.starts_on.isoformat(),
            "e": clash.ends_on.isoformat(),
        }
        raise ServiceError(msg, code="window_overlap", errors={"starts_on": [msg]})
    window = AvailabilityWindow.objects.create(expert=expert, starts_on=start, ends_on=end, note=note)
    audit.record(
        "review.availability.added",
        actor=actor,
        role=role,
        target=expert,
        after={"starts_on": start, "ends_on": end, "note": note},
    )
    return window


@transaction.atomic
def remove_availability(window: AvailabilityWindow, *, actor) -> None:
    window = (
        AvailabilityWindow.objects.select_for_update().select_related("expert").filter(pk=window.pk).first()
    )
    if window is None:  # removed by a simultaneous request (a double click)
        raise ServiceError(_("该可参评时段已删除。"), code="already_removed")
    role = require(actor, "review.manage_availability", window.expert, visible=visible_experts(actor))
    audit.record(
        "review.availability.removed",
        actor=actor,
        role=role,
        target=window.expert,
        before={"starts_on": window.starts_on, "ends_on": window.ends_on, "note": window.note},
    )
    window.delete()


# ---------------------------------------------------------------- history


def history(expert: Expert) -> dict:
    """评审履历: per round (newest first) and in total, tasks assigned, scored and declined."""
    rows = list(
        Assignment.objects.filter(expert=expert)
        .values("round_id", "round__name", "round__call__code", "round__call__title", "round__state")
        .annotate(
            assigned=Count("id"),
            submitted=Count("id", filter=Q(state=AssignmentState.SUBMITTED)),
            declined=Count("id", filter=Q(state=AssignmentState.DECLINED)),
            first=Min("assigned_at"),
            last=Max("assigned_at"),
        )
        .order_by("-last", "-round_id")
    )
    totals = {
        "rounds": len(rows),
        "assigned": sum(r["assigned"] for r in rows),
        "submitted": sum(r["submitted"] for r in rows),
        "declined": sum(r["declined"] for r in rows),
    }
    return {"rounds": rows, "totals": totals}
