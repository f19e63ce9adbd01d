"""会议论证: the office forms a panel of experts for a meeting round, schedules its meetings with an
agenda of applications, and records each meeting — who attended, the minutes and every member's vote
on every agenda item. The seeds ask the office to "review by meeting and on-site inspection and advise
on the rationality and feasibility of each project".

Rules (the policy ``review`` table of the call's fund year; nothing here is a literal number):

- a panel (专家组) has between ``panel_min`` and ``panel_max`` members, an odd number when
  ``panel_odd``, and exactly one chair (组长) among them. A table without these keys sets no bound;
- every member is eligible for the round (``conflicts.eligible_experts``: active account, no suspension
  or ban in force, available in the round's period) and has **no conflict** (``conflicts.find_conflicts``)
  with any application the round deliberates: the previous round's disputed applications and every
  application on an agenda of the round. A conflicted member is refused with the reason — such a member
  is never on the panel, so no vote is ever cast under a conflict (checked again when scheduling and
  when recording);
- members may be changed (with a reason, audited) until the round closes; a meeting already held keeps
  its own attendance and votes;
- a meeting's agenda is, by default, the previous round's disputed applications
  (``aggregate.disputed``) not yet deliberated in this round, plus applications the office selects
  (each with a note saying why). An application is on at most one planned meeting of a round;
- recording needs a quorum: more than half of the panel present. Every present member votes on every
  agenda item, only present members vote. A recorded (held) meeting is final: a correction is a new
  meeting, and the latest held meeting of an application decides;
- a planned meeting may be cancelled with a reason (its applications leave review if nothing else in
  the round holds them).

The recommendation of an application is the choice with the most votes; a tie goes to the **more
cautious** choice (不建议支持 before 修改后支持 before 建议支持): a panel split evenly has not agreed to
support. ``meeting_results(round_)`` gives one dict per application for ``close_round``.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.review import validation
from techfund.review.enums import (
    AgendaReason,
    ExpertStatus,
    MeetingState,
    PanelRole,
    Recommendation,
    ResultBasis,
    ReviewMethod,
    RoundState,
)
from techfund.review.models import (
    AgendaItem,
    Attendance,
    Expert,
    Meeting,
    Panel,
    PanelMember,
    ReviewRound,
    RoundResult,
    Vote,
)
from techfund.review.scopes import visible_meetings, visible_panels, visible_rounds
from techfund.review.services.aggregate import disputed
from techfund.review.services.application_states import enter_review, leave_review
from techfund.review.transitions import ASSIGNABLE

#: Most cautious first: a tie between choices goes to the earlier one here.
CAUTION = (Recommendation.NOT_SUPPORT, Recommendation.SUPPORT_REVISED, Recommendation.SUPPORT)
MAX_MINUTES = 20000
MAX_COMMENT = 1000
MAX_NOTE = 300


# ---------------------------------------------------------------- policy


@dataclass(frozen=True)
class PanelRules:
    minimum: int | None = None
    maximum: int | None = None
    odd: bool = False

    def describe(self) -> str:
        if self.minimum and self.maximum:
            size = _("%(min)s–%(max)s 名") % {"min": self.minimum, "max": self.maximum}
        elif self.minimum:
            size = _("不少于 %(min)s 名") % {"min": self.minimum}
        elif self.maximum:
            size = _("不超过 %(max)s 名") % {"max": self.maximum}
        else:
            size = _("人数不限")
        return size + (_("，单数") if self.odd else "")


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def panel_rules(profile) -> PanelRules:
    """``review.panel_min`` / ``panel_max`` / ``panel_odd`` of a policy profile (absent: no bound)."""
    rule = profile.rule if profile is not None else (lambda path, default=None: default)
    return PanelRules(
        _int(rule("review.panel_min")), _int(rule("review.panel_max")), rule("review.panel_odd") is True
    )


def rules_for(round_: ReviewRound) -> PanelRules:
    return panel_rules(round_.call.fund_year.profile)


# ---------------------------------------------------------------- reading


def disputed_results(round_: ReviewRound) -> list[RoundResult]:
    """The previous round's disputed results (评分分歧较大), by application number."""
    if round_.previous_id is None:
        return []
    rows = disputed(round_.previous)
    return sorted(rows, key=lambda r: r.application.number)


def meeting_applications(round_: ReviewRound) -> QuerySet[Application]:
    """The applications on an agenda of the round (planned or held), for opening the round."""
    return Application.objects.filter(
        pk__in=AgendaItem.objects.filter(meeting__panel__round=round_).values("application_id")
    )


def _deliberated_ids(round_: ReviewRound) -> set[int]:
    """Applications the round deliberates: its agendas and the previous round's disputed ones."""
    ids = set(meeting_applications(round_).values_list("pk", flat=True))
    ids |= {r.application_id for r in disputed_results(round_)}
    return ids


def _latest_held_items(round_: ReviewRound) -> dict[int, AgendaItem]:
    """Per application, its item on the latest held meeting of the round (a correction supersedes)."""
    items = (
        AgendaItem.objects.filter(meeting__panel__round=round_, meeting__state=MeetingState.HELD)
        .select_related("application", "meeting__panel")
        .prefetch_related("votes")
        .order_by("meeting__held_at", "meeting__recorded_at", "meeting_id")
    )
    latest: dict[int, AgendaItem] = {}
    for item in items:
        latest[item.application_id] = item
    return latest


# ---------------------------------------------------------------- checks shared by the services


class Problems:
    """Collects the refusals of several checks: one refusal is raised as it is (its own message and
    code), several together under a summary with every field's messages."""

    def __init__(self):
        self.failed: list[ServiceError] = []

    def run(self, check):
        try:
            return check()
        except ServiceError as exc:
            self.failed.append(exc)
            return None

    def raise_if_any(self, *, code: str, summary: str) -> None:
        if len(self.failed) == 1:
            raise self.failed[0]
        if self.failed:
            errors: dict[str, list] = {}
            for exc in self.failed:
                for f, msgs in (exc.errors or {"__all__": [exc.message]}).items():
                    errors.setdefault(f, []).extend(msgs)
            validation.raise_errors(errors, code=code, summary=summary)


def _lock_round(round_: ReviewRound) -> ReviewRound:
    return (
        ReviewRound.objects.select_for_update(of=("self",))
        .select_related("call__fund_year__profile", "previous")
        .get(pk=round_.pk)
    )


def _require_meeting_round(round_: ReviewRound) -> None:
    if round_.method != ReviewMethod.MEETING:
        raise ServiceError(
            _("“%(name)s”的评审方式为“%(m)s”，不能组建会议论证专家组或安排论证会议。")
            % {"name": round_.name, "m": round_.get_method_display()},
            code="round_not_meeting",
        )
    if round_.state == RoundState.CLOSED:
        raise ServiceError(
            _("“%(name)s”已结束，不能再调整专家组或论证会议。") % {"name": round_.name},
            code="round_closed",
        )


def _experts(values, *, field: str) -> list[Expert]:
    """Expert records from records or primary keys, in the order given, without repeats."""
    if values is None or isinstance(values, str | bytes | dict) or not hasattr(values, "__iter__"):
        msg = _("请选择专家组成员。")
        raise ServiceError(msg, code=f"{field}_invalid", errors={field: [msg]})
    keys: list[int] = []
    for v in values:
        pk = getattr(v, "pk", v)
        if isinstance(pk, str) and pk.strip().isdigit():
            pk = int(pk)
        if not isinstance(pk, int) or isinstance(pk, bool):
            msg = _("专家“%(v)s”无效。") % {"v": v}
            raise ServiceError(msg, code="expert_unknown", errors={field: [msg]})
        if pk not in keys:
            keys.append(pk)
    found = Expert.objects.select_related("organisation").in_bulk(keys)
    missing = [str(k) for k in keys if k not in found]
    if missing:
        msg = _("专家不存在：%(ids)s。") % {"ids": "、".join(missing)}
        raise ServiceError(msg, code="expert_unknown", errors={field: [msg]})
    return [found[k] for k in keys]


def _one_expert(value, *, field: str) -> Expert | None:
    if value is None or value == "":
        return None
    return _experts([value], field=field)[0]


def conflict_reasons(round_: ReviewRound, experts, applications) -> dict[tuple[int, int], list[str]]:
    """(application id, expert id) → reasons, for every conflicting pair of the experts × applications."""
    from techfund.review.services.conflicts import find_conflicts

    if not experts or not applications:
        return {}
    found = find_conflicts(round_, [a.pk for a in applications], [e.pk for e in experts])
    return {pair: [reason for _rule, reason in items] for pair, items in found.items() if items}


def _conflict_messages(round_, experts, applications) -> list[str]:
    apps = {a.pk: a for a in applications}
    names = {e.pk: e.name for e in experts}
    out = []
    for (app_id, expert_id), reasons in sorted(
        conflict_reasons(round_, experts, applications).items(),
        key=lambda kv: (names[kv[0][1]], apps[kv[0][0]].number),
    ):
        out.append(
            _("专家%(expert)s须回避申报项目 %(n)s：%(why)s")
            % {"expert": names[expert_id], "n": apps[app_id].number, "why": "；".join(reasons)}
        )
    return out


def _clean_panel(round_: ReviewRound, members, chair) -> tuple[list[Expert], Expert]:
    """The members (chair first, then as given) after every panel rule; every problem at once."""
    errors: dict[str, list] = {}
    chair = _one_expert(chair, field="chair")
    experts = _experts(members, field="members")
    if chair is None:
        errors["chair"] = [_("请指定专家组组长。")]
    elif chair.pk not in {e.pk for e in experts}:
        experts.insert(0, chair)  # the chair sits on the panel
    else:
        experts.sort(key=lambda e: e.pk != chair.pk)
    rules = rules_for(round_)
    n = len(experts)
    if (rules.minimum and n < rules.minimum) or (rules.maximum and n > rules.maximum):
        errors.setdefault("members", []).append(
            _("专家组人数应为%(rule)s（政策配置），现为 %(n)s 名。") % {"rule": rules.describe(), "n": n}
        )
    elif rules.odd and n % 2 == 0:
        errors.setdefault("members", []).append(
            _("专家组人数应为单数（政策配置），现为 %(n)s 名。") % {"n": n}
        )
    from techfund.review.services.conflicts import eligible_experts

    eligible = set(
        eligible_experts(round_).filter(pk__in=[e.pk for e in experts]).values_list("pk", flat=True)
    )
    for e in experts:
        if e.pk not in eligible:
            errors.setdefault("members", []).append(
                _("专家%(name)s当前不能参加本轮评审（%(why)s）。")
                % {"name": e.name, "why": _why_ineligible(e, round_)}
            )
    deliberated = list(Application.objects.filter(pk__in=_deliberated_ids(round_)).order_by("number"))
    for msg in _conflict_messages(round_, experts, deliberated):
        errors.setdefault("members", []).append(msg)
    if errors:
        validation.raise_errors(errors, code="panel_invalid", summary=_("专家组不符合要求，请按提示修改。"))
    return experts, chair


def _why_ineligible(expert: Expert, round_: ReviewRound) -> str:
    if expert.status != ExpertStatus.ACTIVE:
        return expert.get_status_display() + (f"：{expert.status_reason}" if expert.status_reason else "")
    if expert.user is None:
        return _("尚未关联登录账号")
    if not expert.user.is_active:
        return _("账号已停用")
    if not expert.user.has_role(Role.EXPERT):
        return _("账号未授予评审专家角色")
    return _("评审期间不在可参评时段内")


def _panel_snapshot(panel: Panel) -> dict:
    seats = list(panel.members.select_related("expert").order_by("role", "id"))
    return {
        "round": panel.round_id,
        "name": panel.name,
        "chair": next((s.expert_id for s in seats if s.role == PanelRole.CHAIR), None),
        "members": [{"expert": s.expert_id, "name": s.expert.name, "role": s.role} for s in seats],
    }


def _seat(panel: Panel, experts: list[Expert], chair: Expert) -> None:
    PanelMember.objects.bulk_create(
        [
            PanelMember(panel=panel, expert=e, role=PanelRole.CHAIR if e.pk == chair.pk else PanelRole.MEMBER)
            for e in experts
        ]
    )


# ---------------------------------------------------------------- panels


@transaction.atomic
def create_panel(round_: ReviewRound, *, actor, name: str, members, chair) -> Panel:
    """组建专家组 for a meeting round: size and oddness by policy, one chair, no conflicts."""
    round_ = _lock_round(round_)
    role = require(actor, "review.manage_meetings", round_, visible=visible_rounds(actor))
    _require_meeting_round(round_)
    name = validation.required_text(name, field="name", max_length=100, label=_("专家组名称"))
    if round_.panels.filter(name=name).exists():
        msg = _("本轮已有名为“%(name)s”的专家组。") % {"name": name}
        raise ServiceError(msg, code="panel_name_taken", errors={"name": [msg]})
    experts, chair = _clean_panel(round_, members, chair)
    panel = Panel.objects.create(round=round_, name=name, created_by=actor)
    _seat(panel, experts, chair)
    audit.record("review.panel.created", actor=actor, role=role, target=panel, after=_panel_snapshot(panel))
    return panel


@transaction.atomic
def change_panel(panel: Panel, *, actor, members, chair, reason: str) -> Panel:
    """调整专家组成员 (with a reason): the same rules as forming it; held meetings keep their record."""
    panel = Panel.objects.select_for_update().get(pk=panel.pk)
    round_ = _lock_round(panel.round)
    role = require(actor, "review.manage_meetings", panel, visible=visible_panels(actor))
    _require_meeting_round(round_)
    reason = validation.required_text(
        reason, field="reason", max_length=300, label=_("调整理由"), message=_("请说明调整专家组成员的理由。")
    )
    experts, chair = _clean_panel(round_, members, chair)
    before = _panel_snapshot(panel)
    panel.members.all().delete()
    _seat(panel, experts, chair)
    after = _panel_snapshot(panel)
    if after == before:
        raise ServiceError(_("专家组成员和组长没有变化。"), code="panel_unchanged")
    audit.record(
        "review.panel.changed",
        actor=actor,
        role=role,
        target=panel,
        before=before,
        after=after,
        reason=reason,
    )
    return panel


# ---------------------------------------------------------------- meetings


def _held_at(value) -> dt.datetime:
    if isinstance(value, str):
        parsed = parse_datetime(value.strip().replace(" ", "T", 1)) if value.strip() else None
        if parsed is None and value.strip():
            msg = _("会议时间“%(v)s”格式不正确（例如 2026-06-18 09:00）。") % {"v": value}
            raise ServiceError(msg, code="held_at_invalid", errors={"held_at": [msg]})
        value = parsed
    if value is None:
        msg = _("请填写会议时间。")
        raise ServiceError(msg, code="held_at_required", errors={"held_at": [msg]})
    if not isinstance(value, dt.datetime):
        msg = _("会议时间须包括日期和时刻。")
        raise ServiceError(msg, code="held_at_invalid", errors={"held_at": [msg]})
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _agenda_entries(applications) -> list[tuple[int, str]]:
    """(application id, note) of the applications the office selects."""
    if applications is None:
        return []
    if isinstance(applications, str | bytes | dict) or not hasattr(applications, "__iter__"):
        msg = _("上会项目格式不正确。")
        raise ServiceError(msg, code="agenda_invalid", errors={"applications": [msg]})
    out: list[tuple[int, str]] = []
    for entry in applications:
        note = ""
        if isinstance(entry, dict):
            entry, note = entry.get("application"), entry.get("note") or ""
        elif isinstance(entry, tuple | list) and len(entry) == 2:
            entry, note = entry
        pk = getattr(entry, "pk", entry)
        if isinstance(pk, str) and pk.strip().isdigit():
            pk = int(pk)
        if not isinstance(pk, int) or isinstance(pk, bool):
            msg = _("上会项目“%(v)s”无效。") % {"v": entry}
            raise ServiceError(msg, code="agenda_invalid", errors={"applications": [msg]})
        note = validation.optional_text(note, field="applications", max_length=MAX_NOTE, label=_("上会说明"))
        if pk not in [p for p, _n in out]:
            out.append((pk, note))
    return out


def _eligible_for_round(round_: ReviewRound, app: Application) -> str:
    """Why the application may not be deliberated in the round ("" when it may)."""
    if app.call_id != round_.call_id:
        return _("申报项目 %(n)s 不属于本轮评审的申报指南。") % {"n": app.number}
    if app.state in ASSIGNABLE:
        return ""
    if (
        app.state == ApplicationState.REVIEWED
        and round_.previous_id
        and RoundResult.objects.filter(round_id=round_.previous_id, application=app).exists()
    ):
        return ""
    return _("申报项目 %(n)s 当前状态为“%(s)s”，不能安排上会论证（须为上一轮评审结果中的项目或评审中）。") % {
        "n": app.number,
        "s": app.get_state_display(),
    }


def _meeting_snapshot(meeting: Meeting) -> dict:
    return {
        "panel": meeting.panel_id,
        "held_at": meeting.held_at,
        "place": meeting.place,
        "state": meeting.state,
        "agenda": [
            {
                "application": i.application_id,
                "number": i.application.number,
                "reason": i.reason,
                "note": i.note,
            }
            for i in meeting.agenda.select_related("application").order_by("order", "id")
        ],
    }


@transaction.atomic
def schedule_meeting(
    panel: Panel, *, actor, held_at, place: str, applications=None, include_disputed: bool = True
) -> Meeting:
    """安排论证会议: the agenda is the previous round's disputed applications not yet deliberated in
    this round (unless ``include_disputed`` is false) plus ``applications`` the office selects — each
    an Application or id, or ``(application, note)`` / ``{"application": …, "note": …}``; a selected
    application that was not disputed needs a note saying why it goes to the meeting."""
    panel = Panel.objects.select_for_update().get(pk=panel.pk)
    round_ = _lock_round(panel.round)
    role = require(actor, "review.manage_meetings", panel, visible=visible_panels(actor))
    _require_meeting_round(round_)
    problems = Problems()
    clean = {
        "held_at": problems.run(lambda: _held_at(held_at)),
        "place": problems.run(
            lambda: validation.required_text(place, field="place", max_length=200, label=_("会议地点"))
        ),
        "applications": problems.run(lambda: _agenda_entries(applications)),
    }
    problems.raise_if_any(code="meeting_invalid", summary=_("论证会议信息有误，请按提示修改。"))
    busy = set(
        AgendaItem.objects.filter(
            meeting__panel__round=round_, meeting__state=MeetingState.PLANNED
        ).values_list("application_id", flat=True)
    )
    held = set(_latest_held_items(round_))
    disputed = {r.application_id: r for r in disputed_results(round_)}
    entries: list[tuple[int, str, str]] = []  # (application, reason, note)
    if include_disputed:
        entries += [(pk, AgendaReason.DISAGREEMENT, "") for pk in disputed if pk not in busy | held]
    apps = Application.objects.select_for_update(of=("self",)).in_bulk(
        [pk for pk, _r, _n in entries] + [pk for pk, _n in clean["applications"]]
    )
    problems: list[str] = []
    for pk, note in clean["applications"]:
        app = apps.get(pk)
        if app is None:
            problems.append(_("申报项目不存在：%(id)s。") % {"id": pk})
            continue
        why = _eligible_for_round(round_, app)
        if why:
            problems.append(why)
        elif pk in busy:
            problems.append(_("申报项目 %(n)s 已列入本轮另一场待召开的论证会议。") % {"n": app.number})
        elif any(pk == e[0] for e in entries):
            continue  # already on the agenda as disputed
        elif pk in disputed:
            entries.append((pk, AgendaReason.DISAGREEMENT, note))
        elif not note:
            problems.append(_("请说明安排申报项目 %(n)s 上会论证的理由。") % {"n": app.number})
        else:
            entries.append((pk, AgendaReason.SELECTED, note))
    if problems:
        raise ServiceError(
            problems[0] if len(problems) == 1 else _("上会项目有误，请按提示修改。"),
            code="agenda_invalid",
            errors={"applications": problems},
        )
    if not entries:
        msg = _("议程为空：上一轮没有尚待论证的评分分歧项目，请选择需要上会论证的申报项目并说明理由。")
        raise ServiceError(msg, code="agenda_empty", errors={"applications": [msg]})
    # disputed first, then the selected ones, each by application number
    entries.sort(key=lambda e: (e[1] != AgendaReason.DISAGREEMENT, apps[e[0]].number))
    members = [s.expert for s in panel.members.select_related("expert")]
    conflicts = _conflict_messages(round_, members, [apps[pk] for pk, _r, _n in entries])
    if conflicts:
        raise ServiceError(
            _("专家组成员与议程项目存在回避情形，请调整专家组成员或议程：%(list)s")
            % {"list": "；".join(conflicts)},
            code="meeting_conflict",
            errors={"applications": conflicts},
        )
    meeting = Meeting.objects.create(
        panel=panel, held_at=clean["held_at"], place=clean["place"], created_by=actor
    )
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(meeting=meeting, application_id=pk, reason=reason, note=note, order=i)
            for i, (pk, reason, note) in enumerate(entries, start=1)
        ]
    )
    if round_.state == RoundState.OPEN:
        for pk in sorted(pk for pk, _r, _n in entries):
            enter_review(apps[pk], actor=actor, role=role, round_=round_)
    audit.record(
        "review.meeting.scheduled", actor=actor, role=role, target=meeting, after=_meeting_snapshot(meeting)
    )
    return meeting


def _lock_meeting(meeting: Meeting) -> Meeting:
    """Lock the meeting; one cancelled meanwhile (a simultaneous request deleted it) is refused
    with a message, not a crash."""
    locked = (
        Meeting.objects.select_for_update(of=("self",)).select_related("panel").filter(pk=meeting.pk).first()
    )
    if locked is None:
        raise ServiceError(_("该论证会议已取消。"), code="meeting_cancelled")
    return locked


@transaction.atomic
def cancel_meeting(meeting: Meeting, *, actor, reason: str) -> None:
    """取消论证会议 (planned only, with a reason). Its applications leave review when nothing else in
    the round holds them."""
    meeting = _lock_meeting(meeting)
    round_ = _lock_round(meeting.panel.round)
    role = require(actor, "review.manage_meetings", meeting, visible=visible_meetings(actor))
    _require_meeting_round(round_)
    if meeting.state != MeetingState.PLANNED:
        raise ServiceError(
            _("该论证会议已召开并录入结果，不能取消；如需更正，请另行安排会议。"), code="meeting_final"
        )
    reason = validation.required_text(
        reason, field="reason", max_length=300, label=_("取消理由"), message=_("请说明取消论证会议的理由。")
    )
    before = _meeting_snapshot(meeting)
    app_ids = [i["application"] for i in before["agenda"]]
    panel = meeting.panel
    meeting.delete()
    if round_.state == RoundState.OPEN:
        still = set(meeting_applications(round_).values_list("pk", flat=True))
        for app in Application.objects.select_for_update().filter(pk__in=app_ids).order_by("pk"):
            if app.pk not in still:
                leave_review(app, actor=actor, role=role, round_=round_, reason=reason)
    audit.record(
        "review.meeting.cancelled", actor=actor, role=role, target=panel, before=before, reason=reason
    )


def _attendance(value, members: dict[int, Expert]) -> dict[int, tuple[bool, str]]:
    """{expert id: (present, note)} covering exactly the panel's members."""
    if not isinstance(value, dict):
        msg = _("请填写每位专家组成员的出席情况。")
        raise ServiceError(msg, code="attendance_invalid", errors={"attendance": [msg]})
    out: dict[int, tuple[bool, str]] = {}
    problems: list[str] = []
    for key, v in value.items():
        pk = getattr(key, "pk", key)
        pk = int(pk) if isinstance(pk, str) and pk.strip().isdigit() else pk
        if pk not in members:
            problems.append(_("专家“%(v)s”不是本专家组成员，不能登记出席。") % {"v": key})
            continue
        note = ""
        if isinstance(v, dict):
            v, note = v.get("present"), v.get("note") or ""
        if not isinstance(v, bool):
            problems.append(_("专家%(name)s的出席情况无效。") % {"name": members[pk].name})
            continue
        if not isinstance(note, str) or len(note) > 200:
            problems.append(_("专家%(name)s的出席说明不能超过200个字符。") % {"name": members[pk].name})
            continue
        out[pk] = (v, note.strip())
    missing = [m.name for pk, m in members.items() if pk not in out]
    if missing and not problems:
        problems.append(_("请登记以下专家组成员的出席情况：%(names)s。") % {"names": "、".join(missing)})
    if problems:
        raise ServiceError(
            problems[0] if len(problems) == 1 else _("出席情况有误，请按提示修改。"),
            code="attendance_invalid",
            errors={"attendance": problems},
        )
    return out


def _vote(value) -> tuple[object, object]:
    if isinstance(value, dict):
        return value.get("choice"), value.get("comment") or ""
    if isinstance(value, tuple | list) and len(value) == 2:
        return value[0], value[1] or ""
    return value, ""


def _votes(value, items: list[AgendaItem], members: dict[int, Expert], present: set[int]) -> dict:
    """{item id: {expert id: (choice, comment)}}: every present member on every agenda item."""
    if not isinstance(value, dict):
        msg = _("请录入每位出席专家对每个议程项目的表决意见。")
        raise ServiceError(msg, code="votes_invalid", errors={"votes": [msg]})
    by_app = {i.application_id: i for i in items}
    given: dict[int, dict] = {}
    problems: list[str] = []
    for key, row in value.items():
        pk = getattr(key, "pk", key)
        pk = int(pk) if isinstance(pk, str) and pk.strip().isdigit() else pk
        if pk not in by_app:
            problems.append(_("申报项目“%(v)s”不在本次会议议程中。") % {"v": getattr(key, "number", key)})
        elif not isinstance(row, dict):
            problems.append(_("申报项目 %(n)s 的表决格式不正确。") % {"n": by_app[pk].application.number})
        else:
            given[pk] = row
    labels = dict(Recommendation.choices)
    out: dict[int, dict[int, tuple[str, str]]] = {}
    for app_id, item in by_app.items():
        number = item.application.number
        row = given.get(app_id, {})
        cast: dict[int, tuple[str, str]] = {}
        for key, v in row.items():
            pk = getattr(key, "pk", key)
            pk = int(pk) if isinstance(pk, str) and pk.strip().isdigit() else pk
            if pk not in members:
                problems.append(
                    _("申报项目 %(n)s：专家“%(v)s”不是本专家组成员，不能表决。") % {"n": number, "v": key}
                )
                continue
            if pk not in present:
                problems.append(
                    _("申报项目 %(n)s：专家%(name)s未出席会议，不能表决。")
                    % {"n": number, "name": members[pk].name}
                )
                continue
            choice, comment = _vote(v)
            if choice not in labels:
                problems.append(
                    _("申报项目 %(n)s：专家%(name)s的表决意见“%(v)s”无效（可选：%(all)s）。")
                    % {
                        "n": number,
                        "name": members[pk].name,
                        "v": choice if choice not in (None, "") else "—",
                        "all": "、".join(str(x) for x in Recommendation.labels),
                    }
                )
                continue
            if not isinstance(comment, str) or len(comment.strip()) > MAX_COMMENT:
                problems.append(
                    _("申报项目 %(n)s：专家%(name)s的意见说明不能超过%(max)s个字符。")
                    % {"n": number, "name": members[pk].name, "max": MAX_COMMENT}
                )
                continue
            cast[pk] = (choice, comment.strip())
        missing = [
            members[pk].name for pk in sorted(present, key=lambda p: members[p].name) if pk not in cast
        ]
        if missing and not any(number in str(p) for p in problems):
            problems.append(
                _("申报项目 %(n)s：以下出席专家尚未表决：%(names)s。")
                % {"n": number, "names": "、".join(missing)}
            )
        out[item.pk] = cast
    if problems:
        raise ServiceError(
            problems[0] if len(problems) == 1 else _("表决意见有误，请按提示修改。"),
            code="votes_invalid",
            errors={"votes": problems},
        )
    return out


def tally(choices) -> tuple[str, Counter, bool]:
    """(recommendation, votes per choice, tie broken) of a list of choices: the most votes; a tie goes
    to the more cautious choice (``CAUTION``)."""
    counts = Counter(choices)
    top = max(counts.values())
    tied = [c for c in CAUTION if counts.get(c) == top]
    return tied[0], counts, len(tied) > 1


@transaction.atomic
def record_meeting(meeting: Meeting, *, actor, attendance: dict, minutes: str, votes: dict) -> Meeting:
    """录入会议结果 (final): ``attendance`` {expert id: present (or {"present", "note"})} for every member,
    the ``minutes``, and ``votes`` {application id: {expert id: (choice, comment)}} — each present
    member on each agenda item, absent members not at all. More than half the panel must be present."""
    meeting = _lock_meeting(meeting)
    round_ = _lock_round(meeting.panel.round)
    role = require(actor, "review.manage_meetings", meeting, visible=visible_meetings(actor))
    if meeting.state == MeetingState.HELD:
        raise ServiceError(
            _("该论证会议的结果已于 %(at)s 录入，不能修改；如需更正，请另行安排会议。")
            % {"at": timezone.localtime(meeting.recorded_at).strftime("%Y-%m-%d %H:%M")},
            code="meeting_final",
        )
    _require_meeting_round(round_)
    if round_.state != RoundState.OPEN:
        raise ServiceError(
            _("“%(name)s”尚未开始评审，请先开始评审再录入会议结果。") % {"name": round_.name},
            code="round_not_open",
        )
    members = {s.expert_id: s.expert for s in meeting.panel.members.select_related("expert").order_by("id")}
    items = list(meeting.agenda.select_related("application").order_by("order", "id"))
    problems = Problems()
    clean = {
        "attendance": problems.run(lambda: _attendance(attendance, members)),
        "minutes": problems.run(
            lambda: validation.required_text(
                minutes, field="minutes", max_length=MAX_MINUTES, label=_("会议纪要")
            )
        ),
    }
    problems.raise_if_any(code="meeting_record_invalid", summary=_("会议结果有误，请按提示修改。"))
    present = {pk for pk, (here, _n) in clean["attendance"].items() if here}
    if len(present) * 2 <= len(members):
        msg = _(
            "出席专家 %(p)s 名，未超过专家组 %(n)s 名成员的半数，会议不足法定人数，不能形成表决结果。"
        ) % {
            "p": len(present),
            "n": len(members),
        }
        raise ServiceError(msg, code="meeting_no_quorum", errors={"attendance": [msg]})
    conflicts = _conflict_messages(round_, [members[pk] for pk in present], [i.application for i in items])
    if conflicts:
        raise ServiceError(
            _("出席专家与议程项目存在回避情形，表决无效：%(list)s。请取消本次会议，调整专家组后重新安排。")
            % {"list": "；".join(conflicts)},
            code="meeting_conflict",
            errors={"votes": conflicts},
        )
    cast = _votes(votes, items, members, present)
    Attendance.objects.bulk_create(
        [
            Attendance(meeting=meeting, expert_id=pk, present=here, note=note)
            for pk, (here, note) in clean["attendance"].items()
        ]
    )
    Vote.objects.bulk_create(
        [
            Vote(item_id=item_id, expert_id=pk, choice=choice, comment=comment)
            for item_id, row in cast.items()
            for pk, (choice, comment) in row.items()
        ]
    )
    meeting.state = MeetingState.HELD
    meeting.minutes = clean["minutes"]
    meeting.recorded_by = actor
    meeting.recorded_at = timezone.now()
    meeting.save(update_fields=["state", "minutes", "recorded_by", "recorded_at"])
    outcome = {}
    for item in items:
        recommendation, counts, tie = tally(c for c, _m in cast[item.pk].values())
        outcome[item.application.number] = {
            "recommendation": recommendation,
            "votes": {c: counts.get(c, 0) for c in Recommendation.values},
            "tie": tie,
        }
    audit.record(
        "review.meeting.recorded",
        actor=actor,
        role=role,
        target=meeting,
        before={"state": MeetingState.PLANNED},
        after={"state": MeetingState.HELD},
        data={
            "members": len(members),
            "present": sorted(present),
            "absent": sorted(set(members) - present),
            "outcome": outcome,
        },
    )
    return meeting


# ---------------------------------------------------------------- round guards (transitions.ROUND)


def check_can_open(round_: ReviewRound) -> None:
    """A meeting round opens once a panel of it has a scheduled meeting with an agenda."""
    if not AgendaItem.objects.filter(meeting__panel__round=round_).exists():
        raise ServiceError(
            _("“%(name)s”还没有组建专家组并安排论证会议，不能开始评审。") % {"name": round_.name},
            code="round_without_meeting",
        )


def check_can_close(round_: ReviewRound) -> None:
    """A meeting round closes when no meeting is left planned and every agenda application has been
    voted on at a held meeting."""
    planned = list(
        Meeting.objects.filter(panel__round=round_, state=MeetingState.PLANNED)
        .select_related("panel")
        .order_by("held_at", "id")
    )
    if planned:
        names = "、".join(
            f"{m.panel.name} {timezone.localtime(m.held_at).strftime('%Y-%m-%d %H:%M')}" for m in planned
        )
        raise ServiceError(
            _("以下论证会议尚未录入结果：%(m)s。请录入会议结果或取消会议后再结束评审。") % {"m": names},
            code="round_has_planned_meetings",
            errors={"meetings": [m.pk for m in planned]},
        )
    if not _latest_held_items(round_):
        raise ServiceError(
            _("“%(name)s”还没有召开过论证会议，不能结束评审。") % {"name": round_.name},
            code="round_without_votes",
        )


# ---------------------------------------------------------------- results


def _previous_line(previous: RoundResult | None) -> str:
    if previous is None:
        return ""
    line = _("上一轮综合得分 %(s)s 分") % {"s": validation.fmt_score(previous.score)}
    if previous.spread is not None:
        line += _("，评分极差 %(d)s 分") % {"d": validation.fmt_score(previous.spread)}
    if previous.disagreement:
        line += _("（评分分歧较大）")
    return line + "。"


def vote_line(counts: Counter) -> str:
    return "，".join(
        _("%(label)s %(n)s 票") % {"label": Recommendation(c).label, "n": counts.get(c, 0)}
        for c in Recommendation.values
    )


def meeting_results(round_: ReviewRound) -> list[dict]:
    """One dict per application deliberated at a held meeting of the round (the latest meeting of an
    application decides), by application number: ``application``, ``recommendation`` (majority; a tie
    goes to the more cautious choice), ``reasons`` (Chinese: votes per choice, attendance, date,
    previous round's score and spread), ``votes`` {choice: n} (every choice), ``score`` (the previous
    round's score, or None), ``reviews`` (votes cast), ``basis`` ("votes"), ``meeting`` (its id)."""
    latest = _latest_held_items(round_)
    meetings = {item.meeting_id for item in latest.values()}
    present = Counter(
        Attendance.objects.filter(meeting_id__in=meetings, present=True).values_list("meeting_id", flat=True)
    )
    seats = Counter(Attendance.objects.filter(meeting_id__in=meetings).values_list("meeting_id", flat=True))
    previous = {}
    if round_.previous_id:
        previous = {r.application_id: r for r in RoundResult.objects.filter(round_id=round_.previous_id)}
    out = []
    with translation.override(settings.LANGUAGE_CODE):
        for app_id, item in latest.items():
            choices = [v.choice for v in item.votes.all()]
            recommendation, counts, tie = tally(choices)
            m = item.meeting
            prev = previous.get(app_id)
            reasons = _(
                "会议论证（%(date)s，%(place)s，%(panel)s）：专家组 %(n)s 人，出席 %(p)s 人；表决结果：%(votes)s，"
                "结论为“%(result)s”。"
            ) % {
                "date": timezone.localtime(m.held_at).strftime("%Y-%m-%d"),
                "place": m.place,
                "panel": m.panel.name,
                "n": seats[m.pk],
                "p": present[m.pk],
                "votes": vote_line(counts),
                "result": Recommendation(recommendation).label,
            }
            if tie:
                reasons += _("票数相同，按从严原则取较审慎的意见。")
            if item.reason == AgendaReason.SELECTED and item.note:
                reasons += _("上会原因：%(note)s。") % {"note": item.note}
            reasons += _previous_line(prev)
            out.append(
                {
                    "application": item.application,
                    "recommendation": recommendation,
                    "reasons": reasons,
                    "votes": {c: counts.get(c, 0) for c in Recommendation.values},
                    "score": prev.score if prev is not None else None,
                    "reviews": len(choices),
                    "basis": ResultBasis.VOTES,
                    "meeting": m.pk,
                }
            )
    return sorted(out, key=lambda r: r["application"].number)


def site_visit_results(round_: ReviewRound) -> list[dict]:
    """The outcomes of a site-visit round (``site_visits.site_visit_results``; here too, beside
    ``meeting_results``, for ``close_round``)."""
    from techfund.review.services.site_visits import site_visit_results as results

    return results(round_)


def expert_meetings(expert_id: int) -> QuerySet[Meeting]:
    """The meetings of the panels an expert sits on (newest first)."""
    return (
        Meeting.objects.filter(panel__members__expert_id=expert_id)
        .select_related("panel__round__call")
        .order_by("-held_at", "-id")
        .distinct()
    )


__all__ = [
    "CAUTION",
    "PanelRules",
    "cancel_meeting",
    "change_panel",
    "check_can_close",
    "check_can_open",
    "conflict_reasons",
    "create_panel",
    "disputed_results",
    "expert_meetings",
    "meeting_applications",
    "meeting_results",
    "panel_rules",
    "record_meeting",
    "schedule_meeting",
    "site_visit_results",
    "tally",
]
