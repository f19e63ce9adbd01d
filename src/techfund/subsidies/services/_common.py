"""Helpers shared by the interest-subsidy services (not part of the public interface)."""

import hashlib
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.validation import raise_errors, text
from techfund.funds.validation import amount as parse_amount
from techfund.funds.validation import fmt
from techfund.policy.enums import SupportMode
from techfund.projects.enums import ProjectState
from techfund.projects.services._common import lock_project, parse_date, today_or

__all__ = [
    "collect",
    "evidence_digest",
    "fmt",
    "lock_project",
    "parse_amount",
    "parse_date",
    "parse_rate",
    "raise_errors",
    "require_subsidy_project",
    "text",
    "today_or",
]

RATE_PLACES = Decimal("0.0001")


def collect(errors: dict, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, or ``None`` with its refusal's field errors added to ``errors``."""
    try:
        return fn(*args, **kwargs)
    except ServiceError as exc:
        for field, msgs in (exc.errors or {"__all__": [exc.message]}).items():
            errors.setdefault(field, []).extend(msgs)
        return None


def parse_rate(value, *, field: str, label: str) -> Decimal:
    """An annual rate in percent (3.10 means 3.10 %): above 0, below 100, at most four places."""
    msg = None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        d = None
    if value in (None, "") or isinstance(value, bool):
        msg = _("请填写%(label)s。") % {"label": label}
    elif d is None or not d.is_finite():
        msg = _("%(label)s“%(v)s”不是有效的数字。") % {"label": label, "v": value}
    elif not 0 < d < 100:
        msg = _("%(label)s应为百分数，大于0且小于100（如 3.45 表示 3.45%%），收到 %(v)s。") % {
            "label": label,
            "v": value,
        }
    elif d != d.quantize(RATE_PLACES):
        msg = _("%(label)s最多保留四位小数。") % {"label": label}
    if msg:
        raise ServiceError(msg, code="rate_invalid", errors={field: [msg]})
    return d.quantize(RATE_PLACES)


def require_subsidy_project(project, *, states=(ProjectState.IN_PROGRESS,)) -> None:
    """Refuse a project that is not an interest-subsidy project in one of ``states``."""
    if project.support_mode != SupportMode.INTEREST_SUBSIDY:
        raise ServiceError(
            _("项目 %(number)s 的支持方式不是贷款贴息，不能登记贴息贷款或申请贴息。")
            % {"number": project.number},
            code="not_interest_subsidy",
        )
    if project.state not in states:
        if project.state == ProjectState.ARRANGED:
            msg = _("项目 %(number)s 的贴息协议（任务书）尚未由双方签订，签订后才能申请贴息。")
        else:
            msg = _("项目 %(number)s 当前状态为“%(state)s”，不能办理贴息。")
        raise ServiceError(
            msg % {"number": project.number, "state": ProjectState(project.state).label},
            code="project_not_open",
        )


def evidence_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
