from .audit import AuditEvent, AuditHead
from .calendar import CalendarDay, CalendarYear
from .jobs import Job, JobState
from .ledger import Account, JournalEntry, Posting
from .people import Department, Organisation, RoleGrant, User

__all__ = [
    "Account",
    "AuditEvent",
    "AuditHead",
    "CalendarDay",
    "CalendarYear",
    "Department",
    "Job",
    "JobState",
    "JournalEntry",
    "Organisation",
    "Posting",
    "RoleGrant",
    "User",
]
