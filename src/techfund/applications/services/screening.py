"""职能部门报项目: the routing department pre-screens each submitted application (recommend, return
for revision, reject) and forwards the recommended ones to the office in numbered batches, within
its recommendation quota for the call (推荐限额)."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from techfund.applications.enums import ApplicationState, PrescreenDecision
from techfund.applications.models import Application, Batch, Prescreen
from techfund.applications.scopes import visible_applications
from techfund.applications.transitions import APPLICATION
from techfund.calls import validation as v
from techfund.calls.models import Call, CallQuota
from techfund.core.errors import ServiceError
from techfund.core.models import Department
from techfund.core.permissions import require
from techfund.core.services import audit

DECISION_STATES = {
    PrescreenDecision.RECOMMEND: ApplicationState.RECOMMENDED,
    PrescreenDecision.RETURN: ApplicationState.RETURNED,
    PrescreenDecision.REJECT: ApplicationState.DEPT_REJECTED,
}
DECISION_ACTIONS = {
    PrescreenDecision.RECOMMEND: "application.recommended",
    PrescreenDecision.RETURN: "application.returned",
    PrescreenDecision.REJECT: "application.dept_rejected",
}


@transaction.atomic
def prescreen(application: Application, *, actor, decision, reason: str = "") -> Prescreen:
    """部门初审: recommend, return for revision (the applicant edits and resubmits) or reject.

    Returning and rejecting need a reason, which the applicant sees. Every decision is kept.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    role = require(actor, "applications.prescreen", application, visible=visible_applications(actor))
    decision = str(decision or "").strip()
    if decision not in DECISION_STATES:
        msg = _("初审意见须为“推荐”“退回修改”或“不予推荐”。")
        raise ServiceError(msg, code="decision_invalid", errors={"decision": [msg]})
    target = DECISION_STATES[decision]
    APPLICATION.check(application, target)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if decision != PrescreenDecision.RECOMMEND and not reason:
        msg = (
            _("退回修改须说明理由，申报单位将据此修改。")
            if decision == PrescreenDecision.RETURN
            else _("不予推荐须说明理由。")
        )
        raise ServiceError(msg, code="reason_required", errors={"reason": [_("请填写理由。")]})
    before = application.state
    row = Prescreen.objects.create(
        application=application, decision=decision, reason=reason, decided_by=actor
    )
    application.state = target
    fields = ["state", "updated_at"]
    if decision == PrescreenDecision.RETURN:
        application.return_reason = reason
        fields.append("return_reason")
    application.save(update_fields=fields)
    audit.record(
        DECISION_ACTIONS[decision],
        actor=actor,
        role=role,
        target=application,
        before={"state": before},
        after={"state": target},
        data={"prescreen": row.pk, "decision": decision},
        reason=reason,
    )
    return row


def quota_of(call: Call, department: Department) -> int | None:
    """The department's recommendation quota for the call; ``None`` when the call sets no quotas."""
    quotas = {q.department_id: q.quota for q in CallQuota.objects.filter(call=call)}
    if not quotas:
        return None
    return quotas.get(department.pk, 0)


def forwarded_count(call: Call, department: Department) -> int:
    """Applications the department has forwarded for the call, in every batch (withdrawn or failed ones too)."""
    return Application.objects.filter(call=call, department=department, batch__isnull=False).count()


def _department(value) -> Department:
    if isinstance(value, Department):
        return value
    dept = Department.objects.filter(code=str(value or "").strip()).first()
    if dept is None:
        msg = _("职能部门“%(d)s”不存在。") % {"d": value}
        raise ServiceError(msg, code="department_invalid", errors={"department": [msg]})
    return dept


@transaction.atomic
def forward_batch(call: Call, *, actor, department, applications: Iterable, note: str = "") -> Batch:
    """分批报送: recommended applications of the department go to the office as batch 1, 2, … of the call."""
    department = _department(department)
    role = require(actor, "applications.forward", department)
    call = Call.objects.select_for_update().get(pk=call.pk)  # numbering and quota, one batch at a time
    note = v.text(note, field="note", label=_("说明"), max_length=300)
    ids = []
    for a in applications or []:
        pk = a.pk if isinstance(a, Application) else a
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            msg = _("申报“%(v)s”不存在。") % {"v": pk}
            raise ServiceError(msg, code="application_invalid", errors={"applications": [msg]}) from None
        if pk not in ids:
            ids.append(pk)
    if not ids:
        msg = _("请选择要报送的项目。")
        raise ServiceError(msg, code="batch_empty", errors={"applications": [msg]})
    apps = {a.pk: a for a in visible_applications(actor).select_for_update().filter(pk__in=ids)}
    problems = []
    for pk in ids:
        app = apps.get(pk)
        if app is None:
            problems.append(_("申报 #%(pk)s 不存在或不属于本部门。") % {"pk": pk})
        elif app.call_id != call.pk:
            problems.append(_("“%(n)s”不是本指南的申报。") % {"n": app.number})
        elif app.department_id != department.pk:
            problems.append(_("“%(n)s”不属于%(d)s。") % {"n": app.number, "d": department.name})
        elif app.state != ApplicationState.RECOMMENDED:
            problems.append(
                _("“%(n)s”当前为“%(s)s”，只有部门已推荐的申报可以报送。")
                % {"n": app.number, "s": app.get_state_display()}
            )
    if problems:
        message = (
            problems[0]
            if len(problems) == 1
            else _("有 %(n)s 项申报不能报送：%(list)s")
            % {
                "n": len(problems),
                "list": "".join(str(p) for p in problems),
            }
        )
        raise ServiceError(message, code="batch_invalid", errors={"applications": [str(p) for p in problems]})
    quota = quota_of(call, department)
    used = forwarded_count(call, department)
    if quota is not None and used + len(ids) > quota:
        msg = _("%(d)s在本指南的推荐限额为 %(quota)s 项，已报送 %(used)s 项，本批 %(n)s 项将超出限额。") % {
            "d": department.name,
            "quota": quota,
            "used": used,
            "n": len(ids),
        }
        raise ServiceError(msg, code="quota_exceeded", errors={"applications": [msg]})
    number = (Batch.objects.filter(call=call, department=department).aggregate(m=Max("number"))["m"] or 0) + 1
    batch = Batch.objects.create(
        call=call, department=department, number=number, forwarded_by=actor, note=note
    )
    numbers = []
    for pk in ids:
        app = apps[pk]
        APPLICATION.check(app, ApplicationState.FORWARDED)
        app.state = ApplicationState.FORWARDED
        app.batch = batch
        app.save(update_fields=["state", "batch", "updated_at"])
        numbers.append(app.number)
        audit.record(
            "application.forwarded",
            actor=actor,
            role=role,
            target=app,
            before={"state": ApplicationState.RECOMMENDED},
            after={"state": app.state, "batch": batch.number},
            data={"batch": batch.pk, "department": department.code},
        )
    audit.record(
        "application.batch_forwarded",
        actor=actor,
        role=role,
        target=batch,
        after={"call": call.code, "department": department.code, "number": number, "applications": numbers},
        data={"quota": quota, "forwarded_before": used},
        reason=note,
    )
    return batch
