"""Login lockout numbers, read from the active policy profile (rules.security)."""

import datetime as dt

DEFAULT_FAILURES = 5
DEFAULT_LOCK_SECONDS = 300


def _security_rules() -> dict:
    from techfund.policy.services import active_profile

    profile = active_profile()
    return (profile.rules.get("security") if profile else None) or {}


def lockout_failure_limit(request=None, credentials=None) -> int:
    return int(_security_rules().get("lockout_failures", DEFAULT_FAILURES))


def lockout_cooloff(request=None) -> dt.timedelta:
    return dt.timedelta(seconds=int(_security_rules().get("lockout_seconds", DEFAULT_LOCK_SECONDS)))
