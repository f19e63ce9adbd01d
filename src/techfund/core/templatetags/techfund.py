"""Template tags shared by every page: ``{% load techfund %}``.

- ``{% audit_trail obj %}``      who did what, when and why to ``obj`` (a table; before/after collapsed)
- ``{% nav_links as links %}``   the navigation links of the signed-in user's roles
- ``role|role_label``            a role code as its label (申报单位 …)
- ``code|action_label``          an audit action code as its label
- ``td|duration``                a timedelta in words (5分钟)
- ``value|pretty_json``          indented JSON for before/after
- ``dt|shanghai``                a moment in Asia/Shanghai time
"""

import datetime as dt
import json
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core import audit_actions, home
from techfund.core.exporters import role_label as _role_label
from techfund.core.services.audit import trail_for

register = template.Library()
SHANGHAI = ZoneInfo("Asia/Shanghai")


@register.inclusion_tag("core/_audit_trail.html")
def audit_trail(obj, title=None):
    events = list(trail_for(obj)) if obj is not None and getattr(obj, "pk", None) is not None else []
    return {"events": events, "title": title}


@register.simple_tag(takes_context=True)
def nav_links(context):
    """``(href, label, current)`` for the user's links; ``current`` marks the section being shown."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return []
    path = getattr(request, "path", "")
    links = home.reversible(home.links_for(user))
    return [(href, label, path == href or (href != "/" and path.startswith(href))) for href, label in links]


@register.filter
def role_label(code) -> str:
    return _role_label(str(code or "")) or "—"


@register.filter
def action_label(code) -> str:
    return audit_actions.label(str(code or ""))


@register.filter
def duration(value) -> str:
    if not isinstance(value, dt.timedelta):
        return ""
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(_("%(n)d小时") % {"n": hours})
    if minutes:
        parts.append(_("%(n)d分钟") % {"n": minutes})
    if secs or not parts:
        parts.append(_("%(n)d秒") % {"n": secs})
    return "".join(parts)


@register.filter
def pretty_json(value) -> str:
    if value in (None, "", {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@register.filter
def shanghai(value, fmt="%Y-%m-%d %H:%M:%S") -> str:
    if not isinstance(value, dt.datetime):
        return ""
    return timezone.localtime(value, SHANGHAI).strftime(fmt)


@register.filter
def service_error(form):
    """The service's refusal kept on a ``ServiceForm`` (None for other forms)."""
    return getattr(form, "service_error", None)
