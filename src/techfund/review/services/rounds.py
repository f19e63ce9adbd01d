"""评审轮次: the office sets up a round of a call (method, criteria with weights), opens it once
experts are assigned, and closes it, which computes each application's result.

Rounds are numbered per call (1, 2, …). A later round may name a closed earlier round of the same
call as ``previous`` (e.g. meeting review after remote review): the earlier round's results stay as
they were, the later round adds its own.
"""

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications.models import Application
from techfund.calls.enums import CallState
from techfund.calls.models import Call
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.review import validation
from techfund.review.enums import AssignmentState, ReviewMethod, RoundState
from techfund.review.models import Criterion, ReviewRound, RoundResult
from techfund.review.scopes import HOLDING, review_calls, visible_rounds
from techfund.review.services import aggregate
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
    held = round_.assignments.filter(state__in=HOLDING).values("application_id")
    applications = list(Application.objects.select_for_update().filter(pk__in=held).order_by("pk"))
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


@transaction.atomic
def close_round(round_: ReviewRound, *, actor) -> list[RoundResult]:
    """结束评审: each application's result (mean of the submitted totals, rank within its focus area,
    recommendation with reasons) is recorded, and the applications are reviewed."""
    round_ = _lock(round_)
    role = require(actor, "review.manage_rounds", round_, visible=visible_rounds(actor))
    ROUND.check(round_, RoundState.CLOSED)
    lines = aggregate.thresholds(round_.call.fund_year.profile)
    rows = []
    for t in aggregate.tally(round_):
        recommendation = aggregate.recommend(t.score, lines)
        rows.append(
            RoundResult(
                round=round_,
                application=t.application,
                score=t.score,
                reviews=t.reviews,
                rank=t.rank,
                recommendation=recommendation,
                reasons=aggregate.reasons(t, recommendation, lines),
            )
        )
    RoundResult.objects.bulk_create(rows)
    applications = Application.objects.select_for_update().filter(pk__in=[r.application_id for r in rows])
    for application in applications.order_by("pk"):
        finish_review(application, actor=actor, role=role, round_=round_)
    unscored = round_.assignments.filter(state=AssignmentState.ASSIGNED).count()
    round_.state = RoundState.CLOSED
    round_.closed_at = timezone.now()
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
                r.application.number: {"score": r.score, "reviews": r.reviews, "rank": r.rank} for r in rows
            },
            "thresholds": {
                "support": lines.support_min,
                "support_revised": lines.revised_min,
                "min_valid_opinions": lines.min_reviews,
            },
            "unscored_assignments": unscored,
        },
    )
    return list(aggregate.results(round_))
