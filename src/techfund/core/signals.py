"""Logins, logouts, failed logins and lockouts go into the audit trail (等保: every user covered).

Each receiver writes its event in its own short transaction. A failed login names the account that
was tried (the typed name, cut to the column's length), never the password.
"""

from dataclasses import dataclass

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from techfund.core.models import User
from techfund.core.services import audit


@dataclass(frozen=True)
class LoginName:
    """The account named in a login attempt, whether or not it exists (the target of auth events)."""

    username: str
    pk: str = ""

    def __str__(self) -> str:
        return self.username


@dataclass(frozen=True)
class _Unknown:
    username: str
    pk: None = None


def _attempted(username) -> tuple[object, object]:
    """(actor, target) for an attempt on ``username``: the account if it exists, else the name."""
    name = str(username or "")[:150]
    user = User.objects.filter(username=name).first() if name else None
    if user is not None:
        return user, user
    # The actor is recorded by name only (no account to link to); the target is the name tried.
    return _Unknown(username=name or "?"), LoginName(username=name or "?", pk=name or "?")


def _ip(request) -> str:
    if request is None:
        return ""
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")


@receiver(user_logged_in, dispatch_uid="techfund_audit_login")
def _logged_in(sender, request, user, **kwargs):
    with transaction.atomic():
        audit.record("auth.login", actor=user, target=user, data={"ip": _ip(request)})


@receiver(user_logged_out, dispatch_uid="techfund_audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is None or not getattr(user, "pk", None):
        return
    with transaction.atomic():
        audit.record("auth.logout", actor=user, target=user, data={"ip": _ip(request)})


@receiver(user_login_failed, dispatch_uid="techfund_audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    actor, target = _attempted((credentials or {}).get("username"))
    with transaction.atomic():
        audit.record("auth.login_failed", actor=actor, target=target, data={"ip": _ip(request)})


@receiver(user_locked_out, dispatch_uid="techfund_audit_locked_out")
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    actor, target = _attempted(username)
    with transaction.atomic():
        audit.record("auth.locked_out", actor=actor, target=target, data={"ip": ip_address or _ip(request)})
