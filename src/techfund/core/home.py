"""What each role's home page lists: every app registers providers of pending work.

    from techfund.core.home import register_pending, Pending

    @register_pending(Role.LEADING_GROUP)
    def frameworks_to_decide(user):
        for fw in Framework.objects.filter(state="submitted"):
            yield Pending(title=..., url=..., kind=_("待审定"))

The home view calls every provider registered for each role the user holds, in registration order.
Providers must only yield items the user may see.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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
