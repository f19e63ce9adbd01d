"""How services check who may do what.

Each permission is declared once in an app's ``rules.py`` with ``define(name, roles, predicate)``:
``roles`` lists the roles that may ever hold it (first match becomes the *acting role* recorded in
the audit trail) and ``predicate`` is the full rule, scope included.

``require(actor, perm, obj, visible=qs)``:
- raises ``NotVisible`` (404) when ``obj`` is not in ``visible`` (the actor's scope),
- raises ``NotAllowed`` (403) when the actor may see it but the rule says no,
- returns the acting role.
"""

import rules

from techfund.core.errors import NotAllowed, NotVisible

_ROLES: dict[str, tuple[str, ...]] = {}


def define(name: str, roles: tuple[str, ...], predicate) -> None:
    _ROLES[name] = tuple(roles)
    rules.set_perm(name, predicate)


def roles_for(name: str) -> tuple[str, ...]:
    return _ROLES[name]


def acting_role(actor, name: str) -> str:
    held = actor.roles()
    for role in _ROLES.get(name, ()):
        if role in held:
            return role
    return ""


def can(actor, name: str, obj=None) -> bool:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    return rules.has_perm(name, actor, obj)


def require(actor, name: str, obj=None, *, visible=None) -> str:
    if name not in _ROLES:
        raise KeyError(f"permission {name!r} is not defined")
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAllowed(name)
    if obj is not None and visible is not None and not visible.filter(pk=obj.pk).exists():
        raise NotVisible(name)
    if not rules.has_perm(name, actor, obj):
        raise NotAllowed(name)
    return acting_role(actor, name)
