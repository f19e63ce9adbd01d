"""Major problems (重大问题) the managing department reports to the office with a suggested action
(continue, suspend payments, terminate, recover paid money); the office records its decision. The
decision is a record only: a suspension, termination or recovery is then taken in the sanctions stage."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.monitoring.enums import EscalationState, SuggestedAction
from techfund.monitoring.models import Escalation, ProgressReport, Rectification
from techfund.monitoring.scopes import visible_escalations
from techfund.monitoring.services._common import (
    TEXT_MAX,
    check_monitored,
    lock_project,
    raise_errors,
    text,
    today_or,
)
from techfund.monitoring.transitions import ESCALATION
from techfund.projects.scopes import visible_projects


def _action(value, *, field: str, errors: dict) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        errors.setdefault(field, []).append(_("请选择处理方式。"))
    elif value not in SuggestedAction.values:
        errors.setdefault(field, []).append(
            _(
                "处理方式“%(v)s”无效（可选：continue 继续执行、suspend 暂停拨款、terminate 终止项目、recover 追回资金）。"
            )
            % {"v": value}
        )
    return value or ""


def _related(model, value, *, project, field: str, label: str):
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    obj = model.objects.filter(pk=pk, project=project).first() if str(pk).isdigit() else None
    if obj is None:
        msg = _("%(label)s #%(id)s 不是该项目的记录。") % {"label": label, "id": pk}
        raise ServiceError(msg, code="not_of_project", errors={field: [msg]})
    return obj


@transaction.atomic
def escalate(
    project,
    *,
    actor,
    summary: str,
    suggested_action: str,
    report=None,
    rectification=None,
    today: dt.date | None = None,
) -> Escalation:
    """The managing department reports a major problem of its project to the office."""
    project = lock_project(project)
    role = require(actor, "monitoring.escalate", project, visible=visible_projects(actor))
    day = today_or(today)
    check_monitored(project, doing=_("报告重大问题"))
    report = _related(ProgressReport, report, project=project, field="report", label=_("进展报告"))
    rectification = _related(
        Rectification, rectification, project=project, field="rectification", label=_("整改通知")
    )
    errors: dict = {}
    summary = text(
        summary, field="summary", label=_("问题摘要"), max_length=TEXT_MAX, required=True, errors=errors
    )
    suggested_action = _action(suggested_action, field="suggested_action", errors=errors)
    raise_errors(
        errors,
        "escalation_invalid",
        _("重大问题报告有%(n)d处需要修改。") % {"n": sum(map(len, errors.values()))},
    )
    esc = Escalation.objects.create(
        project=project,
        report=report,
        rectification=rectification,
        summary=summary,
        suggested_action=suggested_action,
        raised_by=actor,
        raised_on=day,
        raised_at=timezone.now(),
    )
    audit.record(
        "monitoring.escalation.raised",
        actor=actor,
        role=role,
        target=esc,
        after={"state": esc.state, "suggested_action": suggested_action, "summary": summary},
        data={
            "project": project.pk,
            "report": report.pk if report else None,
            "rectification": rectification.pk if rectification else None,
        },
    )
    return esc


@transaction.atomic
def handle_escalation(
    escalation, *, actor, decision: str, action: str | None = None, today: dt.date | None = None
) -> Escalation:
    """The office records its decision on an escalated problem (``action`` defaults to the suggested
    one). Suspension, termination and recovery are then taken through the sanctions stage."""
    row = Escalation.objects.only("project_id").get(pk=escalation.pk)
    project = lock_project(row.project)
    esc = Escalation.objects.select_for_update().get(pk=escalation.pk)
    esc.project = project
    role = require(actor, "monitoring.handle_escalation", esc, visible=visible_escalations(actor))
    day = today_or(today)
    if esc.state != EscalationState.OPEN:
        raise ServiceError(
            _("该重大问题已于%(d)s处理，不能重复处理。") % {"d": esc.handled_on.isoformat()},
            code="escalation_handled",
        )
    ESCALATION.check(esc, EscalationState.HANDLED)
    errors: dict = {}
    action = _action(
        action if action not in (None, "") else esc.suggested_action, field="action", errors=errors
    )
    decision = text(
        decision,
        field="decision",
        label=_("办公室处理意见"),
        max_length=TEXT_MAX,
        required=True,
        errors=errors,
    )
    raise_errors(
        errors, "handling_invalid", _("处理意见有%(n)d处需要修改。") % {"n": sum(map(len, errors.values()))}
    )
    esc.state = EscalationState.HANDLED
    esc.decided_action = action
    esc.decision = decision
    esc.handled_by = actor
    esc.handled_on = day
    esc.handled_at = timezone.now()
    esc.save(update_fields=["state", "decided_action", "decision", "handled_by", "handled_on", "handled_at"])
    audit.record(
        "monitoring.escalation.handled",
        actor=actor,
        role=role,
        target=esc,
        before={"state": EscalationState.OPEN},
        after={"state": esc.state, "decided_action": action},
        data={"project": project.pk, "suggested_action": esc.suggested_action},
        reason=decision,
    )
    return esc
