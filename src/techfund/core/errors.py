"""Errors raised by services. Views and the API translate them into messages and status codes.

- ``ServiceError``   bad input or a forbidden transition: 400 with a specific message (nothing saved,
                     since the service's transaction rolls back).
- ``NotVisible``     the object is outside the actor's scope: 404, as if it did not exist.
- ``NotAllowed``     the actor can see the object but may not act on it: 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404


class ServiceError(Exception):
    """A refusal with a human message. ``errors`` maps field names to messages where a field is at fault."""

    def __init__(self, message, *, code: str = "invalid", errors: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.errors = errors or {}


class NotVisible(Http404):
    pass


class NotAllowed(PermissionDenied):
    pass
