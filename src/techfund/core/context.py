"""The request id of the work in progress, so audit events of one request can be grouped.

Only a correlation id lives here — never the acting user, which services always take explicitly.
"""

import contextvars
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("techfund_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def new_request_id(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:16]}"


def set_request_id(value: str):
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)
