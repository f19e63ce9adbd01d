"""Rectification orders (整改通知): issued by the managing department or the office with a deadline
from policy (``monitoring.rectification_days``, at most ``max_rectification_days``), answered by the
unit, verified and closed — or sent back with an opinion and a new deadline."""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.monitoring.enums import RectificationState, VerifyDecision
from techfund.monitoring.models import ProgressReport, Rectification
from techfund.monitoring.scopes import visible_rectifications
from techfund.monitoring.services._common import (
    LONG_TEXT_MAX,
    TEXT_MAX,
    check_monitored,
    lock_project,
    parse_deadline,
    raise_errors,
    text,
    today_or,
)
from techfund.monitoring.transitions import RECTIFICATION
from techfund.projects.scopes import visible_projects


def _lock(rectification) -> Rectification:
    row = Rectification.objects.only("project_id").get(pk=rectification.pk)
    project = lock_project(row.project)
    rect = Rectification.objects.select_for_update().get(pk=rectification.pk)
    rect.project = project
    return rect


@transaction.atomic
def issue_rectification(
    project,
    *,
    actor,
    issue: str,
    requirement: str,
    deadline=None,
    report=None,
    today: dt.date | None = None,
) -> Rectification:
    """下达整改通知 to the unit of a project in progress (or suspended)."""
    project = lock_project(project)
    role = require(actor, "monitoring.issue_rectification", project, visible=visible_projects(actor))
    day = today_or(today)
    check_monitored(project, doing=_("下达整改通知"))
    if report is not None:
        report_id = getattr(report, "pk", report)
        report = ProgressReport.objects.filter(pk=report_id, project=project).first()
        if report is None:
            msg = _("所涉进展报告 #%(id)s 不是该项目的报告。") % {"id": report_id}
            raise ServiceError(msg, code="report_not_of_project", errors={"report": [msg]})
    errors: dict = {}
    issue = text(
        issue, field="issue", label=_("存在的问题"), max_length=TEXT_MAX, required=True, errors=errors
    )
    requirement = text(
        requirement,
        field="requirement",
        label=_("整改要求"),
        max_length=TEXT_MAX,
        required=True,
        errors=errors,
    )
    deadline = parse_deadline(deadline, project=project, day=day, errors=errors)
    raise_errors(
        errors,
        "rectification_invalid",
        _("整改通知有%(n)d处需要修改。") % {"n": sum(map(len, errors.values()))},
    )
    seq = (Rectification.objects.filter(project=project).aggregate(m=Max("seq"))["m"] or 0) + 1
    rect = Rectification.objects.create(
        project=project,
        seq=seq,
        report=report,
        issue=issue,
        requirement=requirement,
        deadline=deadline,
        issued_by=actor,
        issued_on=day,
        issued_at=timezone.now(),
    )
    audit.record(
        "monitoring.rectification.issued",
        actor=actor,
        role=role,
        target=rect,
        after={"state": rect.state, "deadline": deadline, "issue": issue, "requirement": requirement},
        data={"project": project.pk, "report": report.pk if report else None, "seq": seq},
    )
    return rect


@transaction.atomic
def respond_rectification(
    rectification, *, actor, response: str, today: dt.date | None = None
) -> Rectification:
    """The unit reports what it has done. A response after the deadline is accepted and marked late."""
    rect = _lock(rectification)
    role = require(actor, "monitoring.respond_rectification", rect, visible=visible_rectifications(actor))
    day = today_or(today)
    if rect.state != RectificationState.ISSUED:
        raise ServiceError(
            _("该整改通知当前状态为“%(state)s”，不需要再报送整改情况。")
            % {"state": rect.get_state_display()},
            code="rectification_not_issued",
        )
    RECTIFICATION.check(rect, RectificationState.RESPONDED)
    errors: dict = {}
    response = text(
        response,
        field="response",
        label=_("整改情况"),
        max_length=LONG_TEXT_MAX,
        required=True,
        errors=errors,
    )
    raise_errors(errors, "response_invalid", _("请填写整改情况。"))
    rect.state = RectificationState.RESPONDED
    rect.response = response
    rect.responded_by = actor
    rect.responded_on = day
    rect.responded_at = timezone.now()
    rect.save(update_fields=["state", "response", "responded_by", "responded_on", "responded_at"])
    audit.record(
        "monitoring.rectification.responded",
        actor=actor,
        role=role,
        target=rect,
        before={"state": RectificationState.ISSUED},
        after={"state": rect.state, "response": response},
        data={
            "project": rect.project_id,
            "round": rect.round,
            "deadline": rect.deadline,
            "late": day > rect.deadline,
        },
    )
    return rect


@transaction.atomic
def verify_rectification(
    rectification,
    *,
    actor,
    decision: str,
    opinion: str = "",
    deadline=None,
    today: dt.date | None = None,
) -> Rectification:
    """核验整改: ``close`` when the response settles the problem; ``reject`` sends the order back to the
    unit with an opinion and a new deadline (default and limit from policy)."""
    rect = _lock(rectification)
    role = require(actor, "monitoring.verify_rectification", rect, visible=visible_rectifications(actor))
    day = today_or(today)
    if decision not in VerifyDecision.values:
        msg = _("核验结论“%(v)s”无效（可选：close 整改到位、reject 整改不到位）。") % {"v": decision}
        raise ServiceError(msg, code="decision_invalid", errors={"decision": [msg]})
    if rect.state != RectificationState.RESPONDED:
        raise ServiceError(
            _("该整改通知当前状态为“%(state)s”，单位尚未报送整改情况或已销号，不能核验。")
            % {"state": rect.get_state_display()},
            code="rectification_not_responded",
        )
    closing = decision == VerifyDecision.CLOSE
    to = RectificationState.CLOSED if closing else RectificationState.ISSUED
    RECTIFICATION.check(rect, to)
    errors: dict = {}
    opinion = text(
        opinion,
        field="opinion",
        label=_("核验意见"),
        max_length=TEXT_MAX,
        required=not closing,
        errors=errors,
    )
    if not closing and not opinion and "opinion" in errors:
        errors["opinion"] = [_("整改不到位须写明核验意见（还需整改的内容）。")]
    new_deadline = None
    if not closing:
        new_deadline = parse_deadline(deadline, project=rect.project, day=day, errors=errors)
    raise_errors(
        errors,
        "verification_invalid",
        _("核验意见有%(n)d处需要修改。") % {"n": sum(map(len, errors.values()))},
    )
    before = {"state": rect.state, "deadline": rect.deadline, "round": rect.round}
    rect.state = to
    rect.verification_opinion = opinion
    rect.verified_by = actor
    rect.verified_on = day
    rect.verified_at = timezone.now()
    fields = ["state", "verification_opinion", "verified_by", "verified_on", "verified_at"]
    if not closing:
        rect.deadline = new_deadline
        rect.round += 1
        fields += ["deadline", "round"]
    rect.save(update_fields=fields)
    audit.record(
        "monitoring.rectification.closed" if closing else "monitoring.rectification.rejected",
        actor=actor,
        role=role,
        target=rect,
        before=before,
        after={"state": to, "deadline": rect.deadline, "round": rect.round},
        data={"project": rect.project_id, "response": rect.response},
        reason=opinion,
    )
    return rect
