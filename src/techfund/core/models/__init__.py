from .audit import AuditEvent, AuditHead
from .ledger import Account, JournalEntry, Posting
from .people import Department, Organisation, RoleGrant, User

__all__ = [
    "Account",
    "AuditEvent",
    "AuditHead",
    "Department",
    "JournalEntry",
    "Organisation",
    "Posting",
    "RoleGrant",
    "User",
]
