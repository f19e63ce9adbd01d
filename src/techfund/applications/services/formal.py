"""形式审查: the office checks each forwarded application against the call's rules (the same findings
as at submission, plus the duplicate check) and records the result with its findings."""

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.applications import checks
from techfund.applications.enums import ApplicationState, FormalResult
from techfund.applications.models import Application, FormalCheck
from techfund.applications.scopes import visible_applications
from techfund.applications.transitions import APPLICATION
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit


@transaction.atomic
def formal_check(application: Application, *, actor, result=None, reason: str = "") -> FormalCheck:
    """Record the formal check. ``result=None``: passed when every finding passes, else failed with the
    failing findings as the reason. ``"failed"`` needs a reason (the failing findings when blank);
    ``"passed"`` is refused while a finding fails."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    role = require(actor, "applications.formal_check", application, visible=visible_applications(actor))
    results = checks.findings(application, rules=checks.FORMAL_RULES)
    failing = [f for f in results if not f.ok]
    result = str(result or "").strip() or (FormalResult.FAILED if failing else FormalResult.PASSED)
    if result not in FormalResult.values:
        msg = _("审查结论须为“通过”或“未通过”。")
        raise ServiceError(msg, code="result_invalid", errors={"result": [msg]})
    target = (
        ApplicationState.FORMAL_PASSED if result == FormalResult.PASSED else ApplicationState.FORMAL_FAILED
    )
    APPLICATION.check(application, target)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if result == FormalResult.PASSED and failing:
        msg = _("审查要点未全部通过，不能判定为通过：%(list)s") % {
            "list": "".join(f.message for f in failing)
        }
        raise ServiceError(msg, code="findings_failing", errors={"result": [msg]})
    if result == FormalResult.FAILED and not reason:
        if not failing:
            msg = _("审查要点均已通过；判定为未通过须说明理由。")
            raise ServiceError(msg, code="reason_required", errors={"reason": [_("请填写理由。")]})
        reason = "".join(f"{f.label}：{f.message}" for f in failing)
    row = FormalCheck.objects.create(
        application=application,
        result=result,
        findings=[f.as_dict() for f in results],
        reason=reason,
        checked_by=actor,
    )
    application.state = target
    application.save(update_fields=["state", "updated_at"])
    audit.record(
        "application.formal_passed" if result == FormalResult.PASSED else "application.formal_failed",
        actor=actor,
        role=role,
        target=application,
        before={"state": ApplicationState.FORWARDED},
        after={"state": target},
        data={"formal_check": row.pk, "findings": row.findings},
        reason=reason,
    )
    return row
