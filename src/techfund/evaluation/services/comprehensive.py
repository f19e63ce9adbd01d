"""综合绩效评价: the office proposes the scores of the four first-level parts of the indicator framework
(决策 / 过程 / 产出 / 效益, each 0–100 with an opinion), signed by its signatory; the total is
``weighted_total`` with the policy's ``comprehensive_weights`` and the grade ``grade`` with
``evaluation_grades``, stored with the policy version used. Finance confirms with its own signature
(the second one), which completes the project (acceptance → completed), or returns it to the office.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.evaluation import scoring
from techfund.evaluation.enums import (
    COMPREHENSIVE_PARTS,
    PART_LABELS,
    ComprehensiveState,
    SelfEvaluationState,
)
from techfund.evaluation.models import ComprehensiveEvaluation
from techfund.evaluation.scopes import visible_comprehensive
from techfund.evaluation.services._common import (
    lock_project,
    move_project,
    number,
    policy_table,
    raise_errors,
    scoring_error,
    show,
    text,
    today_or,
)
from techfund.evaluation.services.self_evaluation import live_self_evaluation
from techfund.evaluation.transitions import COMPREHENSIVE
from techfund.projects.enums import ProjectState
from techfund.projects.models import Project
from techfund.projects.scopes import visible_projects

CENT = Decimal("0.01")
OPINION_MAX = 2000
CONCLUSION_MAX = 5000
SIGNATORY_MAX = 50
REASON_MAX = 2000


def comprehensive_rules(profile) -> dict:
    """The rule tables a comprehensive evaluation is scored with (copied onto the record). The policy's
    weights must give 产出 + 效益 at least ``min_output_outcome`` (RULES: ≥ 60%)."""
    weights = policy_table(profile, "comprehensive_weights.weights")
    minimum = profile.rule("comprehensive_weights.min_output_outcome")
    if minimum is not None:
        share = sum((Decimal(str(weights.get(p, 0))) for p in ("output", "outcome")), Decimal(0))
        if share < Decimal(str(minimum)):
            raise ServiceError(
                _(
                    "政策配置的综合评价权重中产出与效益合计 %(share)s 分，低于规定的 %(min)s 分，请先修正政策配置。"
                )
                % {"share": show(share), "min": show(Decimal(str(minimum)))},
                code="policy_weights_invalid",
            )
    return {"weights": weights, "grades": policy_table(profile, "evaluation_grades.grades")}


def snapshot(ce: ComprehensiveEvaluation) -> dict:
    return {
        "state": ce.state,
        "scores": {p: getattr(ce, f"{p}_score") for p in COMPREHENSIVE_PARTS},
        "total": ce.total,
        "grade": ce.grade,
        "profile_version": ce.profile_version,
        "office_signatory": ce.office_signatory,
        "finance_signatory": ce.finance_signatory,
    }


def _clean(scores, opinions, conclusion, signatory) -> tuple[dict, dict, str, str]:
    scores = scores or {}
    opinions = opinions or {}
    errors: dict = {}
    parts, views = {}, {}
    for part in COMPREHENSIVE_PARTS:
        label = PART_LABELS[part]
        parts[part] = number(
            scores.get(part),
            field=f"{part}_score",
            label=_("“%(part)s”得分") % {"part": label},
            minimum=Decimal(0),
            maximum=scoring.FULL_MARKS,
            errors=errors,
        )
        views[part] = text(
            opinions.get(part),
            field=f"{part}_opinion",
            label=_("“%(part)s”评价意见") % {"part": label},
            max_length=OPINION_MAX,
            required=True,
            errors=errors,
        )
    conclusion = text(
        conclusion,
        field="conclusion",
        label=_("综合评价结论"),
        max_length=CONCLUSION_MAX,
        required=False,
        errors=errors,
    )
    signatory = text(
        signatory,
        field="signatory",
        label=_("签署人姓名"),
        max_length=SIGNATORY_MAX,
        required=True,
        errors=errors,
    )
    parts = {p: v.quantize(CENT) if v is not None else None for p, v in parts.items()}
    n = sum(len(v) for v in errors.values())
    raise_errors(errors, "comprehensive_invalid", _("综合绩效评价有%(n)d处需要修改。") % {"n": n})
    return parts, views, conclusion, signatory


@transaction.atomic
def propose_comprehensive(
    project,
    *,
    actor,
    scores,
    opinions,
    signatory: str,
    conclusion: str = "",
    today: dt.date | None = None,
) -> ComprehensiveEvaluation:
    """提出综合绩效评价 (or propose it again after finance returned it): ``scores`` and ``opinions`` map
    ``decision``, ``process``, ``output`` and ``outcome`` to a 0–100 score and an opinion each."""
    project = lock_project(project)
    role = require(actor, "evaluation.propose_comprehensive", project, visible=visible_projects(actor))
    existing = ComprehensiveEvaluation.objects.select_for_update().filter(project=project).first()
    if existing is not None and existing.state == ComprehensiveState.PROPOSED:
        raise ServiceError(_("该项目的综合绩效评价已提出，正待财政部门确认。"), code="comprehensive_pending")
    if existing is not None and existing.state == ComprehensiveState.CONFIRMED:
        raise ServiceError(_("该项目已完成综合绩效评价。"), code="comprehensive_confirmed")
    if project.state != ProjectState.ACCEPTANCE:
        raise ServiceError(
            _("项目 %(number)s 当前状态为“%(state)s”，只有已提交自评、待验收评价的项目才能进行综合绩效评价。")
            % {"number": project.number, "state": ProjectState(project.state).label},
            code="project_not_in_acceptance",
        )
    self_ev = live_self_evaluation(project)
    if self_ev is None or self_ev.state != SelfEvaluationState.ACCEPTED:
        raise ServiceError(
            _("项目 %(number)s 的单位自评尚未受理，请先受理自评，再进行综合绩效评价。")
            % {"number": project.number},
            code="self_evaluation_not_accepted",
        )
    profile = project.fund_year.profile
    rules = comprehensive_rules(profile)
    parts, views, conclusion, signatory = _clean(scores, opinions, conclusion, signatory)
    try:
        total = scoring.weighted_total(parts, rules["weights"])
        grade = scoring.grade(total, rules["grades"])
    except ValueError as exc:
        raise scoring_error(exc) from exc

    values = {
        **{f"{p}_score": parts[p] for p in COMPREHENSIVE_PARTS},
        **{f"{p}_opinion": views[p] for p in COMPREHENSIVE_PARTS},
        "self_evaluation": self_ev,
        "state": ComprehensiveState.PROPOSED,
        "conclusion": conclusion,
        "total": total,
        "grade": grade,
        "profile": profile,
        "profile_version": profile.version,
        "rules": rules,
        "office_signatory": signatory,
        "proposed_by": actor,
        "proposed_at": timezone.now(),
        "evaluated_on": today_or(today),
    }
    before = None
    if existing is None:
        ce = ComprehensiveEvaluation.objects.create(project=project, **values)
        action = "evaluation.comprehensive.proposed"
    else:
        COMPREHENSIVE.check(existing, ComprehensiveState.PROPOSED)
        before = snapshot(existing)
        ce = existing
        for key, value in values.items():
            setattr(ce, key, value)
        # The return (who, when, why) stays in the trail; the record awaits a new confirmation.
        ce.returned_by, ce.returned_at, ce.return_reason = None, None, ""
        ce.save()
        action = "evaluation.comprehensive.reproposed"
    audit.record(
        action,
        actor=actor,
        role=role,
        target=ce,
        before=before,
        after=snapshot(ce),
        data={"project": project.pk, "self_evaluation": self_ev.pk, "weights": rules["weights"]},
        reason=conclusion,
    )
    return ce


def _lock(evaluation) -> ComprehensiveEvaluation:
    project = lock_project(
        Project(pk=ComprehensiveEvaluation.objects.values_list("project_id", flat=True).get(pk=evaluation.pk))
    )
    ce = ComprehensiveEvaluation.objects.select_for_update().get(pk=evaluation.pk)
    ce.project = project
    return ce


@transaction.atomic
def confirm_comprehensive(
    evaluation, *, actor, signatory: str, note: str = "", today: dt.date | None = None
) -> ComprehensiveEvaluation:
    """财政确认: finance signs the comprehensive evaluation; the project is completed."""
    ce = _lock(evaluation)
    role = require(actor, "evaluation.complete_evaluation", ce, visible=visible_comprehensive(actor))
    COMPREHENSIVE.check(ce, ComprehensiveState.CONFIRMED)
    errors: dict = {}
    signatory = text(
        signatory,
        field="signatory",
        label=_("签署人姓名"),
        max_length=SIGNATORY_MAX,
        required=True,
        errors=errors,
    )
    note = text(note, field="note", label=_("确认意见"), max_length=REASON_MAX, required=False, errors=errors)
    raise_errors(errors, "confirmation_invalid", _("确认信息有误，请按提示修改。"))
    before = snapshot(ce)
    ce.state = ComprehensiveState.CONFIRMED
    ce.finance_signatory = signatory
    ce.confirmed_by = actor
    ce.confirmed_at = timezone.now()
    ce.confirmed_on = today_or(today)
    ce.save(update_fields=["state", "finance_signatory", "confirmed_by", "confirmed_at", "confirmed_on"])
    audit.record(
        "evaluation.comprehensive.confirmed",
        actor=actor,
        role=role,
        target=ce,
        before=before,
        after=snapshot(ce),
        data={"project": ce.project_id},
        reason=note,
    )
    move_project(
        ce.project,
        ProjectState.COMPLETED,
        actor=actor,
        role=role,
        action="evaluation.project.completed",
        data={"comprehensive_evaluation": ce.pk, "grade": ce.grade, "total": ce.total},
    )
    return ce


@transaction.atomic
def return_comprehensive(
    evaluation, *, actor, reason: str, today: dt.date | None = None
) -> ComprehensiveEvaluation:
    """财政退回: finance sends the proposed evaluation back to the office, saying why."""
    ce = _lock(evaluation)
    role = require(actor, "evaluation.return_comprehensive", ce, visible=visible_comprehensive(actor))
    COMPREHENSIVE.check(ce, ComprehensiveState.RETURNED)
    errors: dict = {}
    reason = text(
        reason, field="reason", label=_("退回理由"), max_length=REASON_MAX, required=True, errors=errors
    )
    if errors and not reason:
        raise ServiceError(_("退回综合绩效评价须说明理由。"), code="reason_required", errors=errors)
    raise_errors(errors, "reason_invalid", "")
    before = snapshot(ce)
    ce.state = ComprehensiveState.RETURNED
    ce.returned_by = actor
    ce.returned_at = timezone.now()
    ce.return_reason = reason
    ce.save(update_fields=["state", "returned_by", "returned_at", "return_reason"])
    audit.record(
        "evaluation.comprehensive.returned",
        actor=actor,
        role=role,
        target=ce,
        before=before,
        after=snapshot(ce),
        data={"project": ce.project_id, "returned_on": today_or(today)},
        reason=reason,
    )
    return ce
