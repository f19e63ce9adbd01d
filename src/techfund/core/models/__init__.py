from .audit import AuditEvent, AuditHead
from .calendar import CalendarDay, CalendarYear
from .ledger import Account, JournalEntry, Posting
from .people import Department, Organisation, RoleGrant, User

__all__ = [
    "Account",
    "AuditEvent",
    "AuditHead",
    "CalendarDay",
    "CalendarYear",
    "Department",
    "JournalEntry",
    "Organisation",
    "Posting",
    "RoleGrant",
    "User",
]
