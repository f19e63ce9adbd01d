"""The allowed moves of a call (申报指南), as data (see ``techfund.core.transitions``)::

    draft ──publish──► published ──close──► closed
      │                    │
      └──cancel (reason)───┴──► cancelled

Only a draft may be edited. Guards: a call is published only before its closing time, and a
published call is cancelled only while no application to it has been submitted (after that, the
office closes it instead, so the submitted applications keep their way through the process).
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications.enums import ApplicationState
from techfund.calls.enums import CallState
from techfund.calls.validation import fmt_time
from techfund.core.errors import ServiceError
from techfund.core.transitions import Move, Table

#: States in which the office may still change a call.
CALL_EDITABLE = frozenset({CallState.DRAFT})


def before_closing(call, *, now=None, **context) -> None:
    now = now or timezone.now()
    if call.closes_at <= now:
        raise ServiceError(
            _("截止申报时间（%(time)s）已过，不能发布；请先修改申报时间。")
            % {"time": fmt_time(call.closes_at)},
            code="call_closing_passed",
            errors={"closes_at": [_("截止申报时间已过。")]},
        )


def nothing_submitted(call, **context) -> None:
    n = call.applications.exclude(state__in=[ApplicationState.DRAFT, ApplicationState.CANCELLED]).count()
    if n:
        raise ServiceError(
            _("已有 %(n)s 项申报提交，不能撤销该指南；如需停止征集，请截止申报。") % {"n": n},
            code="call_has_applications",
        )


CALL = Table(
    {
        (CallState.DRAFT, CallState.PUBLISHED): Move("calls.publish_call", guard=before_closing),
        (CallState.PUBLISHED, CallState.CLOSED): Move("calls.close_call"),
        (CallState.DRAFT, CallState.CANCELLED): Move("calls.cancel_call"),
        (CallState.PUBLISHED, CallState.CANCELLED): Move("calls.cancel_call", guard=nothing_submitted),
    },
    labels=CallState,
)
