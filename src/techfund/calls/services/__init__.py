"""The calls' services — the only code that changes calls (see ``services/calls.py``)."""

from techfund.calls.services.calls import (
    cancel_call,
    close_call,
    create_call,
    eligibility,
    is_open,
    publish_call,
    routing_departments,
    update_call,
)

__all__ = [
    "cancel_call",
    "close_call",
    "create_call",
    "eligibility",
    "is_open",
    "publish_call",
    "routing_departments",
    "update_call",
]
