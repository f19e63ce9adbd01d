"""The allowed moves of the fund's stateful records, as data (see ``techfund.core.transitions``).

Framework (框架配置)::

    draft ──submit──► submitted ──approve──► approved
                         │
                      return (reason)
                         ▼
    (edit) ───────── returned ──submit──► submitted

Edits are allowed while ``draft`` or ``returned``. Guards: a framework goes to the leading group
only with at least one allocation, only if its total fits the pool's unallocated balance, and only
if no other framework of the year is in draft or awaiting a decision; approval re-checks the pool.

Contribution (资金来源登记): ``recorded ──void──► voided``.
"""

from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.transitions import Move, Table
from techfund.funds import accounts
from techfund.funds.enums import ContributionState, FrameworkState
from techfund.funds.validation import fmt

#: States in which the office may still change a framework's allocations.
FRAMEWORK_EDITABLE = frozenset({FrameworkState.DRAFT, FrameworkState.RETURNED})
#: States that count as "in progress": at most one framework per year may be in one of them.
FRAMEWORK_OPEN = frozenset({FrameworkState.DRAFT, FrameworkState.SUBMITTED})


def check_within_pool(fund_year, total) -> None:
    """Refuse a framework total above the pool's unallocated balance."""
    available = accounts.pool_balance(fund_year.year)
    if total > available:
        msg = _("框架配置合计 %(total)s 元，超过资金池未分配余额 %(avail)s 元。") % {
            "total": fmt(total),
            "avail": fmt(available),
        }
        raise ServiceError(msg, code="framework_exceeds_pool", errors={"allocations": [msg]})


def check_no_other_open(fund_year, *, exclude=None) -> None:
    others = fund_year.frameworks.filter(state__in=FRAMEWORK_OPEN)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    other = others.first()
    if other is not None:
        raise ServiceError(
            _("第%(n)s批框架配置（%(state)s）尚未审定；同一年度同时只能有一批框架配置在起草或待审定。")
            % {"n": other.number, "state": other.get_state_display()},
            code="framework_open_exists",
        )


def _total(framework):
    return framework.allocations.aggregate(s=Sum("amount"))["s"]


def has_allocations_within_pool(framework, **context) -> None:
    total = _total(framework)
    if not total:
        raise ServiceError(
            _("框架配置没有任何领域配置金额，不能报送。"),
            code="framework_empty",
            errors={"allocations": [_("请至少为一个重点领域填写配置金额。")]},
        )
    check_within_pool(framework.fund_year, total)


def resubmittable(framework, **context) -> None:
    check_no_other_open(framework.fund_year, exclude=framework)
    has_allocations_within_pool(framework)


def within_pool(framework, **context) -> None:
    check_within_pool(framework.fund_year, _total(framework) or 0)


FRAMEWORK = Table(
    {
        (FrameworkState.DRAFT, FrameworkState.SUBMITTED): Move(
            "funds.submit_framework", guard=has_allocations_within_pool
        ),
        (FrameworkState.RETURNED, FrameworkState.SUBMITTED): Move(
            "funds.submit_framework", guard=resubmittable
        ),
        (FrameworkState.SUBMITTED, FrameworkState.APPROVED): Move(
            "funds.approve_framework", guard=within_pool
        ),
        (FrameworkState.SUBMITTED, FrameworkState.RETURNED): Move("funds.return_framework"),
    },
    labels=FrameworkState,
)

CONTRIBUTION = Table(
    {(ContributionState.RECORDED, ContributionState.VOIDED): Move("funds.void_contribution")},
    labels=ContributionState,
)
