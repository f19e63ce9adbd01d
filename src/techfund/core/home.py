"""What each role's home page lists: every app registers providers of pending work.

    from techfund.core.home import register_pending, Pending

    @register_pending(Role.LEADING_GROUP)
    def frameworks_to_decide(user):
        for fw in Framework.objects.filter(state="submitted"):
            yield Pending(title=..., url=..., kind=_("待审定"))

The home view calls every provider registered for each role the user holds, in registration order.
Providers must only yield items the user may see.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

logger = logging.getLogger(__name__)

_PROVIDERS: dict[str, list[Callable]] = defaultdict(list)


@dataclass(frozen=True)
class Pending:
    title: str
    url: str
    kind: str = ""
    detail: str = ""


def register_pending(*roles: str):
    def deco(fn: Callable[..., Iterable[Pending]]):
        for role in roles:
            _PROVIDERS[role].append(fn)
        return fn

    return deco


def pending_for(user) -> dict[str, list[Pending]]:
    """Pending work by role code, for the roles the user holds."""
    out: dict[str, list[Pending]] = {}
    for role in sorted(user.roles()):
        items: list[Pending] = []
        for provider in _PROVIDERS.get(role, []):
            items.extend(provider(user))
        out[role] = items
    return out


# Links each role sees in its navigation and on its home page: (role, url name, label).
_LINKS: list[tuple[str, str, object]] = []


def register_link(role: str, url_name: str, label) -> None:
    _LINKS.append((role, url_name, label))


def links_for(user) -> list[tuple[str, object]]:
    held = user.roles() if user.is_authenticated else set()
    seen, out = set(), []
    for role, url_name, label in _LINKS:
        if role in held and url_name not in seen:
            seen.add(url_name)
            out.append((url_name, label))
    return out


def links_by_role(user) -> dict[str, list[tuple[str, object]]]:
    """The links of each role the user holds (a link may appear under several roles)."""
    held = user.roles() if user.is_authenticated else set()
    out: dict[str, list[tuple[str, object]]] = {role: [] for role in held}
    for role, url_name, label in _LINKS:
        if role in held and (url_name, label) not in out[role]:
            out[role].append((url_name, label))
    return out


def reversible(links) -> list[tuple[str, object]]:
    """``(href, label)`` for the ``(url name, label)`` links whose pages exist.

    A link whose URL name does not reverse (an app registered it before mounting its pages) is left
    out with a warning, so one unfinished page never breaks every page's navigation.
    """
    out = []
    for url_name, label in links:
        try:
            out.append((reverse(url_name), label))
        except NoReverseMatch:
            logger.warning("home link %r does not reverse; left out", url_name)
    return out
