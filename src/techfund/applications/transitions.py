"""The allowed moves of an application up to the formal check, as data (see ``techfund.core.transitions``)::

    draft ──submit──► submitted ──recommend──► recommended ──forward (batch)──► forwarded
      ▲                 │  │                                                    │
      │         return  │  └──reject──► dept_rejected          formal check ────┤
      │       (reason)  ▼                                                       ▼
      └──(edit)──── returned ──submit──► submitted            formal_passed / formal_failed

    draft, submitted, returned, recommended ──withdraw (reason)──► cancelled

The applicant edits only ``draft`` and ``returned`` applications. Submission is guarded by the call's
window (a returned application may be resubmitted after the closing time: it was submitted in time)
and by every rule of ``checks.SUBMIT_RULES``.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications import checks
from techfund.applications.enums import ApplicationState as S
from techfund.calls.enums import CallState
from techfund.calls.validation import fmt_time
from techfund.core.errors import ServiceError
from techfund.core.transitions import Move, Table


def check_window(call, *, now=None, resubmission: bool = False) -> None:
    """The call takes applications: published, opened, not yet closed (a resubmission: not cancelled)."""
    now = now or timezone.now()
    if resubmission and call.state in (CallState.PUBLISHED, CallState.CLOSED):
        return
    if call.state == CallState.CLOSED or (call.state == CallState.PUBLISHED and now >= call.closes_at):
        raise ServiceError(
            _("申报已于 %(time)s 截止。") % {"time": fmt_time(call.closes_at)}, code="call_closed"
        )
    if call.state != CallState.PUBLISHED:
        raise ServiceError(
            _("申报指南“%(code)s”当前为“%(state)s”，不接受申报。")
            % {"code": call.code, "state": call.get_state_display()},
            code="call_not_open",
        )
    if now < call.opens_at:
        raise ServiceError(
            _("申报将于 %(time)s 开始，尚未开放。") % {"time": fmt_time(call.opens_at)}, code="call_not_open"
        )


def refuse_failing(failing: list[checks.Finding], *, code: str, lead: str) -> None:
    """One ServiceError for the failing findings: the message itself when one fails, else a list."""
    if not failing:
        return
    errors: dict[str, list[str]] = {}
    for f in failing:
        for field, messages in (f.errors or {"__all__": [f.message]}).items():
            errors.setdefault(field, []).extend(str(m) for m in messages)
    if len(failing) == 1:
        message, code = failing[0].message, failing[0].rule
    else:
        message = lead % {"n": len(failing), "list": "".join(str(f.message) for f in failing)}
    raise ServiceError(message, code=code, errors=errors)


def submittable(application, *, now=None, **context) -> None:
    check_window(application.call, now=now, resubmission=application.state == S.RETURNED)
    results = checks.findings(application, rules=checks.SUBMIT_RULES)
    refuse_failing(
        [f for f in results if not f.ok],
        code="application_invalid",
        lead=_("申报未能提交，有 %(n)s 项不符合要求：%(list)s"),
    )


APPLICATION = Table(
    {
        (S.DRAFT, S.SUBMITTED): Move("applications.submit", guard=submittable),
        (S.RETURNED, S.SUBMITTED): Move("applications.submit", guard=submittable),
        (S.SUBMITTED, S.RECOMMENDED): Move("applications.prescreen"),
        (S.SUBMITTED, S.RETURNED): Move("applications.prescreen"),
        (S.SUBMITTED, S.DEPT_REJECTED): Move("applications.prescreen"),
        (S.RECOMMENDED, S.FORWARDED): Move("applications.forward"),
        (S.FORWARDED, S.FORMAL_PASSED): Move("applications.formal_check"),
        (S.FORWARDED, S.FORMAL_FAILED): Move("applications.formal_check"),
        (S.DRAFT, S.CANCELLED): Move("applications.withdraw"),
        (S.SUBMITTED, S.CANCELLED): Move("applications.withdraw"),
        (S.RETURNED, S.CANCELLED): Move("applications.withdraw"),
        (S.RECOMMENDED, S.CANCELLED): Move("applications.withdraw"),
    },
    labels=S,
)
