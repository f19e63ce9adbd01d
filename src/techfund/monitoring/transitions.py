"""The allowed moves of this stage's records, as data (see ``techfund.core.transitions``).

Progress report (进展报告)::

    submitted ──accept──► accepted
        │
        └──return──► returned        (the unit submits a new report for the same period)

Rectification (整改通知)::

    issued ──unit responds──► responded ──verified──► closed
       ▲                          │
       └──── rejected, new deadline ┘

Escalation (重大问题报告): ``open ──office decides──► handled``.

The stage changes no project state: suspension and termination belong to ``sanctions``.
"""

from techfund.core.transitions import Move, Table
from techfund.monitoring.enums import EscalationState, RectificationState, ReportState
from techfund.projects.enums import ProjectState

#: Projects that report progress and may receive rectification orders and escalations.
MONITORED_STATES = frozenset({ProjectState.IN_PROGRESS, ProjectState.SUSPENDED})

REPORT = Table(
    {
        (ReportState.SUBMITTED, ReportState.ACCEPTED): Move("monitoring.review_report"),
        (ReportState.SUBMITTED, ReportState.RETURNED): Move("monitoring.review_report"),
    },
    labels=ReportState,
)

RECTIFICATION = Table(
    {
        (RectificationState.ISSUED, RectificationState.RESPONDED): Move("monitoring.respond_rectification"),
        (RectificationState.RESPONDED, RectificationState.CLOSED): Move("monitoring.verify_rectification"),
        (RectificationState.RESPONDED, RectificationState.ISSUED): Move("monitoring.verify_rectification"),
    },
    labels=RectificationState,
)

ESCALATION = Table(
    {(EscalationState.OPEN, EscalationState.HANDLED): Move("monitoring.handle_escalation")},
    labels=EscalationState,
)
