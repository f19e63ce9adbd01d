"""评审任务: the office assigns experts to applications (by hand, or by releasing an assignment plan,
``services.plans``); the expert accepts, then scores each criterion and comments, or declines
(回避 / 拒绝) saying why.

An expert never reviews an application they conflict with (``conflicts.pair_conflicts``: the refusal
names the reasons). A submitted score is final. When an expert declines in a round whose experts were
drawn or matched by a plan, a replacement is chosen in the same transaction (``replace``); when nobody
is left to take it, the decline still stands and the office's home page lists the gap. Rounds assigned
by hand get no automatic replacement: the office assigns another expert.
"""

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.review import validation
from techfund.review.enums import (
    AssignmentMode,
    AssignmentState,
    ExpertStatus,
    Recommendation,
    ReviewMethod,
    RoundState,
)
from techfund.review.models import Assignment, Expert, ReviewRound, RoundResult, Score
from techfund.review.scopes import HOLDING, PENDING, visible_assignments, visible_rounds
from techfund.review.services.application_states import enter_review, leave_review
from techfund.review.services.conflicts import pair_conflicts
from techfund.review.services.experts import effective_status
from techfund.review.transitions import ASSIGNABLE, ASSIGNMENT

#: Round states in which experts may be assigned or withdrawn.
ASSIGNING = frozenset({RoundState.DRAFT, RoundState.OPEN})


def _who(assignment: Assignment) -> dict:
    return {
        "round": assignment.round_id,
        "application": assignment.application_id,
        "application_number": assignment.application.number,
        "expert": assignment.expert_id,
        "expert_name": assignment.expert.name,
        "state": assignment.state,
    }


def conflict(expert: Expert, application: Application) -> str:
    """Why the expert may not review the application ("" when nothing is known against it)."""
    org = application.organisation
    same = (expert.organisation_id is not None and expert.organisation_id == org.pk) or (
        expert.organisation_id is None
        and expert.organisation_name.strip()
        and expert.organisation_name.strip() == org.name.strip()
    )
    if same:
        return _("回避：专家%(expert)s的工作单位“%(org)s”就是申报项目 %(n)s 的申报单位，不能评审该项目。") % {
            "expert": expert.name,
            "org": org.name,
            "n": application.number,
        }
    return ""


def conflict_message(found) -> str:
    """The reasons of ``pair_conflicts`` as one message (each reason once, in rule order)."""
    reasons = [reason.rstrip("。；; ") for _rule, reason in found]
    return _("回避：%(reasons)s。") % {"reasons": "；".join(reasons)}


def _check_application(round_: ReviewRound, application: Application) -> None:
    if application.call_id != round_.call_id:
        msg = _("申报项目 %(n)s 不属于本轮评审的申报指南“%(call)s”。") % {
            "n": application.number,
            "call": round_.call.title,
        }
        raise ServiceError(msg, code="application_other_call", errors={"application": [msg]})
    if application.state in ASSIGNABLE:
        return
    in_previous = (
        round_.previous_id is not None
        and RoundResult.objects.filter(round_id=round_.previous_id, application=application).exists()
    )
    if in_previous and application.state == ApplicationState.REVIEWED:
        return
    if application.state == ApplicationState.REVIEWED:
        msg = _("申报项目 %(n)s 已完成评审；只有上一轮评审结果中的项目才能进入下一轮评审。") % {
            "n": application.number
        }
    else:
        msg = _("申报项目 %(n)s 当前状态为“%(s)s”，不能分配评审专家（须为形式审查通过或评审中）。") % {
            "n": application.number,
            "s": application.get_state_display(),
        }
    raise ServiceError(msg, code="application_not_assignable", errors={"application": [msg]})


def _lock_round(round_id: int) -> ReviewRound:
    return ReviewRound.objects.select_for_update(of=("self",)).select_related("call").get(pk=round_id)


@transaction.atomic
def assign(round_: ReviewRound, *, actor, application: Application, expert: Expert) -> Assignment:
    """分配评审专家 to one application (the round is in preparation or under way)."""
    round_ = _lock_round(round_.pk)
    role = require(actor, "review.assign", round_, visible=visible_rounds(actor))
    if round_.state not in ASSIGNING:
        raise ServiceError(
            _("“%(name)s”已结束，不能再分配评审专家。") % {"name": round_.name}, code="round_closed"
        )
    expert = Expert.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=expert.pk)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=application.pk)
    )
    _check_application(round_, application)
    if expert.user_id is None:
        msg = _("专家%(expert)s尚未关联登录账号，不能分配评审任务；请联系安全管理员为其关联账号。") % {
            "expert": expert.name
        }
        raise ServiceError(msg, code="expert_no_account", errors={"expert": [msg]})
    status = effective_status(expert, round_.starts_on)  # a suspension or ban whose period ended is over
    if status != ExpertStatus.ACTIVE:
        msg = _("专家%(expert)s当前为“%(s)s”，不能分配评审任务。") % {
            "expert": expert.name,
            "s": ExpertStatus(status).label,
        }
        raise ServiceError(msg, code="expert_not_active", errors={"expert": [msg]})
    why = conflict(expert, application)
    if why:
        raise ServiceError(why, code="conflict_same_organisation", errors={"expert": [why]})
    found = pair_conflicts(expert, application, round_)
    if found:
        why = conflict_message(found)
        raise ServiceError(why, code="conflict_of_interest", errors={"expert": [why]})
    existing = Assignment.objects.filter(round=round_, application=application, expert=expert).first()
    if existing is not None:
        if existing.state == AssignmentState.DECLINED:
            msg = _("专家%(expert)s已对申报项目 %(n)s 回避/拒绝评审，不能再次分配。")
        else:
            msg = _("专家%(expert)s已分配评审申报项目 %(n)s。")
        msg = msg % {"expert": expert.name, "n": application.number}
        raise ServiceError(msg, code="already_assigned", errors={"expert": [msg]})
    load = Assignment.objects.filter(round=round_, expert=expert, state__in=HOLDING).count()
    if load >= expert.max_load:
        msg = _("专家%(expert)s在本轮已有 %(load)s 项评审任务，达到每轮上限 %(max)s 项。") % {
            "expert": expert.name,
            "load": load,
            "max": expert.max_load,
        }
        raise ServiceError(msg, code="expert_load_full", errors={"expert": [msg]})
    assignment = Assignment.objects.create(
        round=round_, application=application, expert=expert, assigned_by=actor
    )
    if round_.state == RoundState.OPEN:
        enter_review(application, actor=actor, role=role, round_=round_)
    audit.record(
        "review.assignment.created", actor=actor, role=role, target=assignment, after=_who(assignment)
    )
    return assignment


def _lock_assignment(assignment: Assignment) -> tuple[ReviewRound, Assignment]:
    """Lock the round first, then the assignment (the same order in every review service). One
    withdrawn meanwhile (a simultaneous ``unassign`` deleted it) is refused with a message."""
    round_id = Assignment.objects.filter(pk=assignment.pk).values_list("round_id", flat=True).first()
    if round_id is None:
        raise ServiceError(_("该评审任务已被撤销。"), code="assignment_removed")
    round_ = _lock_round(round_id)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("expert", "application")
        .filter(pk=assignment.pk)
        .first()
    )
    if assignment is None:
        raise ServiceError(_("该评审任务已被撤销。"), code="assignment_removed")
    assignment.round = round_
    return round_, assignment


@transaction.atomic
def unassign(assignment: Assignment, *, actor, reason: str) -> None:
    """撤销评审任务 before the expert scores it (the record goes; the trail keeps who, when and why)."""
    round_, assignment = _lock_assignment(assignment)
    role = require(actor, "review.assign", assignment, visible=visible_assignments(actor))
    if round_.state not in ASSIGNING:
        raise ServiceError(
            _("“%(name)s”已结束，不能撤销评审任务。") % {"name": round_.name}, code="round_closed"
        )
    if assignment.state not in PENDING:
        raise ServiceError(
            _("专家%(expert)s对申报项目 %(n)s 的评审任务当前为“%(s)s”，只能撤销尚未评分的任务。")
            % {
                "expert": assignment.expert.name,
                "n": assignment.application.number,
                "s": assignment.get_state_display(),
            },
            code="assignment_not_withdrawable",
        )
    reason = validation.required_text(
        reason, field="reason", max_length=300, label=_("理由"), message=_("撤销评审任务须说明理由。")
    )
    audit.record(
        "review.assignment.removed",
        actor=actor,
        role=role,
        target=assignment,
        before=_who(assignment),
        reason=reason,
    )
    application = Application.objects.select_for_update().get(pk=assignment.application_id)
    assignment.delete()
    if round_.state == RoundState.OPEN:
        leave_review(application, actor=actor, role=role, round_=round_, reason=reason)


def _check_open_for_expert(round_: ReviewRound, assignment: Assignment) -> None:
    if assignment.state == AssignmentState.SUBMITTED:
        raise ServiceError(_("您已提交该项目的评分，提交后不能修改。"), code="score_final")
    if assignment.state == AssignmentState.DECLINED:
        raise ServiceError(_("您已回避/拒绝该评审任务。"), code="assignment_declined")
    if round_.state == RoundState.DRAFT:
        raise ServiceError(_("本轮评审尚未开始，请在开始后再评分。"), code="round_not_open")
    if round_.state != RoundState.OPEN:
        raise ServiceError(_("本轮评审已结束。"), code="round_closed")
    if round_.method == ReviewMethod.SITE_VISIT:
        raise ServiceError(
            _("现场考核轮次不打分：考核情况和结论由办公室在现场考核记录中录入。"),
            code="site_visit_not_scored",
        )


def clean_scores(criteria, scores) -> dict:
    """Every criterion scored, each within 0..its full mark with at most two places; errors are keyed
    ``scores.<criterion code>`` (``scores`` for codes that are not criteria of the round)."""
    if not isinstance(scores, Mapping):
        msg = _("评分应为“评审要素 → 分值”的对应表。")
        raise ServiceError(msg, code="scores_invalid", errors={"scores": [msg]})
    errors: dict = {}
    codes = {c.code for c in criteria}
    unknown = sorted(str(k) for k in scores if k not in codes)
    if unknown:
        errors["scores"] = [_("不是本轮评审要素：%(codes)s。") % {"codes": "、".join(unknown)}]
    out = {}
    for c in criteria:
        field = f"scores.{c.code}"
        value = scores.get(c.code)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[field] = [_("请为“%(name)s”评分。") % {"name": c.name}]
            continue
        try:
            v = validation.decimal(value, field=field, label=c.name)
        except ServiceError as exc:
            errors.update(exc.errors)
            continue
        if v < 0 or v > c.max_score:
            errors[field] = [
                _("“%(name)s”的得分应在 0 到 %(max)s 之间，收到 %(v)s。")
                % {"name": c.name, "max": validation.fmt_score(c.max_score), "v": value}
            ]
            continue
        out[c] = v
    if errors:
        validation.raise_errors(errors, code="scores_invalid", summary=_("评分有误，请按提示修改。"))
    return out


def weighted_total(values: dict) -> Decimal:
    """Σ value / full mark × weight, on a 0–100 scale, two places half up."""
    return validation.round2(sum((v / c.max_score * c.weight for c, v in values.items()), Decimal("0")))


@transaction.atomic
def submit_score(
    assignment: Assignment, *, actor, scores: dict, comment: str, recommendation: str
) -> Assignment:
    """提交评分: one score per criterion, a comment and a recommendation; final once submitted."""
    round_, assignment = _lock_assignment(assignment)
    role = require(actor, "review.score", assignment, visible=visible_assignments(actor))
    _check_open_for_expert(round_, assignment)
    ASSIGNMENT.check(assignment, AssignmentState.SUBMITTED)
    before = assignment.state
    criteria = list(round_.criteria.all())
    errors: dict = {}
    values = {}
    try:
        values = clean_scores(criteria, scores)
    except ServiceError as exc:
        errors.update(exc.errors)
    try:
        comment = validation.required_text(
            comment, field="comment", max_length=5000, label=_("评审意见"), message=_("请填写评审意见。")
        )
    except ServiceError as exc:
        errors.update(exc.errors)
    if recommendation not in Recommendation.values:
        errors["recommendation"] = [_("请选择评审建议。")]
    if errors:
        validation.raise_errors(errors, code="score_invalid", summary=_("评分有误，请按提示修改。"))
    Score.objects.bulk_create([Score(assignment=assignment, criterion=c, value=v) for c, v in values.items()])
    assignment.total = weighted_total(values)
    assignment.comment = comment
    assignment.recommendation = recommendation
    assignment.state = AssignmentState.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["total", "comment", "recommendation", "state", "submitted_at"])
    audit.record(
        "review.score.submitted",
        actor=actor,
        role=role,
        target=assignment,
        before={"state": before},
        after={
            "state": AssignmentState.SUBMITTED,
            "scores": {c.code: v for c, v in values.items()},
            "total": assignment.total,
            "recommendation": recommendation,
            "comment": comment,
        },
    )
    return assignment


@transaction.atomic
def accept(assignment: Assignment, *, actor) -> Assignment:
    """接受评审任务: the expert confirms they will review the application (then scores it)."""
    round_, assignment = _lock_assignment(assignment)
    role = require(actor, "review.accept", assignment, visible=visible_assignments(actor))
    if assignment.state == AssignmentState.SUBMITTED:
        raise ServiceError(_("您已提交该项目的评分。"), code="score_final")
    if assignment.state == AssignmentState.DECLINED:
        raise ServiceError(_("您已回避/拒绝该评审任务。"), code="assignment_declined")
    if assignment.state == AssignmentState.ACCEPTED:
        raise ServiceError(_("您已接受该评审任务。"), code="already_accepted")
    if round_.state == RoundState.CLOSED:
        raise ServiceError(_("本轮评审已结束。"), code="round_closed")
    ASSIGNMENT.check(assignment, AssignmentState.ACCEPTED)
    assignment.state = AssignmentState.ACCEPTED
    assignment.accepted_at = timezone.now()
    assignment.save(update_fields=["state", "accepted_at"])
    audit.record(
        "review.assignment.accepted",
        actor=actor,
        role=role,
        target=assignment,
        before={"state": AssignmentState.ASSIGNED},
        after={"state": AssignmentState.ACCEPTED},
    )
    return assignment


#: Rounds whose declined assignments are replaced automatically (the experts came from a plan).
REPLACING = frozenset({AssignmentMode.RANDOM, AssignmentMode.OPTIMAL})


@transaction.atomic
def decline(assignment: Assignment, *, actor, reason: str) -> Assignment:
    """回避 / 拒绝: the expert gives the application back, saying why (e.g. a conflict of interest).

    In a round whose experts came from a plan another expert takes it over at once (``replace``);
    when nobody may, the decline stands and the office's home page shows the gap."""
    round_, assignment = _lock_assignment(assignment)
    role = require(actor, "review.decline", assignment, visible=visible_assignments(actor))
    if assignment.state == AssignmentState.SUBMITTED:
        raise ServiceError(_("您已提交该项目的评分，不能再回避或拒绝。"), code="score_final")
    if round_.state == RoundState.CLOSED:
        raise ServiceError(_("本轮评审已结束。"), code="round_closed")
    ASSIGNMENT.check(assignment, AssignmentState.DECLINED)
    reason = validation.required_text(
        reason, field="reason", max_length=300, label=_("理由"), message=_("回避或拒绝评审须说明理由。")
    )
    before = assignment.state
    assignment.state = AssignmentState.DECLINED
    assignment.decline_reason = reason
    assignment.save(update_fields=["state", "decline_reason"])
    audit.record(
        "review.assignment.declined",
        actor=actor,
        role=role,
        target=assignment,
        before={"state": before},
        after={"state": AssignmentState.DECLINED},
        reason=reason,
    )
    if round_.assignment_mode in REPLACING:
        _replace(round_, assignment, actor=actor, role=role)
    return assignment


def _replace(round_: ReviewRound, declined: Assignment, *, actor, role: str) -> Assignment | None:
    """Give the declined assignment's application to the expert ``plans.replacement_for`` picks
    (None, and nothing written, when nobody may take it)."""
    from techfund.review.services.plans import replacement_for

    picked = replacement_for(round_, declined)
    if picked is None:
        return None
    expert, affinity, how = picked
    new = Assignment.objects.create(
        round=round_,
        application_id=declined.application_id,
        expert=expert,
        assigned_by=declined.assigned_by,
        affinity=affinity,
        replaces=declined,
    )
    audit.record(
        "review.assignment.replaced",
        actor=actor,
        role=role,
        target=new,
        after=_who(new),
        data={
            "replaces": declined.pk,
            "declined_expert": declined.expert.name,
            "affinity": affinity,
            **how,
        },
    )
    return new


@transaction.atomic
def replace(assignment: Assignment, *, actor) -> Assignment:
    """补选专家 for a declined assignment that was left without a replacement (the office tries again,
    e.g. after adding experts to the pool). Refused in rounds assigned by hand."""
    round_, assignment = _lock_assignment(assignment)
    role = require(actor, "review.assign", assignment, visible=visible_assignments(actor))
    if round_.state not in ASSIGNING:
        raise ServiceError(
            _("“%(name)s”已结束，不能再补选评审专家。") % {"name": round_.name}, code="round_closed"
        )
    if assignment.state != AssignmentState.DECLINED:
        raise ServiceError(
            _("只能为已回避/拒绝的评审任务补选专家（当前为“%(s)s”）。")
            % {"s": assignment.get_state_display()},
            code="assignment_not_declined",
        )
    if Assignment.objects.filter(replaces=assignment).exists():
        raise ServiceError(_("该评审任务已补选过专家。"), code="already_replaced")
    if round_.assignment_mode not in REPLACING:
        raise ServiceError(
            _("本轮由人工指定专家，不自动补选；请在分配页面为申报项目 %(n)s 指定专家。")
            % {"n": assignment.application.number},
            code="manual_round",
        )
    new = _replace(round_, assignment, actor=actor, role=role)
    if new is None:
        raise ServiceError(
            _(
                "没有可补选的专家：专家库中没有与申报项目 %(n)s 无回避、本轮尚有余量且与其他评审专家不同单位的专家。"
            )
            % {"n": assignment.application.number},
            code="no_replacement",
        )
    return new
