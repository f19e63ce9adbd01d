"""单位自评 and 验收: the implementing unit evaluates each contract target (KPI), reports its spending and
its beneficiaries' satisfaction; the scores are computed by ``scoring`` with the policy's tables;
the office accepts the self-evaluation as the basis of the comprehensive evaluation, or returns it.

The scoring rule (see ``techfund.evaluation.models``): each KPI out of 100; a part (产出, 效益) is the
mean of its KPIs (its policy weight split evenly across them); 满意度 as reported; 预算执行率 =
spent ÷ arrived; total = ``weighted_total`` with ``self_evaluation_weights``; grade by
``evaluation_grades``. Money arrived is read from the ledger (what was paid to the unit, less what
was recovered), never typed in.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications.enums import IndicatorType, TargetKind
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.evaluation import scoring
from techfund.evaluation.enums import (
    LIVE_SELF_EVALUATION_STATES,
    PART_LABELS,
    Band,
    SelfEvaluationState,
)
from techfund.evaluation.models import KpiResult, SelfEvaluation
from techfund.evaluation.scopes import visible_self_evaluations
from techfund.evaluation.services._common import (
    fmt,
    lock_project,
    move_project,
    number,
    policy_table,
    raise_errors,
    scoring_error,
    show,
    spent_amount,
    text,
    today_or,
)
from techfund.evaluation.transitions import SELF_EVALUATION
from techfund.projects.accounts import project_balances
from techfund.projects.enums import ContractState, ProjectState
from techfund.projects.models import Contract, ContractTarget, Project
from techfund.projects.scopes import visible_projects

#: Each KPI is scored out of 100 (its own 百分制); see the module's docstring for how parts combine.
KPI_FULL = scoring.FULL_MARKS
SUMMARY_MAX = 5000
EXPLANATION_MAX = 2000
REASON_MAX = 2000
#: Actual values are stored with four decimals in 18 digits.
ACTUAL_PLACES = 4
ACTUAL_LIMIT = Decimal(10) ** 14
#: The parts scored from the contract's KPIs, by the target's kind.
KPI_PARTS = {TargetKind.OUTPUT: "output", TargetKind.OUTCOME: "outcome"}
CENT = Decimal("0.01")


def self_evaluation_rules(profile) -> dict:
    """The rule tables a self-evaluation is scored with (copied onto the record)."""
    return {
        "weights": policy_table(profile, "self_evaluation_weights.weights"),
        "auto_scoring": policy_table(profile, "auto_scoring"),
        "grades": policy_table(profile, "evaluation_grades.grades"),
    }


def auto_scoring(rules: dict) -> scoring.AutoScoring:
    try:
        return scoring.AutoScoring.from_policy(rules["auto_scoring"])
    except ValueError as exc:
        raise scoring_error(exc) from exc


def snapshot(ev: SelfEvaluation) -> dict:
    return {
        "state": ev.state,
        "spent": ev.spent,
        "arrived": ev.arrived,
        "satisfaction": ev.satisfaction,
        "parts": {
            "output": ev.output_score,
            "outcome": ev.outcome_score,
            "satisfaction": ev.satisfaction_score,
            "budget_execution": ev.budget_execution_score,
        },
        "total": ev.total,
        "grade": ev.grade,
        "profile_version": ev.profile_version,
    }


def live_self_evaluation(project) -> SelfEvaluation | None:
    return (
        SelfEvaluation.objects.filter(project=project, state__in=LIVE_SELF_EVALUATION_STATES)
        .order_by("-id")
        .first()
    )


def _given_results(results) -> dict:
    """``{target id: {...}}`` from a mapping keyed by target (or its id) or a list of dicts with ``target``."""
    out: dict = {}
    if results is None:
        return out
    items = (
        results.items()
        if isinstance(results, Mapping)
        else [(r.get("target") if isinstance(r, Mapping) else None, r) for r in results]
    )
    for key, value in items:
        pk = key.pk if isinstance(key, ContractTarget) else key
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            pk = str(pk)
        out[pk] = value if isinstance(value, Mapping) else {}
    return out


def _mean(values) -> Decimal:
    values = list(values)
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def _score_targets(targets, given: dict, auto: scoring.AutoScoring, errors: dict) -> list[dict]:
    """Score each target from its entry in ``given``; problems go into ``errors`` under
    ``results.<target id>.<actual|band|band_score|explanation>``."""
    scored = []
    for t in targets:
        key = f"results.{t.pk}"
        entry = given.pop(t.pk, None) or {}
        name = t.name
        explanation = text(
            entry.get("explanation"),
            field=f"{key}.explanation",
            label=_("“%(name)s”的偏差原因说明") % {"name": name},
            max_length=EXPLANATION_MAX,
            required=False,
            errors=errors,
        )
        row = {"target": t, "explanation": explanation, "actual": None, "band": "", "band_score": None}
        result = None
        if t.indicator_type == IndicatorType.QUALITATIVE:
            band = str(entry.get("band") or "").strip()
            if not band:
                errors.setdefault(f"{key}.band", []).append(
                    _("请为定性指标“%(name)s”选择评分档次。") % {"name": name}
                )
            elif band not in auto.bands:
                errors.setdefault(f"{key}.band", []).append(
                    _("“%(name)s”的评分档次“%(band)s”无效；可选：%(allowed)s。")
                    % {"name": name, "band": band, "allowed": "、".join(str(b.label) for b in Band)}
                )
                band = ""
            band_score = number(
                entry.get("band_score"),
                field=f"{key}.band_score",
                label=_("“%(name)s”的档次内评分") % {"name": name},
                places=auto.places,
                errors=errors,
            )
            if band and band_score is not None:
                lo, hi, hi_included = auto.band_range(band, KPI_FULL)
                if not (lo <= band_score <= hi if hi_included else lo <= band_score < hi):
                    errors.setdefault(f"{key}.band_score", []).append(
                        _(
                            "“%(name)s”选择“%(band)s”档，评分应在%(lo)s（含）至%(hi)s（%(incl)s）之间，实际为%(v)s。"
                        )
                        % {
                            "name": name,
                            "band": Band(band).label if band in Band.values else band,
                            "lo": show(lo),
                            "hi": show(hi),
                            "incl": _("含") if hi_included else _("不含"),
                            "v": show(band_score),
                        }
                    )
                else:
                    try:
                        result = scoring.score_indicator(
                            IndicatorType.QUALITATIVE,
                            KPI_FULL,
                            None,
                            band=band,
                            band_score=band_score,
                            rules=auto,
                        )
                    except ValueError as exc:
                        errors.setdefault(f"{key}.band_score", []).append(scoring_error(exc).message)
            row.update(band=band, band_score=band_score)
        else:
            actual = number(
                entry.get("actual"),
                field=f"{key}.actual",
                label=_("“%(name)s”的实际完成值") % {"name": name},
                places=ACTUAL_PLACES,
                errors=errors,
            )
            if actual is not None and abs(actual) >= ACTUAL_LIMIT:
                errors.setdefault(f"{key}.actual", []).append(
                    _("“%(name)s”的实际完成值过大。") % {"name": name}
                )
                actual = None
            if actual is not None:
                try:
                    result = scoring.score_indicator(
                        t.indicator_type, KPI_FULL, t.target_value, actual, rules=auto
                    )
                except ValueError as exc:
                    errors.setdefault(f"{key}.actual", []).append(scoring_error(exc).message)
            if result is not None and result.needs_explanation and not explanation:
                if t.target_value:
                    msg = _(
                        "“%(name)s”实际完成值 %(a)s%(unit)s 达到目标值 %(t)s%(unit)s 的 %(pct)s%% 以上，"
                        "请填写偏差原因说明。"
                    ) % {
                        "name": name,
                        "a": show(actual),
                        "t": show(t.target_value),
                        "unit": t.unit,
                        "pct": show(auto.deviation_factor * 100),
                    }
                else:
                    msg = _(
                        "“%(name)s”目标值为0，实际完成值 %(a)s%(unit)s 偏离目标，请填写偏差原因说明。"
                    ) % {"name": name, "a": show(actual), "unit": t.unit}
                errors.setdefault(f"{key}.explanation", []).append(msg)
            row["actual"] = actual
        row["result"] = result
        scored.append(row)
    for pk in given:
        errors.setdefault("results", []).append(_("指标“%(id)s”不属于该项目的任务书。") % {"id": pk})
    return scored


@transaction.atomic
def submit_self_evaluation(
    project,
    *,
    actor,
    summary: str,
    spent,
    satisfaction,
    results,
    today: dt.date | None = None,
) -> SelfEvaluation:
    """提交自评: score every KPI of the signed contract, compute the parts, total and grade with the
    policy's tables, and put the project into acceptance (in_progress → acceptance).

    ``results`` maps each contract target (or its id) to ``{"actual": …}`` (quantitative) or
    ``{"band": "achieved|partly|not_achieved", "band_score": …}`` (qualitative, out of 100), with
    ``"explanation"`` — required when the actual value reaches the policy's deviation factor (130%)
    of the target. ``spent`` is the money actually spent (≤ arrived); ``satisfaction`` 0–100.
    """
    project = lock_project(project)
    role = require(actor, "evaluation.submit_self_evaluation", project, visible=visible_projects(actor))
    if project.state != ProjectState.IN_PROGRESS:
        raise ServiceError(
            _("项目 %(number)s 当前状态为“%(state)s”，只有执行中的项目才能提交自评。")
            % {"number": project.number, "state": ProjectState(project.state).label},
            code="project_not_in_progress",
        )
    if live_self_evaluation(project) is not None:
        raise ServiceError(_("该项目已提交自评，不能重复提交。"), code="self_evaluation_exists")
    contract = Contract.objects.filter(project=project).first()
    if contract is None or contract.state != ContractState.SIGNED:
        raise ServiceError(_("项目任务书尚未由双方签订，不能自评。"), code="contract_not_signed")
    targets = list(contract.targets.order_by("order", "id"))
    profile = project.fund_year.profile
    rules = self_evaluation_rules(profile)
    weights = rules["weights"]
    missing = [part for kind, part in KPI_PARTS.items() if not any(t.kind == kind for t in targets)]
    if missing:
        raise ServiceError(
            _("任务书没有%(parts)s类绩效指标，无法按政策的自评权重计算得分。")
            % {"parts": "、".join(f"“{PART_LABELS[p]}”" for p in missing)},
            code="part_without_indicators",
        )
    auto = auto_scoring(rules)
    arrived = project_balances([project])[project.pk]["disbursed"]
    if arrived <= 0:
        raise ServiceError(
            _("项目 %(number)s 尚无到位资金（已拨付 0.00 元），无法计算预算执行率，暂不能提交自评。")
            % {"number": project.number},
            code="no_funds_arrived",
        )

    errors: dict = {}
    summary = text(
        summary, field="summary", label=_("自评报告"), max_length=SUMMARY_MAX, required=True, errors=errors
    )
    spent_value = spent_amount(spent, field="spent", label=_("实际支出"), errors=errors)
    if spent_value is not None and spent_value > arrived:
        errors.setdefault("spent", []).append(
            _("实际支出 %(spent)s 元超过到位资金 %(arrived)s 元。")
            % {"spent": fmt(spent_value), "arrived": fmt(arrived)}
        )
        spent_value = None
    satisfaction_value = number(
        satisfaction,
        field="satisfaction",
        label=_("满意度得分"),
        minimum=Decimal(0),
        maximum=scoring.FULL_MARKS,
        errors=errors,
    )
    if satisfaction_value is not None:
        satisfaction_value = satisfaction_value.quantize(CENT)
    scored = _score_targets(targets, _given_results(results), auto, errors)
    raise_errors(errors, "self_evaluation_invalid", _("自评有%(n)d处需要修改。") % {"n": _count(errors)})

    try:
        arrival_rate = scoring.funds_arrival_rate(arrived, project.amount)
        execution_rate = scoring.budget_execution_rate(spent_value, arrived)
    except ValueError as exc:
        raise scoring_error(exc) from exc
    by_part: dict[str, list] = {part: [] for part in KPI_PARTS.values()}
    for row in scored:
        by_part[KPI_PARTS[row["target"].kind]].append(row)
    parts = {part: _mean(r["result"].score for r in rows) for part, rows in by_part.items()}
    parts["satisfaction"] = satisfaction_value
    parts["budget_execution"] = min(execution_rate, scoring.FULL_MARKS)
    try:
        total = scoring.weighted_total(parts, weights)
        grade = scoring.grade(total, rules["grades"])
    except ValueError as exc:
        raise scoring_error(exc) from exc

    day = today_or(today)
    ev = SelfEvaluation.objects.create(
        project=project,
        summary=summary,
        planned=project.amount,
        arrived=arrived,
        spent=spent_value,
        arrival_rate=arrival_rate,
        execution_rate=execution_rate,
        satisfaction=satisfaction_value,
        output_score=parts["output"],
        outcome_score=parts["outcome"],
        satisfaction_score=parts["satisfaction"],
        budget_execution_score=parts["budget_execution"],
        total=total,
        grade=grade,
        profile=profile,
        profile_version=profile.version,
        rules=rules,
        submitted_by=actor,
        submitted_on=day,
    )
    KpiResult.objects.bulk_create(
        KpiResult(
            self_evaluation=ev,
            target=row["target"],
            order=i,
            actual_value=row["actual"],
            band=row["band"],
            band_score=row["band_score"],
            explanation=row["explanation"],
            score=row["result"].score,
            ratio=_storable(row["result"].ratio),
            needs_explanation=row["result"].needs_explanation,
            weight_share=_share(
                weights, KPI_PARTS[row["target"].kind], len(by_part[KPI_PARTS[row["target"].kind]])
            ),
        )
        for i, row in enumerate(scored)
    )
    audit.record(
        "evaluation.self_evaluation.submitted",
        actor=actor,
        role=role,
        target=ev,
        after=snapshot(ev),
        data={
            "project": project.pk,
            "results": [
                {
                    "target": row["target"].pk,
                    "actual": row["actual"],
                    "band": row["band"],
                    "band_score": row["band_score"],
                    "score": row["result"].score,
                }
                for row in scored
            ],
        },
    )
    move_project(
        project,
        ProjectState.ACCEPTANCE,
        actor=actor,
        role=role,
        action="evaluation.project.submitted_for_acceptance",
        data={"self_evaluation": ev.pk},
    )
    return ev


def _storable(ratio: Decimal | None) -> Decimal | None:
    """The completion ratio as stored (14 integer digits); an absurdly large one is left out."""
    return ratio if ratio is not None and abs(ratio) < ACTUAL_LIMIT else None


def _count(errors: dict) -> int:
    return sum(len(v) for v in errors.values())


def _share(weights: Mapping, part: str, n: int) -> Decimal:
    return (Decimal(str(weights[part])) / n).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _lock(ev) -> SelfEvaluation:
    project = lock_project(
        Project(pk=SelfEvaluation.objects.values_list("project_id", flat=True).get(pk=ev.pk))
    )
    ev = SelfEvaluation.objects.select_for_update().get(pk=ev.pk)
    ev.project = project
    return ev


@transaction.atomic
def accept_self_evaluation(
    evaluation, *, actor, note: str = "", today: dt.date | None = None
) -> SelfEvaluation:
    """受理: the office accepts the self-evaluation as the basis of the comprehensive evaluation."""
    ev = _lock(evaluation)
    role = require(actor, "evaluation.accept_self_evaluation", ev, visible=visible_self_evaluations(actor))
    SELF_EVALUATION.check(ev, SelfEvaluationState.ACCEPTED)
    errors: dict = {}
    note = text(note, field="note", label=_("受理意见"), max_length=REASON_MAX, required=False, errors=errors)
    raise_errors(errors, "note_invalid", "")
    before = snapshot(ev)
    ev.state = SelfEvaluationState.ACCEPTED
    ev.decided_by = actor
    ev.decided_at = timezone.now()
    ev.decided_on = today_or(today)
    ev.decision_note = note
    ev.save(update_fields=["state", "decided_by", "decided_at", "decided_on", "decision_note"])
    audit.record(
        "evaluation.self_evaluation.accepted",
        actor=actor,
        role=role,
        target=ev,
        before=before,
        after=snapshot(ev),
        data={"project": ev.project_id},
        reason=note,
    )
    return ev


@transaction.atomic
def return_self_evaluation(evaluation, *, actor, reason: str, today: dt.date | None = None) -> SelfEvaluation:
    """退回: the office sends the self-evaluation back, saying why; the project returns to in_progress
    and the unit submits a new self-evaluation (the returned one stays as history)."""
    ev = _lock(evaluation)
    role = require(actor, "evaluation.return_self_evaluation", ev, visible=visible_self_evaluations(actor))
    SELF_EVALUATION.check(ev, SelfEvaluationState.RETURNED)
    errors: dict = {}
    reason = text(
        reason, field="reason", label=_("退回理由"), max_length=REASON_MAX, required=True, errors=errors
    )
    if errors and not reason:
        raise ServiceError(_("退回自评须说明理由。"), code="reason_required", errors=errors)
    raise_errors(errors, "reason_invalid", "")
    before = snapshot(ev)
    ev.state = SelfEvaluationState.RETURNED
    ev.decided_by = actor
    ev.decided_at = timezone.now()
    ev.decided_on = today_or(today)
    ev.decision_note = reason
    ev.save(update_fields=["state", "decided_by", "decided_at", "decided_on", "decision_note"])
    audit.record(
        "evaluation.self_evaluation.returned",
        actor=actor,
        role=role,
        target=ev,
        before=before,
        after=snapshot(ev),
        data={"project": ev.project_id},
        reason=reason,
    )
    move_project(
        ev.project,
        ProjectState.IN_PROGRESS,
        actor=actor,
        role=role,
        action="evaluation.project.returned_to_progress",
        data={"self_evaluation": ev.pk},
        reason=reason,
    )
    return ev
