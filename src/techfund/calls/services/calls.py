"""申报指南: the office drafts a call, publishes it (it appears on the public page), closes or cancels it.

Every service runs in one transaction: permission and scope (``require``), the transition table
(``transitions.CALL``), validation (every field error at once), the change and its audit event.
"""

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.calls import validation as v
from techfund.calls.enums import CallState
from techfund.calls.models import Call, CallQuota
from techfund.calls.scopes import visible_calls
from techfund.calls.transitions import CALL, CALL_EDITABLE
from techfund.core.enums import CreditStatus, OrganisationKind, Qualification
from techfund.core.errors import ServiceError
from techfund.core.models import Department, Organisation
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.funds.models import FundYear
from techfund.funds.scopes import visible_fund_years
from techfund.funds.validation import reason as required_reason
from techfund.policy.enums import EstablishmentMode, SupportMode
from techfund.policy.models import FocusArea

#: Establishment modes in which the units are named in advance (定向委托, 稳定支持).
DIRECTED_MODES = frozenset({EstablishmentMode.COMMISSIONED, EstablishmentMode.STABLE})

#: The fields of a call that ``create_call`` takes and ``update_call`` may change.
FIELDS = (
    "focus_area",
    "code",
    "title",
    "establishment_mode",
    "ceiling",
    "opens_at",
    "closes_at",
    "support_modes",
    "body",
    "co_funding_ratio",
    "eligible_kinds",
    "required_qualifications",
    "block_credit_blocked",
    "per_org_limit",
    "per_person_limit",
    "quotas",
    "challenge_targets",
    "challenge_funding",
    "challenge_deadline",
    "prize_tiers",
    "designated_organisations",
)
#: Plain model fields (the rest are ``quotas`` and ``designated_organisations``).
MODEL_FIELDS = tuple(f for f in FIELDS if f not in ("quotas", "designated_organisations"))


# ---------------------------------------------------------------- reading


def snapshot(call: Call) -> dict:
    """The call as recorded in the audit trail."""
    out = {f: getattr(call, f) for f in MODEL_FIELDS if f != "focus_area"}
    out["focus_area"] = call.focus_area.code
    out["fund_year"] = call.fund_year.year
    out["state"] = call.state
    out["quotas"] = {q.department.code: q.quota for q in call.quotas.select_related("department")}
    out["designated_organisations"] = sorted(o.uscc for o in call.designated_organisations.all())
    return out


def is_open(call: Call, now=None) -> bool:
    """Published and within its application window."""
    now = now or timezone.now()
    return call.state == CallState.PUBLISHED and call.opens_at <= now < call.closes_at


def routing_departments(profile):
    """The departments applications may be routed through: those managing a fund source of the profile."""
    qs = Department.objects.filter(is_active=True, source_types__profile=profile).distinct()
    if not qs.exists():
        qs = profile.departments.filter(is_active=True)
    return qs.order_by("code")


def eligibility(call: Call, organisation: Organisation) -> list[str]:
    """Each eligibility rule of the call the organisation fails, as a sentence (empty: eligible)."""
    failures: list[str] = []
    if call.eligible_kinds and organisation.kind not in call.eligible_kinds:
        failures.append(
            _("单位类型“%(kind)s”不在本指南的申报范围内（可申报：%(kinds)s）。")
            % {
                "kind": organisation.get_kind_display(),
                "kinds": "、".join(str(OrganisationKind(k).label) for k in call.eligible_kinds),
            }
        )
    required = list(call.required_qualifications or [])
    if required and not set(required) & set(organisation.qualifications or []):
        failures.append(
            _("单位不具备本指南要求的资质（须具备其一：%(quals)s）。")
            % {"quals": "、".join(str(Qualification(q).label) for q in required)}
        )
    if call.block_credit_blocked and organisation.credit_status == CreditStatus.BLOCKED:
        failures.append(_("单位被列入失信惩戒名单，不得申报。"))
    if call.establishment_mode in DIRECTED_MODES:
        designated = {o.pk for o in call.designated_organisations.all()}
        if organisation.pk not in designated:
            failures.append(
                _("本指南采用“%(mode)s”方式，仅限指定的承担单位申报。")
                % {"mode": call.get_establishment_mode_display()}
            )
    return failures


# ---------------------------------------------------------------- validation


def _focus_area(fund_year: FundYear, value, c: v.Collector) -> FocusArea | None:
    areas = {fa.code: fa for fa in fund_year.profile.focus_areas.all()}
    if isinstance(value, FocusArea):
        area = areas.get(value.code) if value.profile_id == fund_year.profile_id else None
        label = value.name
    else:
        area = areas.get(str(value or "").strip())
        label = str(value or "")
    if area is None:
        if not label.strip():
            c.add("focus_area", _("请选择重点领域。"))
        else:
            c.add(
                "focus_area",
                _("重点领域“%(a)s”不属于 %(year)s 年度的政策配置。") % {"a": label, "year": fund_year.year},
            )
    return area


def _choices(value, allowed, *, field: str, label, c: v.Collector, required: bool = False) -> list[str]:
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value] if value.strip() else []
    if not isinstance(value, Iterable):
        c.add(field, _("%(label)s格式不正确。") % {"label": label})
        return []
    out: list[str] = []
    for item in value:
        item = str(item).strip()
        if item not in allowed:
            c.add(field, _("%(label)s“%(v)s”不在可选范围内。") % {"label": label, "v": item})
        elif item not in out:
            out.append(item)
    if required and not out:
        c.add(field, _("请至少选择一项%(label)s。") % {"label": label})
    return out


def _quotas(value, c: v.Collector) -> dict[Department, int]:
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        c.add("quotas", _("推荐限额应为“职能部门 → 项数”的对应表。"))
        return {}
    by_code = {d.code: d for d in Department.objects.filter(is_active=True)}
    out: dict[Department, int] = {}
    for key, n in value.items():
        code = key.code if isinstance(key, Department) else str(key).strip()
        dept = by_code.get(code)
        if dept is None:
            c.add("quotas", _("职能部门“%(d)s”不存在或已停用。") % {"d": code})
            continue
        if n is None or (isinstance(n, str) and not n.strip()):
            continue
        field = f"quotas.{code}"
        try:
            n = int(str(n).strip()) if not isinstance(n, bool) else None
        except (TypeError, ValueError):
            n = None
        if n is None or n < 0 or n > 32767:
            c.add(field, _("%(d)s的推荐限额须为不小于 0 的整数。") % {"d": dept.short_name or dept.name})
            continue
        out[dept] = n
    return out


def _prize_tiers(value, c: v.Collector) -> list[dict]:
    if not value:
        return []
    if isinstance(value, (Mapping, str)) or not isinstance(value, Iterable):
        c.add("prize_tiers", _("奖补档次应为列表。"))
        return []
    tiers: list[dict] = []
    for i, tier in enumerate(value):
        prefix = f"prize_tiers[{i}]"
        if not isinstance(tier, Mapping):
            c.add(prefix, _("第%(n)s档格式不正确。") % {"n": i + 1})
            continue
        lo = c.take(
            v.integer, tier.get("rank_from"), field=f"{prefix}.rank_from", label=_("起始名次"), minimum=1
        )
        hi = c.take(v.integer, tier.get("rank_to"), field=f"{prefix}.rank_to", label=_("截止名次"), minimum=1)
        amount = c.take(
            v.money,
            tier.get("amount"),
            field=f"{prefix}.amount",
            label=_("奖补金额"),
            positive=True,
            required=True,
        )
        if lo is not None and hi is not None and hi < lo:
            c.add(f"{prefix}.rank_to", _("截止名次不能小于起始名次。"))
            continue
        if None not in (lo, hi, amount):
            tiers.append({"rank_from": lo, "rank_to": hi, "amount": amount})
    tiers.sort(key=lambda t: t["rank_from"])
    for a, b in zip(tiers, tiers[1:], strict=False):
        if b["rank_from"] <= a["rank_to"]:
            c.add(
                "prize_tiers",
                _("奖补档次的名次区间有重叠（第%(a)s～%(b)s名）。")
                % {"a": b["rank_from"], "b": a["rank_to"]},
            )
    return [{**t, "amount": v.fmt_money(t["amount"]).replace(",", "")} for t in tiers]


def _organisations(value, c: v.Collector) -> list[Organisation]:
    if not value:
        return []
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        c.add("designated_organisations", _("指定承担单位应为单位列表。"))
        return []
    ids = []
    for item in value:
        pk = item.pk if isinstance(item, Organisation) else item
        try:
            ids.append(int(pk))
        except (TypeError, ValueError):
            c.add("designated_organisations", _("指定承担单位“%(v)s”不存在。") % {"v": item})
    found = {o.pk: o for o in Organisation.objects.filter(pk__in=ids)}
    for pk in ids:
        if pk not in found:
            c.add("designated_organisations", _("指定承担单位“%(v)s”不存在。") % {"v": pk})
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def clean(fund_year: FundYear, data: Mapping, *, instance: Call | None = None) -> dict:
    """Check every field of a call; all errors at once (``ServiceError.errors`` by field).

    Fields that do not belong to the establishment mode are cleared: the challenge list (榜单) only
    for 组阁揭榜, prize tiers only for 以赛代评, designated units only for 定向委托 and 稳定支持.
    """
    c = v.Collector()
    profile = fund_year.profile
    out: dict = {}
    out["focus_area"] = area = _focus_area(fund_year, data.get("focus_area"), c)
    out["code"] = c.take(
        v.text, data.get("code"), field="code", label=_("指南编号"), max_length=40, required=True
    )
    if out["code"]:
        clash = Call.objects.filter(code=out["code"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            c.add("code", _("指南编号“%(code)s”已被使用。") % {"code": out["code"]})
    out["title"] = c.take(
        v.text, data.get("title"), field="title", label=_("指南名称"), max_length=200, required=True
    )
    out["body"] = c.take(v.text, data.get("body"), field="body", label=_("指南内容"), max_length=20000)

    mode = str(data.get("establishment_mode") or "").strip()
    if mode not in EstablishmentMode.values:
        c.add(
            "establishment_mode",
            _("请选择立项方式。") if not mode else _("立项方式“%(m)s”无效。") % {"m": mode},
        )
        mode = None
    elif mode not in (profile.establishment_modes or []):
        c.add(
            "establishment_mode",
            _("%(year)s 年度的政策配置不采用“%(m)s”方式立项。")
            % {"year": fund_year.year, "m": EstablishmentMode(mode).label},
        )
    elif area is not None and mode not in (area.establishment_modes or []):
        c.add(
            "establishment_mode",
            _("重点领域“%(area)s”不采用“%(m)s”方式立项（可选：%(allowed)s）。")
            % {
                "area": area.name,
                "m": EstablishmentMode(mode).label,
                "allowed": "、".join(str(EstablishmentMode(m).label) for m in area.establishment_modes),
            },
        )
    out["establishment_mode"] = mode

    modes = _choices(
        data.get("support_modes"),
        SupportMode.values,
        field="support_modes",
        label=_("支持方式"),
        c=c,
        required=True,
    )
    for m in modes:
        if m not in (profile.support_modes or []):
            c.add(
                "support_modes",
                _("支持方式“%(m)s”不在 %(year)s 年度政策配置之列。")
                % {"m": SupportMode(m).label, "year": fund_year.year},
            )
    out["support_modes"] = modes
    out["ceiling"] = c.take(
        v.money, data.get("ceiling"), field="ceiling", label=_("单项资助上限"), positive=True, required=True
    )
    out["co_funding_ratio"] = c.take(
        v.ratio, data.get("co_funding_ratio"), field="co_funding_ratio", label=_("自筹资金比例")
    )
    out["opens_at"] = c.take(v.moment, data.get("opens_at"), field="opens_at", label=_("开始申报时间"))
    out["closes_at"] = c.take(v.moment, data.get("closes_at"), field="closes_at", label=_("截止申报时间"))
    if out["opens_at"] and out["closes_at"] and out["closes_at"] <= out["opens_at"]:
        c.add("closes_at", _("截止申报时间必须晚于开始申报时间。"))
    out["eligible_kinds"] = _choices(
        data.get("eligible_kinds"), OrganisationKind.values, field="eligible_kinds", label=_("单位类型"), c=c
    )
    out["required_qualifications"] = _choices(
        data.get("required_qualifications"),
        Qualification.values,
        field="required_qualifications",
        label=_("资质"),
        c=c,
    )
    out["block_credit_blocked"] = v.boolean(data.get("block_credit_blocked", True))
    out["per_org_limit"] = c.take(
        v.integer, data.get("per_org_limit"), field="per_org_limit", label=_("每单位限报项数"), minimum=1
    )
    out["per_person_limit"] = c.take(
        v.integer,
        data.get("per_person_limit"),
        field="per_person_limit",
        label=_("每位负责人限报项数"),
        minimum=1,
    )
    out["quotas"] = _quotas(data.get("quotas"), c)

    out["challenge_targets"], out["challenge_funding"], out["challenge_deadline"] = "", None, None
    out["prize_tiers"], out["designated_organisations"] = [], []
    if "establishment_mode" in c.errors:
        mode = None  # one error about the mode is enough; its own fields are checked once it is right
    if mode == EstablishmentMode.CHALLENGE:
        out["challenge_targets"] = c.take(
            v.text,
            data.get("challenge_targets"),
            field="challenge_targets",
            label=_("榜单目标"),
            max_length=20000,
        )
        if not out["challenge_targets"] and "challenge_targets" not in c.errors:
            c.add("challenge_targets", _("组阁揭榜须发布榜单目标。"))
        out["challenge_funding"] = c.take(
            v.money,
            data.get("challenge_funding"),
            field="challenge_funding",
            label=_("榜单资金"),
            positive=True,
        )
        if out["challenge_funding"] is None and "challenge_funding" not in c.errors:
            c.add("challenge_funding", _("组阁揭榜须写明榜单资金。"))
        out["challenge_deadline"] = c.take(
            v.day, data.get("challenge_deadline"), field="challenge_deadline", label=_("揭榜完成期限")
        )
        if out["challenge_deadline"] is None and "challenge_deadline" not in c.errors:
            c.add("challenge_deadline", _("组阁揭榜须写明揭榜完成期限。"))
        elif (
            out["challenge_deadline"]
            and out["closes_at"]
            and out["challenge_deadline"] <= out["closes_at"].date()
        ):
            c.add("challenge_deadline", _("揭榜完成期限须晚于截止申报时间。"))
    elif mode == EstablishmentMode.COMPETITION:
        out["prize_tiers"] = _prize_tiers(data.get("prize_tiers"), c)
        if not out["prize_tiers"] and not any(k.startswith("prize_tiers") for k in c.errors):
            c.add("prize_tiers", _("以赛代评须设定奖补档次。"))
    elif mode in DIRECTED_MODES:
        out["designated_organisations"] = _organisations(data.get("designated_organisations"), c)
        if not out["designated_organisations"] and "designated_organisations" not in c.errors:
            c.add(
                "designated_organisations",
                _("“%(m)s”方式须指定承担单位。") % {"m": EstablishmentMode(mode).label},
            )
    c.raise_if_any(
        "call_invalid",
        _("申报指南有 %(n)s 处需要修改，请按提示修改。") % {"n": sum(map(len, c.errors.values()))},
    )
    return out


def _write(call: Call, cleaned: dict) -> None:
    for f in MODEL_FIELDS:
        setattr(call, f, cleaned[f])
    call.save()
    call.quotas.all().delete()
    CallQuota.objects.bulk_create(
        [CallQuota(call=call, department=d, quota=n) for d, n in cleaned["quotas"].items()]
    )
    call.designated_organisations.set(cleaned["designated_organisations"])


def _lock(call: Call) -> Call:
    return Call.objects.select_for_update().select_related("fund_year__profile", "focus_area").get(pk=call.pk)


# ---------------------------------------------------------------- services


@transaction.atomic
def create_call(
    fund_year: FundYear,
    *,
    actor,
    focus_area,
    code,
    title,
    establishment_mode,
    ceiling,
    opens_at,
    closes_at,
    support_modes=("grant",),
    body="",
    co_funding_ratio=0,
    eligible_kinds=(),
    required_qualifications=(),
    block_credit_blocked=True,
    per_org_limit=2,
    per_person_limit=1,
    quotas=None,
    challenge_targets="",
    challenge_funding=None,
    challenge_deadline=None,
    prize_tiers=(),
    designated_organisations=(),
) -> Call:
    """起草申报指南 (a draft; the public sees it once published)."""
    fund_year = FundYear.objects.select_related("profile").get(pk=fund_year.pk)
    role = require(actor, "calls.create_call", fund_year, visible=visible_fund_years(actor))
    data = dict(locals())
    cleaned = clean(fund_year, data)
    call = Call(fund_year=fund_year, created_by=actor)
    _write(call, cleaned)
    audit.record("call.created", actor=actor, role=role, target=call, after=snapshot(call))
    return call


@transaction.atomic
def update_call(call: Call, *, actor, **fields) -> Call:
    """修改申报指南 while it is a draft. Fields not given keep their values."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"update_call() got unexpected fields: {', '.join(sorted(unknown))}")
    call = _lock(call)
    role = require(actor, "calls.update_call", call, visible=visible_calls(actor))
    if call.state not in CALL_EDITABLE:
        raise ServiceError(
            _("只有草稿状态的申报指南可以修改；“%(code)s”当前为“%(state)s”。")
            % {"code": call.code, "state": call.get_state_display()},
            code="call_not_editable",
        )
    before = snapshot(call)
    data = {f: getattr(call, f) for f in MODEL_FIELDS}
    data["quotas"] = {q.department.code: q.quota for q in call.quotas.select_related("department")}
    data["designated_organisations"] = list(call.designated_organisations.all())
    data.update(fields)
    cleaned = clean(call.fund_year, data, instance=call)
    _write(call, cleaned)
    after = snapshot(call)
    changed = sorted(k for k in after if before.get(k) != after.get(k))
    if changed:
        audit.record(
            "call.updated",
            actor=actor,
            role=role,
            target=call,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return call


@transaction.atomic
def publish_call(call: Call, *, actor, now=None) -> Call:
    """发布: the call appears on the public page and applicants may start applications."""
    call = _lock(call)
    role = require(actor, "calls.publish_call", call, visible=visible_calls(actor))
    CALL.check(call, CallState.PUBLISHED, now=now)
    # The rules may have changed since the draft was written (a focus area's modes, a department).
    data = {f: getattr(call, f) for f in MODEL_FIELDS}
    data["quotas"] = {q.department.code: q.quota for q in call.quotas.select_related("department")}
    data["designated_organisations"] = list(call.designated_organisations.all())
    clean(call.fund_year, data, instance=call)
    call.state = CallState.PUBLISHED
    call.published_at = now or timezone.now()
    call.save(update_fields=["state", "published_at"])
    audit.record(
        "call.published",
        actor=actor,
        role=role,
        target=call,
        before={"state": CallState.DRAFT},
        after={"state": call.state, "published_at": call.published_at},
    )
    return call


@transaction.atomic
def close_call(call: Call, *, actor) -> Call:
    """截止申报: no new application is submitted; those submitted go on through the process."""
    call = _lock(call)
    role = require(actor, "calls.close_call", call, visible=visible_calls(actor))
    CALL.check(call, CallState.CLOSED)
    call.state = CallState.CLOSED
    call.save(update_fields=["state"])
    audit.record(
        "call.closed",
        actor=actor,
        role=role,
        target=call,
        before={"state": CallState.PUBLISHED},
        after={"state": call.state},
    )
    return call


@transaction.atomic
def cancel_call(call: Call, *, actor, reason) -> Call:
    """撤销申报指南 (a draft, or a published call nobody has submitted to yet), saying why."""
    call = _lock(call)
    role = require(actor, "calls.cancel_call", call, visible=visible_calls(actor))
    CALL.check(call, CallState.CANCELLED)
    reason = required_reason(reason, message=_("撤销申报指南须说明理由。"))
    before = call.state
    call.state = CallState.CANCELLED
    call.save(update_fields=["state"])
    audit.record(
        "call.cancelled",
        actor=actor,
        role=role,
        target=call,
        before={"state": before},
        after={"state": call.state},
        reason=reason,
    )
    return call
