"""Helpers shared by this stage's services (not part of the public interface)."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.budgets.enums import CATEGORY_ORDER, AdjustmentState, BudgetCategory, Funding
from techfund.budgets.models import AdjustmentMove, BudgetLine, Expenditure
from techfund.core.services import ledger
from techfund.core.validation import raise_errors, text  # noqa: F401 - re-exported to this stage
from techfund.funds.validation import fmt
from techfund.projects.services._common import lock_project, parse_date, today_or

__all__ = [
    "category_label",
    "current_amounts",
    "fiscal_spent_by_category",
    "fmt",
    "lock_project",
    "parse_date",
    "raise_errors",
    "text",
    "today_or",
]

ZERO = ledger.ZERO


def category_label(code: str) -> str:
    return str(BudgetCategory(code).label) if code in BudgetCategory.values else code


def current_amounts(budget) -> dict[str, Decimal]:
    """``{category: amount}``: each line's original plus the changes of the effective adjustments."""
    out = {c: ZERO for c in CATEGORY_ORDER}
    for category, original in BudgetLine.objects.filter(budget=budget).values_list("category", "original"):
        out[category] = original
    moves = (
        AdjustmentMove.objects.filter(adjustment__budget=budget, adjustment__state=AdjustmentState.EFFECTIVE)
        .values("category")
        .annotate(s=Sum("change"))
    )
    for m in moves:
        out[m["category"]] = out.get(m["category"], ZERO) + m["s"]
    return out


def fiscal_spent_by_category(project) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in (
        Expenditure.objects.filter(project=project, funding=Funding.FISCAL)
        .values("category")
        .annotate(s=Sum("amount"))
    ):
        out[r["category"]] = r["s"]
    return out


def not_in_budget(project):
    from techfund.core.errors import ServiceError

    return ServiceError(
        _("项目 %(number)s 尚未建立预算（任务书生成时建立），不能调剂或登记支出。")
        % {"number": project.number},
        code="no_budget",
    )
