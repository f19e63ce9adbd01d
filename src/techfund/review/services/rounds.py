"""评审轮次: the office sets up a round of a call (method, criteria with weights), opens it once
experts are assigned, and closes it, which computes each application's result.

Rounds are numbered per call (1, 2, …). A later round may name a closed earlier round of the same
call as ``previous`` (e.g. meeting review after remote review): the earlier round's results stay as
they were, the later round adds its own (lineage: every round's result is kept and shown in order).
"""

import importlib
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from techfund.applications.models import Application
from techfund.calls.enums import CallState
from techfund.calls.models import Call
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.review import validation
from techfund.review.enums import Recommendation, ResultBasis, ReviewMethod, RoundState
from techfund.review.models import Criterion, ReviewRound, RoundResult
from techfund.review.scopes import HOLDING, PENDING, review_calls, visible_rounds
from techfund.review.services import aggregate, calibration
from techfund.review.services.application_states import enter_review, finish_review
from techfund.review.transitions import ROUND

MAX_CRITERIA = 20
MAX_SCORE_LIMIT = Decimal("1000")
#: Calls whose applications may be reviewed.
REVIEWABLE_CALLS = frozenset({CallState.PUBLISHED, CallState.CLOSED})


def snapshot(round_: ReviewRound) -> dict:
    return {
        "call": round_.call_id,
        "name": round_.name,
        "method": round_.method,
        "sequence": round_.sequence,
        "state": round_.state,
        "previous": round_.previous_id,
        "criteria": [
            {"code": c.code, "name": c.name, "weight": c.weight, "max_score": c.max_score}
            for c in round_.criteria.all()
        ],
    }


def clean_criteria(criteria) -> list[dict]:
    """Each criterion: a code (unique in the round), a name, a weight (> 0) and a full mark
    (default 100); the weights add up to exactly 100. Problems are keyed ``criteria.<i>.<field>``."""
    if isinstance(criteria, Mapping) or not isinstance(criteria, list | tuple) or not criteria:
        msg = _("请至少填写一项评审要素（代码、名称、权重）。")
        raise ServiceError(msg, code="criteria_required", errors={"criteria": [msg]})
    if len(criteria) > MAX_CRITERIA:
        msg = _("评审要素最多%(n)s项。") % {"n": MAX_CRITERIA}
        raise ServiceError(msg, code="criteria_too_many", errors={"criteria": [msg]})
    errors: dict = {}
    out: list[dict] = []
    seen: set[str] = set()
    for i, item in enumerate(criteria):
        if not isinstance(item, Mapping):
            errors.setdefault("criteria", []).append(_("第%(i)s项评审要素格式不正确。") % {"i": i + 1})
            continue
        row = {}
        for key, check in (
            ("code", lambda v, f: validation.criterion_code(v, field=f)),
            (
                "name",
                lambda v, f: validation.required_text(v, field=f, max_length=100, label=_("评审要素名称")),
            ),
            ("weight", lambda v, f: _positive(v, f, _("权重"), Decimal("100"))),
            ("max_score", lambda v, f: _positive(v, f, _("满分"), MAX_SCORE_LIMIT)),
        ):
            value = item.get(key)
            if key == "max_score" and (value is None or value == ""):
                value = 100  # the usual full mark
            try:
                row[key] = check(value, f"criteria.{i}.{key}")
            except ServiceError as exc:
                for f, msgs in exc.errors.items():
                    errors.setdefault(f, []).extend(msgs)
        if "code" in row:
            if row["code"] in seen:
                errors.setdefault(f"criteria.{i}.code", []).append(
                    _("评审要素代码“%(c)s”重复。") % {"c": row["code"]}
                )
            seen.add(row["code"])
        out.append(row)
    if not errors:
        total = sum((r["weight"] for r in out), Decimal("0"))
        if total != 100:
            msg = _("各评审要素的权重之和应为 100，现为 %(t)s。") % {"t": validation.fmt_score(total)}
            errors["criteria"] = [msg]
    if errors:
        validation.raise_errors(errors, code="criteria_invalid", summary=_("评审要素有误，请按提示修改。"))
    return out


def _positive(value, field: str, label: str, limit: Decimal) -> Decimal:
    d = validation.decimal(value, field=field, label=label)
    if d <= 0 or d > limit:
        msg = _("%(label)s应大于 0 且不超过 %(max)s，收到 %(v)s。") % {
            "label": label,
            "max": validation.fmt_score(limit),
            "v": value,
        }
        raise ServiceError(msg, code="number_out_of_range", errors={field: [msg]})
    return d


def _previous(call: Call, previous) -> ReviewRound | None:
    if previous is None or previous == "":
        return None
    pk = previous.pk if isinstance(previous, ReviewRound) else previous
    previous = ReviewRound.objects.filter(pk=pk).first() if str(pk).isdigit() else None  # as stored now
    if previous is None or previous.call_id != call.pk:
        msg = _("上一轮必须是同一申报指南的评审轮次。")
        raise ServiceError(msg, code="previous_other_call", errors={"previous": [msg]})
    if previous.state != RoundState.CLOSED:
        msg = _("上一轮“%(name)s”尚未结束（%(state)s），结束后才能在其结果上开展下一轮。") % {
            "name": previous.name,
            "state": previous.get_state_display(),
        }
        raise ServiceError(msg, code="previous_not_closed", errors={"previous": [msg]})
    return previous


@transaction.atomic
def create_round(
    call: Call, *, actor, name: str, method: str, criteria: list[dict], previous: ReviewRound | None = None
) -> ReviewRound:
    """新建评审轮次 (draft), numbered after the call's earlier rounds."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    role = require(actor, "review.manage_rounds", call, visible=review_calls(actor))
    if call.state not in REVIEWABLE_CALLS:
        raise ServiceError(
            _("申报指南“%(t)s”当前为“%(s)s”，不能组织评审。")
            % {"t": call.title, "s": call.get_state_display()},
            code="call_not_reviewable",
        )
    clean: dict = {}
    failed: list[ServiceError] = []
    for key, check in (
        ("name", lambda: validation.required_text(name, field="name", max_length=100, label=_("轮次名称"))),
        ("method", lambda: _method(method)),
        ("criteria", lambda: clean_criteria(criteria)),
        ("previous", lambda: _previous(call, previous)),
    ):
        try:
            clean[key] = check()
        except ServiceError as exc:
            failed.append(exc)
    if len(failed) == 1:
        raise failed[0]  # its own message and code (e.g. criteria_invalid, previous_not_closed)
    if failed:
        errors: dict = {}
        for exc in failed:
            for f, msgs in exc.errors.items():
                errors.setdefault(f, []).extend(msgs)
        validation.raise_errors(errors, code="round_invalid", summary=_("评审轮次有误，请按提示修改。"))
    sequence = (call.review_rounds.aggregate(m=Max("sequence"))["m"] or 0) + 1
    round_ = ReviewRound.objects.create(
        call=call,
        name=clean["name"],
        method=clean["method"],
        sequence=sequence,
        previous=clean["previous"],
        created_by=actor,
    )
    Criterion.objects.bulk_create(
        [Criterion(round=round_, order=i, **row) for i, row in enumerate(clean["criteria"], start=1)]
    )
    audit.record("review.round.created", actor=actor, role=role, target=round_, after=snapshot(round_))
    return round_


def _method(value) -> str:
    if value not in ReviewMethod.values:
        msg = _("评审方式“%(v)s”无效（可选：%(all)s）。") % {
            "v": value,
            "all": "、".join(str(label) for label in ReviewMethod.labels),
        }
        raise ServiceError(msg, code="method_invalid", errors={"method": [msg]})
    return value


def _lock(round_: ReviewRound) -> ReviewRound:
    return (
        ReviewRound.objects.select_for_update(of=("self",))
        .select_related("call__fund_year__profile")
        .get(pk=round_.pk)
    )


@transaction.atomic
def open_round(round_: ReviewRound, *, actor) -> ReviewRound:
    """开始评审: experts may score from now on; every assigned application is in review."""
    round_ = _lock(round_)
    role = require(actor, "review.manage_rounds", round_, visible=visible_rounds(actor))
    ROUND.check(round_, RoundState.OPEN)
    held = Application.objects.filter(
        pk__in=round_.assignments.filter(state__in=HOLDING).values("application_id")
    )
    if round_.method == ReviewMethod.MEETING:
        from techfund.review.services.meetings import meeting_applications

        held = held | meeting_applications(round_)  # the agendas' applications are deliberated
    applications = list(
        Application.objects.select_for_update().filter(pk__in=held.values("pk")).order_by("pk")
    )
    for application in applications:
        enter_review(application, actor=actor, role=role, round_=round_)
    round_.state = RoundState.OPEN
    round_.save(update_fields=["state"])
    audit.record(
        "review.round.opened",
        actor=actor,
        role=role,
        target=round_,
        before={"state": RoundState.DRAFT},
        after={"state": RoundState.OPEN},
        data={
            "applications": sorted(a.number for a in applications),
            "assignments": round_.assignments.filter(state__in=HOLDING).count(),
        },
    )
    return round_


#: Methods whose result comes from the meeting's votes or the site visit's conclusion, not from scores.
BY_OUTCOME = {ReviewMethod.MEETING: ResultBasis.VOTES, ReviewMethod.SITE_VISIT: ResultBasis.SITE_VISIT}
MEETINGS_MODULE = "techfund.review.services.meetings"


def _outcomes(round_: ReviewRound):
    """The function that gives a meeting or site-visit round's outcomes; a refusal while it is missing."""
    name = "meeting_results" if round_.method == ReviewMethod.MEETING else "site_visit_results"
    try:
        module = importlib.import_module(MEETINGS_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != MEETINGS_MODULE:
            raise
        module = None
    fn = getattr(module, name, None)
    if fn is None:
        raise ServiceError(
            _(
                "“%(name)s”为%(method)s，其结果由会议表决或现场考核结论汇总，该功能尚未启用，暂不能结束本轮评审。"
            )
            % {"name": round_.name, "method": round_.get_method_display()},
            code="round_outcomes_unavailable",
        )
    return fn


def _outcome_rows(round_: ReviewRound, outcomes, lines) -> list[RoundResult]:
    """Results of a meeting or site-visit round from its outcomes (``meetings.meeting_results`` /
    ``site_visit_results``: application, recommendation, reasons, votes, score).

    The score that ranks: the outcome's own score when it has one, else the application's score in
    the previous round (a meeting after remote review keeps the remote score for the ranking), else
    0 — and the reasons say which."""
    previous: dict = {}
    if round_.previous_id:
        previous = {
            r.application_id: r
            for r in RoundResult.objects.filter(round_id=round_.previous_id).select_related("round")
        }
    rows = []
    for item in outcomes:
        application = item["application"]
        recommendation = item.get("recommendation")
        if recommendation not in Recommendation.values:
            raise ServiceError(
                _("申报项目 %(n)s 的%(method)s结论“%(v)s”无效，不能汇总结果。")
                % {"n": application.number, "method": round_.get_method_display(), "v": recommendation},
                code="round_outcome_invalid",
            )
        given, before = item.get("score"), previous.get(application.pk)
        with translation.override(settings.LANGUAGE_CODE):
            if given is not None:
                score = validation.round2(Decimal(str(given)))
                note = ""
            elif before is not None:
                score = before.score
                note = _("综合得分沿用上一轮“%(name)s”的 %(score)s 分。") % {
                    "name": before.round.name,
                    "score": validation.fmt_score(score),
                }
            else:
                score = Decimal("0.00")
                note = _("本轮不评分，上一轮无该项目的评审结果，综合得分记为 0 分。")
        if not Decimal("0") <= score <= Decimal("100"):
            raise ServiceError(
                _("申报项目 %(n)s 的得分 %(s)s 不在 0 到 100 之间，不能汇总结果。")
                % {"n": application.number, "s": validation.fmt_score(score)},
                code="round_outcome_invalid",
            )
        votes = dict(item.get("votes") or {})
        counted = sum(v for v in votes.values() if isinstance(v, int) and not isinstance(v, bool))
        rows.append(
            RoundResult(
                round=round_,
                application=application,
                score=score,
                reviews=item.get("reviews") or counted or 1,
                rank=0,
                recommendation=recommendation,
                reasons=(item.get("reasons") or "") + note,
                basis=BY_OUTCOME[round_.method],
                votes=votes,
            )
        )
    return aggregate.assign_ranks(rows, score=lambda r: r.score, number=lambda r: r.application.number)


def _score_rows(round_: ReviewRound, lines, rules, as_of) -> list[RoundResult]:
    calibrated = calibration.for_round(round_, as_of=as_of, profile=round_.call.fund_year.profile)
    rows = []
    for t in aggregate.tally(round_, rules=rules, calibrated=calibrated):
        recommendation = aggregate.recommend(t.score, lines)
        rows.append(
            RoundResult(
                round=round_,
                application=t.application,
                score=t.score,
                reviews=t.reviews,
                rank=t.rank,
                recommendation=recommendation,
                reasons=aggregate.reasons(t, recommendation, lines, rules),
                basis=ResultBasis.SCORES,
                calibrated_score=t.calibrated,
                spread=t.spread,
                disagreement=t.disagreement,
                trimmed=t.trimmed,
            )
        )
    return rows


@transaction.atomic
def close_round(round_: ReviewRound, *, actor) -> list[RoundResult]:
    """结束评审: each application's result is recorded and the applications are reviewed.

    A scored round (remote review, competition): the score is the mean of the submitted totals
    (trimmed of the highest and lowest with enough of them), with the spread, the disagreement flag
    and the calibrated score (``aggregate``, ``calibration``); rank within the focus area and the
    recommendation by the policy's lines. A meeting or site-visit round: the result is the meeting's
    votes or the site visit's conclusion (``meetings``), ranked by the score it carries over.
    Earlier rounds' results are never touched."""
    round_ = _lock(round_)
    role = require(actor, "review.manage_rounds", round_, visible=visible_rounds(actor))
    outcomes = _outcomes(round_) if round_.method in BY_OUTCOME else None
    ROUND.check(round_, RoundState.CLOSED)
    profile = round_.call.fund_year.profile
    lines = aggregate.thresholds(profile)
    rules = aggregate.scoring_rules(profile)
    now = timezone.now()
    if outcomes is not None:
        rows = _outcome_rows(round_, outcomes(round_), lines)
    else:
        rows = _score_rows(round_, lines, rules, now)
    RoundResult.objects.bulk_create(rows)
    applications = Application.objects.select_for_update().filter(pk__in=[r.application_id for r in rows])
    for application in applications.order_by("pk"):
        finish_review(application, actor=actor, role=role, round_=round_)
    unscored = round_.assignments.filter(state__in=PENDING).count()
    round_.state = RoundState.CLOSED
    round_.closed_at = now
    round_.save(update_fields=["state", "closed_at"])
    audit.record(
        "review.round.closed",
        actor=actor,
        role=role,
        target=round_,
        before={"state": RoundState.OPEN},
        after={"state": RoundState.CLOSED},
        data={
            "results": {
                r.application.number: {
                    "score": r.score,
                    "reviews": r.reviews,
                    "rank": r.rank,
                    "basis": r.basis,
                    "trimmed": r.trimmed,
                    "spread": r.spread,
                    "disagreement": r.disagreement,
                    "calibrated_score": r.calibrated_score,
                    **({"votes": r.votes} if r.votes else {}),
                }
                for r in rows
            },
            "thresholds": {
                "support": lines.support_min,
                "support_revised": lines.revised_min,
                "min_valid_opinions": lines.min_reviews,
            },
            "scoring": {
                "trim_min_scores": rules.trim_min,
                "disagreement_spread": rules.spread_limit,
                "calibration_min_reviews": rules.calibration_min,
            },
            "disputed": sorted(r.application.number for r in rows if r.disagreement),
            "unscored_assignments": unscored,
        },
    )
    return list(aggregate.results(round_))
