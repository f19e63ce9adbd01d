"""Helpers shared by the evaluation services (not part of the public interface)."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.services import audit, ledger
from techfund.core.validation import raise_errors, text  # noqa: F401 - re-exported to this stage
from techfund.evaluation import scoring
from techfund.funds.validation import fmt
from techfund.projects.services._common import lock_project, parse_date, today_or
from techfund.projects.transitions import PROJECT

__all__ = [
    "fmt",
    "lock_project",
    "move_project",
    "number",
    "parse_date",
    "policy_table",
    "raise_errors",
    "scoring_error",
    "spent_amount",
    "text",
    "today_or",
]

#: Scores (parts, satisfaction, totals) are written to a hundredth, as the 百分制 is.
SCORE_PLACES = scoring.PLACES


def number(
    value,
    *,
    field: str,
    label: str,
    errors: dict,
    places: int = SCORE_PLACES,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    required: bool = True,
) -> Decimal | None:
    """A finite Decimal with at most ``places`` decimals within [minimum, maximum]; a problem adds its
    message to ``errors`` under ``field`` and returns ``None``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.setdefault(field, []).append(_("请填写%(label)s。") % {"label": label})
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(
            _("%(label)s“%(v)s”不是有效的数字。") % {"label": label, "v": value}
        )
        return None
    if not d.is_finite():
        errors.setdefault(field, []).append(
            _("%(label)s“%(v)s”不是有效的数字。") % {"label": label, "v": value}
        )
        return None
    try:
        exact = d == d.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        errors.setdefault(field, []).append(_("%(label)s“%(v)s”过大。") % {"label": label, "v": value})
        return None
    if not exact:
        errors.setdefault(field, []).append(
            _("%(label)s最多保留%(n)s位小数，实际为%(v)s。") % {"label": label, "n": places, "v": value}
        )
        return None
    if (minimum is not None and d < minimum) or (maximum is not None and d > maximum):
        errors.setdefault(field, []).append(
            _("%(label)s应在%(lo)s至%(hi)s之间，实际为%(v)s。")
            % {"label": label, "lo": show(minimum), "hi": show(maximum), "v": show(d)}
        )
        return None
    return d


def spent_amount(value, *, field: str, label: str, errors: dict) -> Decimal | None:
    """A yuan amount ≥ 0 with at most two places."""
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.setdefault(field, []).append(_("请填写%(label)s。") % {"label": label})
        return None
    try:
        if isinstance(value, bool):
            raise ServiceError(_("金额“%(v)s”不是有效的数字。") % {"v": value})
        amt = ledger.money(value)
    except ServiceError as exc:
        errors.setdefault(field, []).append(f"{label}：{exc.message}")
        return None
    if amt < 0:
        errors.setdefault(field, []).append(_("%(label)s不能为负数。") % {"label": label})
        return None
    return amt


def show(value) -> str:
    """A number as exact as it is, without a trailing tail (16 for 16.00, 2.5 for 2.50)."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral():
        return format(value.quantize(Decimal(1)), "f")
    return format(value.normalize(), "f")


def policy_table(profile, path: str):
    """A rule table of the policy profile; its absence is a clear refusal, never a silent default."""
    value = profile.rule(path)
    if value in (None, {}, []):
        raise ServiceError(
            _("政策配置（%(profile)s）缺少“%(table)s”规则表，无法计算评价得分。")
            % {"profile": str(profile), "table": path},
            code="policy_table_missing",
        )
    return value


def scoring_error(exc: ValueError, *, field: str | None = None) -> ServiceError:
    """A ``ValueError`` of ``scoring`` as a refusal. Its message is Chinese text built by scoring; it is
    passed through gettext so a catalogued message reads in the user's language."""
    msg = _(str(exc))
    return ServiceError(msg, code="scoring_refused", errors={field: [msg]} if field else None)


def move_project(project, to: str, *, actor, role: str, action: str, data: dict, reason: str = "") -> None:
    """Change the project's state (checked against ``PROJECT``) and record it on the project's trail."""
    PROJECT.check(project, to)
    before = project.state
    project.state = to
    project.save(update_fields=["state"])
    audit.record(
        action,
        actor=actor,
        role=role,
        target=project,
        before={"state": before},
        after={"state": to},
        data=data,
        reason=reason,
    )
