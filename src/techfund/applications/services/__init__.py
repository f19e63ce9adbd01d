"""The applications' services — the only code that changes applications, pre-screens, batches and
formal checks. Each takes the record and a keyword-only ``actor`` and runs in one transaction."""

from techfund.applications.services.applications import (
    add_attachment,
    content,
    remove_attachment,
    save_draft,
    start_application,
    submit_application,
    withdraw_application,
)
from techfund.applications.services.formal import formal_check
from techfund.applications.services.screening import (
    forward_batch,
    forwarded_count,
    prescreen,
    quota_of,
)

__all__ = [
    "add_attachment",
    "content",
    "formal_check",
    "forward_batch",
    "forwarded_count",
    "prescreen",
    "quota_of",
    "remove_attachment",
    "save_draft",
    "start_application",
    "submit_application",
    "withdraw_application",
]
