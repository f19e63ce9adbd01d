"""Helpers shared by this stage's services (not part of the public interface)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications.models import Application
from techfund.core.errors import ServiceError
from techfund.core.services import audit
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


def raise_errors(errors: dict, code: str, default_message: str) -> None:
    if not errors:
        return
    msgs = [m for ms in errors.values() for m in ms]
    raise ServiceError(msgs[0] if len(msgs) == 1 else default_message, code=code, errors=errors)


def text(value, *, field: str, label: str, max_length: int, required: bool, errors: dict) -> str:
    """Stripped text; a missing or too long value adds its message to ``errors`` under ``field``."""
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        errors.setdefault(field, []).append(_("请填写%(label)s。") % {"label": label})
    elif len(value) > max_length:
        errors.setdefault(field, []).append(
            _("%(label)s不能超过%(n)s个字符。") % {"label": label, "n": max_length}
        )
    return value


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
