"""This stage's part of each role's home page: pending work and links (registered in ``apps.py``)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import Role
from techfund.core.home import Pending, register_link, register_pending
from techfund.emergency.enums import RequestState
from techfund.emergency.scopes import visible_requests
from techfund.funds.validation import fmt


def requests_to_decide(user):
    qs = (
        visible_requests(user)
        .filter(state=RequestState.SUBMITTED)
        .select_related("organisation", "focus_area")
        .order_by("submitted_at", "id")
    )
    for r in qs:
        yield Pending(
            title=r.title,
            url=reverse("emergency:request_detail", args=[r.pk]),
            kind=_("一事一议申请待审定"),
            detail=_("%(number)s · %(org)s · %(area)s · %(amount)s 元")
            % {
                "number": r.number,
                "org": r.organisation.name,
                "area": r.focus_area.name,
                "amount": fmt(r.amount),
            },
        )


_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    register_pending(Role.LEADING_GROUP)(requests_to_decide)
    for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT):
        register_link(role, "emergency:request_list", gettext_lazy("一事一议"))
