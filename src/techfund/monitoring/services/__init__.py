"""The services of the monitoring stage — the only code that creates or changes progress reports,
rectification orders and escalations. Each takes the record and a keyword-only ``actor`` (and a
``today`` for its date logic), runs in one transaction, checks permission and scope, checks the
transition tables, validates with specific messages and writes the audit event.

Reading helpers: ``report_schedule(project, today=)`` and ``overdue(user, today=)`` (``schedule.py``).
"""

from techfund.monitoring.schedule import overdue, report_schedule
from techfund.monitoring.services.escalations import escalate, handle_escalation
from techfund.monitoring.services.exports import export_overdue
from techfund.monitoring.services.rectifications import (
    issue_rectification,
    respond_rectification,
    verify_rectification,
)
from techfund.monitoring.services.reports import paid_to_date, review_progress_report, submit_progress_report

__all__ = [
    "escalate",
    "export_overdue",
    "handle_escalation",
    "issue_rectification",
    "overdue",
    "paid_to_date",
    "report_schedule",
    "respond_rectification",
    "review_progress_report",
    "submit_progress_report",
    "verify_rectification",
]
