"""The calls' part of each role's home page: pending work and links (registered in ``apps.py``)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.calls.enums import CallState
from techfund.calls.scopes import visible_calls
from techfund.calls.validation import fmt_time
from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending


def draft_calls(user):
    """领导小组办公室: calls still in draft, to finish and publish."""
    for call in visible_calls(user).filter(state=CallState.DRAFT).order_by("code"):
        yield Pending(
            title=f"{call.code} {call.title}",
            url=reverse("calls:detail", args=[call.pk]),
            kind=_("申报指南草稿，待发布"),
            detail=_("申报时间 %(a)s — %(b)s")
            % {"a": fmt_time(call.opens_at), "b": fmt_time(call.closes_at)},
        )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.OFFICE)(draft_calls)
    register_link(Role.APPLICANT, "calls:available", gettext_lazy("可申报的指南"))
    for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT):
        register_link(role, "calls:list", gettext_lazy("申报指南"))
