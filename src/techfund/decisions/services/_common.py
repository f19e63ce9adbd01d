"""Helpers shared by this stage's services (not part of the public interface)."""

import datetime as dt

from django.utils import timezone

from techfund.applications.models import Application
from techfund.core.services import audit
from techfund.core.validation import raise_errors, text  # noqa: F401 - re-exported to this stage
from techfund.decisions.transitions import APPLICATION
from techfund.funds.models import FundYear
from techfund.funds.validation import fmt

__all__ = ["fmt", "lock_year", "move_application", "raise_errors", "text", "today_or"]


def lock_year(fund_year_id: int) -> FundYear:
    """Lock the fund year first, in every service of this stage, so they run one at a time per year
    (the remaining allocation an item is checked against cannot change underneath it)."""
    return FundYear.objects.select_for_update().select_related("profile").get(pk=fund_year_id)


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def move_application(application: Application, to: str, *, actor, role: str, item, reason: str = "") -> None:
    """Change the application's state (checked against ``APPLICATION``) and record it on its trail."""
    APPLICATION.check(application, to)
    before = application.state
    application.state = to
    application.save(update_fields=["state", "updated_at"])
    audit.record(
        "decisions.application.moved",
        actor=actor,
        role=role,
        target=application,
        before={"state": before},
        after={"state": to},
        data={"item": item.pk, "batch": item.batch_id},
        reason=reason,
    )
