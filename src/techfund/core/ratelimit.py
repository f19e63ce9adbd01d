"""A small rate limit for the pages anyone may post to without logging in (公示异议).

Counts per client address in the cache, in a fixed window. The numbers come from settings
(``PUBLIC_POST_RATE``, e.g. ``"10/hour"``); with several web processes, point the default cache at a
shared backend (Redis or the database) so the processes count together.
"""

import time

from django.conf import settings
from django.core.cache import cache

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()]


def client_address(request) -> str:
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(request, scope: str, rate: str | None = None) -> bool:
    """Count this request; False once the client has used up its allowance for the window."""
    limit, window = parse_rate(rate or settings.PUBLIC_POST_RATE)
    bucket = int(time.time() // window)
    key = f"ratelimit:{scope}:{client_address(request)}:{bucket}"
    if cache.add(key, 1, timeout=window + 5):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        return True
