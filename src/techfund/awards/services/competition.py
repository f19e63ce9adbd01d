"""以赛代评: the prize schedule of a competition call, the due diligence of its finalists, and the
prizes proposed to the leading group through the proposal list (``techfund.decisions.services``).

**Finalists** are the applications ranked in the call's latest closed review round (the competition
round, 决赛); their rank is the review's (``RoundResult.rank``: equal scores share a rank).

**Prizes** follow the call's 奖补档次 (``Call.prize_tiers``) or, when the call has none, the policy's
``competition.prizes``; ties share the prizes of the positions they occupy equally to the fen, the
leftover fens to the first by application number (``techfund.awards.prizes``). A finalist whose due
diligence found problems receives nothing: its prize is forfeited, not passed down the ranking. The
total may not exceed ``competition.max_total_prizes`` when the policy sets it.

**Due diligence** (尽职调查): at least ⌈finalists ÷ ``competition.due_diligence_one_in``⌉ finalists
must have a record before the prizes are proposed.

``apply_prizes`` puts each prized finalist into a draft proposal batch with its prize as the amount
and the policy's ``competition.award_mode`` as the support mode (an item already in that draft batch
is replaced; one already decided must match its prize). Everything wrong is refused at once, nothing
changed.
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.applications.models import Application
from techfund.awards import prizes
from techfund.awards.enums import DiligenceConclusion
from techfund.awards.models import TEXT_MAX, DueDiligence
from techfund.awards.scopes import visible_competitions
from techfund.calls.models import Call
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.validation import raise_errors, text
from techfund.decisions import services as decisions
from techfund.decisions.enums import BatchState
from techfund.decisions.models import ProposalBatch, ProposalItem
from techfund.decisions.transitions import LIVE_ITEM_STATES
from techfund.funds.validation import fmt
from techfund.policy.enums import EstablishmentMode, SupportMode
from techfund.projects.services._common import parse_date, today_or
from techfund.review.enums import RoundState
from techfund.review.models import RoundResult

ZERO = prizes.ZERO


@dataclass
class Line:
    """One finalist in the schedule."""

    result: RoundResult
    application: Application
    placing: prizes.Placing
    diligence: DueDiligence | None
    prize: Decimal
    forfeited: bool = False
    item: ProposalItem | None = None

    @property
    def tier(self) -> str:
        return "、".join(self.placing.tier_names)


@dataclass
class Schedule:
    call: Call
    tiers: list[prizes.Tier]
    #: "call" when the call's 奖补档次 apply, "policy" for the policy's competition.prizes.
    tiers_from: str
    lines: list[Line] = field(default_factory=list)
    cap: Decimal | None = None
    one_in: int | None = None
    award_mode: str = SupportMode.POST_AWARD

    @property
    def total(self) -> Decimal:
        return sum((ln.prize for ln in self.lines), ZERO)

    @property
    def finalists(self) -> int:
        return len(self.lines)

    @property
    def diligence_required(self) -> int:
        if not self.one_in or not self.lines:
            return 0
        return math.ceil(len(self.lines) / self.one_in)

    @property
    def diligence_done(self) -> int:
        return sum(1 for ln in self.lines if ln.diligence is not None)

    @property
    def diligence_short(self) -> int:
        return max(self.diligence_required - self.diligence_done, 0)

    @property
    def over_cap(self) -> bool:
        return self.cap is not None and self.total > self.cap

    @property
    def prized(self) -> list[Line]:
        return [ln for ln in self.lines if ln.prize > 0]


def _tier_names(profile) -> dict:
    names = {}
    for t in profile.rule("competition.prizes") or []:
        try:
            names[(int(t["rank_from"]), int(t["rank_to"]))] = str(t.get("name") or "")
        except (KeyError, TypeError, ValueError):
            continue
    return names


def _default_name(t: prizes.Tier) -> str:
    if t.rank_from == t.rank_to:
        return _("第%(a)s名") % {"a": t.rank_from}
    return _("第%(a)s～%(b)s名") % {"a": t.rank_from, "b": t.rank_to}


def schedule_tiers(call) -> tuple[list[prizes.Tier], str]:
    """The tiers that apply to ``call`` and where they come from ("call" or "policy")."""
    profile = call.fund_year.profile
    if call.prize_tiers:
        names = _tier_names(profile)
        tiers = [
            prizes.Tier(
                t.rank_from, t.rank_to, t.amount, names.get((t.rank_from, t.rank_to)) or _default_name(t)
            )
            for t in prizes.tiers_from(call.prize_tiers)
        ]
        return tiers, "call"
    tiers = [
        prizes.Tier(t.rank_from, t.rank_to, t.amount, t.name or _default_name(t))
        for t in prizes.tiers_from(profile.rule("competition.prizes") or [])
    ]
    return tiers, "policy"


def final_round_results(call) -> list[RoundResult]:
    """The results of the call's latest closed review round (the finalists), by rank."""
    results = RoundResult.objects.filter(round__call=call, round__state=RoundState.CLOSED)
    last = (
        results.order_by("-round__sequence", "-round__closed_at").values_list("round_id", flat=True).first()
    )
    if last is None:
        return []
    return list(
        results.filter(round_id=last)
        .select_related("application__organisation", "application__department")
        .order_by("rank", "application__number")
    )


def prize_schedule(call) -> Schedule:
    """The prize each finalist of ``call`` receives, to the fen (a read: nothing is written)."""
    call = Call.objects.select_related("fund_year__profile", "focus_area").get(pk=call.pk)
    profile = call.fund_year.profile
    tiers, source = schedule_tiers(call)
    cap = profile.rule("competition.max_total_prizes")
    one_in = profile.rule("competition.due_diligence_one_in")
    sched = Schedule(
        call=call,
        tiers=tiers,
        tiers_from=source,
        cap=Decimal(str(cap)) if cap not in (None, "") else None,
        one_in=int(one_in) if one_in else None,
        award_mode=profile.rule("competition.award_mode") or SupportMode.POST_AWARD,
    )
    results = final_round_results(call)
    by_app = {r.application_id: r for r in results}
    diligence = {d.application_id: d for d in DueDiligence.objects.filter(application_id__in=list(by_app))}
    items = {
        i.application_id: i
        for i in ProposalItem.objects.filter(
            application_id__in=list(by_app), state__in=LIVE_ITEM_STATES
        ).select_related("batch")
    }
    placings = prizes.places([(r.application_id, r.application.number, r.rank) for r in results], tiers)
    for p in placings:
        r = by_app[p.key]
        d = diligence.get(p.key)
        forfeited = d is not None and d.conclusion == DiligenceConclusion.CONCERNS and p.prize > 0
        sched.lines.append(
            Line(
                result=r,
                application=r.application,
                placing=p,
                diligence=d,
                prize=ZERO if forfeited else p.prize,
                forfeited=forfeited,
                item=items.get(p.key),
            )
        )
    return sched


def _competition(call, actor, perm: str) -> tuple[Call, str]:
    call = Call.objects.select_for_update().select_related("fund_year__profile", "focus_area").get(pk=call.pk)
    role = require(actor, perm, call, visible=visible_competitions(actor))
    if call.establishment_mode != EstablishmentMode.COMPETITION:
        raise ServiceError(
            _("指南“%(t)s”不是以赛代评方式，没有奖补名次。") % {"t": call.title}, code="not_competition"
        )
    return call, role


@transaction.atomic
def record_diligence(
    call,
    *,
    actor,
    application,
    conducted_on,
    investigators: str,
    findings: str,
    conclusion: str,
    today: dt.date | None = None,
) -> DueDiligence:
    """The office records the due diligence (尽职调查) of one finalist of a competition call."""
    call, role = _competition(call, actor, "awards.record_diligence")
    errors: dict = {}
    finalists = {r.application_id: r for r in final_round_results(call)}
    app_id = application.pk if isinstance(application, Application) else application
    app_id = int(app_id) if str(app_id).isdigit() else None
    if app_id not in finalists:
        msg = _("该项目不是指南“%(t)s”的决赛项目（须在已结束的比赛评审轮次中有排名）。") % {"t": call.title}
        errors["application"] = [msg]
    elif DueDiligence.objects.filter(application_id=app_id).exists():
        errors["application"] = [
            _("决赛项目 %(n)s 已有尽职调查记录。") % {"n": finalists[app_id].application.number}
        ]
    day = None
    try:
        day = parse_date(conducted_on, field="conducted_on", label=_("调查日期"))
    except ServiceError as exc:
        errors.update(exc.errors)
    if day is not None and day > today_or(today):
        errors.setdefault("conducted_on", []).append(_("调查日期不能晚于今天。"))
    investigators = text(
        investigators,
        field="investigators",
        label=_("调查人员"),
        max_length=200,
        required=True,
        errors=errors,
    )
    findings = text(
        findings, field="findings", label=_("调查情况"), max_length=TEXT_MAX, required=True, errors=errors
    )
    if conclusion not in DiligenceConclusion.values:
        errors["conclusion"] = [_("请选择尽职调查结论。")]
    raise_errors(errors, "diligence_invalid", _("尽职调查记录有%(n)d处需要修改。") % {"n": len(errors)})
    record = DueDiligence.objects.create(
        call=call,
        application_id=app_id,
        conducted_on=day,
        investigators=investigators,
        findings=findings,
        conclusion=conclusion,
        recorded_by=actor,
    )
    audit.record(
        "awards.diligence.recorded",
        actor=actor,
        role=role,
        target=record,
        after={"conclusion": conclusion, "conducted_on": day, "investigators": investigators},
        data={"call": call.pk, "application": app_id, "rank": finalists[app_id].rank},
        reason=findings,
    )
    return record


def _draft_batch(call, batch) -> ProposalBatch | None:
    qs = ProposalBatch.objects.filter(fund_year_id=call.fund_year_id, state=BatchState.DRAFT)
    if batch is not None:
        return qs.filter(pk=batch.pk if isinstance(batch, ProposalBatch) else batch).first()
    return qs.order_by("-number").first()


@transaction.atomic
def apply_prizes(call, *, actor, batch=None) -> list[ProposalItem]:
    """The office proposes the competition's prizes: each prized finalist into the draft proposal
    batch (``batch``, or the year's latest draft), with its prize as the amount. Refused, with the
    numbers, when the due-diligence quota is not met, the total exceeds the policy's cap, or any
    finalist cannot be proposed at its prize."""
    call, role = _competition(call, actor, "awards.apply_prizes")
    sched = prize_schedule(call)
    if not sched.lines:
        raise ServiceError(
            _("指南“%(t)s”还没有结束的比赛评审轮次，没有决赛名次。") % {"t": call.title}, code="no_finalists"
        )
    if not sched.tiers:
        raise ServiceError(
            _("指南“%(t)s”没有奖补档次，本市政策也未设奖项（competition.prizes）。") % {"t": call.title},
            code="no_prizes",
        )
    if sched.diligence_short:
        raise ServiceError(
            _(
                "决赛项目 %(n)d 项，按政策须对不少于1/%(k)d的决赛项目开展尽职调查（至少 %(need)d 项），目前只有 %(have)d 项，还差 %(short)d 项，不能提出奖补。"
            )
            % {
                "n": sched.finalists,
                "k": sched.one_in,
                "need": sched.diligence_required,
                "have": sched.diligence_done,
                "short": sched.diligence_short,
            },
            code="diligence_quota",
        )
    if sched.over_cap:
        raise ServiceError(
            _("奖补合计 %(total)s 元超过本市一次大赛奖补总额上限 %(cap)s 元。")
            % {"total": fmt(sched.total), "cap": fmt(sched.cap)},
            code="prizes_over_cap",
        )
    draft = _draft_batch(call, batch)
    if draft is None:
        raise ServiceError(
            _("%(y)s年度没有拟定中的立项建议批次：请先新建一个批次，再把奖补列入。")
            % {"y": call.fund_year.year},
            code="no_draft_batch",
            errors={"batch": [_("请选择拟定中的立项建议批次。")]},
        )
    errors: dict = {}
    mode = sched.award_mode
    if mode not in (call.support_modes or []):
        errors.setdefault("support_mode", []).append(
            _("指南“%(t)s”的支持方式不含奖补方式“%(m)s”。") % {"t": call.title, "m": SupportMode(mode).label}
        )
    replace, todo, kept = [], [], []
    for ln in sched.prized:
        app, item = ln.application, ln.item
        ctx = {"n": app.number, "t": app.title, "p": fmt(ln.prize)}
        if item is not None and item.batch_id != draft.pk:
            if item.amount == ln.prize and item.support_mode == mode:
                kept.append(item)
                continue
            errors.setdefault("items", []).append(
                _("%(n)s“%(t)s”已列入第%(b)s批（%(s)s，%(a)s 元），与奖补金额 %(p)s 元不符，不能改动。")
                % {**ctx, "b": item.batch.number, "s": item.get_state_display(), "a": fmt(item.amount)}
            )
            continue
        if ln.prize > app.requested_amount:
            errors.setdefault("items", []).append(
                _("%(n)s“%(t)s”的奖补 %(p)s 元超过其申请的财政资金 %(r)s 元。")
                % {**ctx, "r": fmt(app.requested_amount)}
            )
        if ln.prize > call.ceiling:
            errors.setdefault("items", []).append(
                _("%(n)s“%(t)s”的奖补 %(p)s 元超过指南单项资助上限 %(c)s 元。")
                % {**ctx, "c": fmt(call.ceiling)}
            )
        if item is not None:
            replace.append(item)
        todo.append(ln)
    freed = sum((i.amount for i in replace), ZERO)
    need = sum((ln.prize for ln in todo), ZERO)
    remaining = decisions.remaining_allocation(call.fund_year, call.focus_area) + freed
    if need > remaining:
        errors.setdefault("items", []).append(
            _("“%(area)s”剩余可安排额度 %(rem)s 元，不足以安排奖补 %(need)s 元。")
            % {"area": call.focus_area.name, "rem": fmt(remaining), "need": fmt(need)}
        )
    raise_errors(
        errors,
        "prizes_invalid",
        _("奖补有%(n)d处问题，未列入立项建议。") % {"n": sum(map(len, errors.values()))},
    )
    for item in replace:
        decisions.remove_item(item, actor=actor)
    created = []
    for ln in todo:
        with_note = _("以赛代评第%(r)s名%(tier)s，奖补 %(p)s 元") % {
            "r": ln.placing.rank,
            "tier": f"（{ln.tier}）" if ln.tier else "",
            "p": fmt(ln.prize),
        }
        if ln.placing.tied > 1:
            with_note += _("（%(k)s项并列，平分%(k)s个名次的奖补）") % {"k": ln.placing.tied}
        created.append(
            decisions.propose_item(
                draft,
                actor=actor,
                application=ln.application,
                amount=ln.prize,
                support_mode=mode,
                note=with_note[:300],
            )
        )
    audit.record(
        "awards.prizes.applied",
        actor=actor,
        role=role,
        target=call,
        after={"batch": draft.number, "total": sched.total, "items": [i.pk for i in created]},
        data={
            "tiers_from": sched.tiers_from,
            "tiers": [
                {"from": t.rank_from, "to": t.rank_to, "amount": t.amount, "name": t.name}
                for t in sched.tiers
            ],
            "schedule": {
                ln.application.number: {
                    "rank": ln.placing.rank,
                    "positions": list(ln.placing.positions),
                    "prize": ln.prize,
                    "forfeited": ln.forfeited,
                }
                for ln in sched.lines
            },
            "diligence": {
                "finalists": sched.finalists,
                "required": sched.diligence_required,
                "done": sched.diligence_done,
            },
            "replaced": [i.pk for i in replace],
            "kept": [i.pk for i in kept],
        },
    )
    return created
