"""Demo slice of budgets: for the demo year's running grant projects that have been paid, the units'
spending (支出登记), delegated adjustments (业务费 → 劳务费) and, where equipment is above the approval
threshold, a request the managing department approves or rejects — all through the services."""

import datetime as dt
from collections import Counter
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from techfund.budgets import services
from techfund.budgets.enums import AdjustmentState, BudgetCategory, Funding
from techfund.budgets.models import ProjectBudget
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.projects.accounts import project_balances
from techfund.projects.enums import ProjectState

YUAN = Decimal("1")


def _unit_user(project, actors):
    applicant_for = actors.get("applicant_for")
    if callable(applicant_for):
        return applicant_for(project.organisation)
    grant = (
        project.organisation.grants.filter(role=Role.APPLICANT, revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    return grant.user if grant else None


def _officer(project, actors):
    return (actors.get("departments") or {}).get(project.department.code)


def populate(fund_year, *, rng, actors, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    counts: Counter = Counter()
    budgets = (
        ProjectBudget.objects.filter(project__fund_year=fund_year, project__state=ProjectState.IN_PROGRESS)
        .select_related(
            "project__organisation", "project__department", "project__fund_year__profile", "contract"
        )
        .order_by("project__number")
    )
    for n, budget in enumerate(budgets):
        project, contract = budget.project, budget.contract
        unit = _unit_user(project, actors)
        if unit is None or contract.start_date > today:
            continue
        arrived = project_balances([project])[project.pk]["paid"]
        if arrived <= 0:
            continue
        lines = services.current_amounts(budget)
        # A delegated adjustment on every other project: 5 % of 业务费 to 劳务费.
        if n % 2 == 0 and lines[BudgetCategory.BUSINESS] > 0:
            move = (lines[BudgetCategory.BUSINESS] * Decimal("0.05")).quantize(YUAN, rounding=ROUND_DOWN)
            try:
                services.adjust_budget(
                    project,
                    actor=unit,
                    amounts={
                        BudgetCategory.BUSINESS: lines[BudgetCategory.BUSINESS] - move,
                        BudgetCategory.LABOUR: lines[BudgetCategory.LABOUR] + move,
                    },
                    reason="测试加工任务减少，增聘科研助理，业务费调剂至劳务费。",
                    today=today,
                )
                counts["adjustments_delegated"] += 1
            except ServiceError:
                counts["adjustments_refused"] += 1
            lines = services.current_amounts(budget)
        # Equipment above the threshold: a request to the department, approved or (every fourth) rejected.
        officer = _officer(project, actors)
        threshold = Decimal(
            str(services.adjustment_rules(project.fund_year.profile)["equipment_approval_threshold"])
        )
        if n % 3 == 0 and officer is not None and lines[BudgetCategory.EQUIPMENT] >= threshold:
            move = (lines[BudgetCategory.EQUIPMENT] * Decimal("0.10")).quantize(YUAN, rounding=ROUND_DOWN)
            try:
                adj = services.adjust_budget(
                    project,
                    actor=unit,
                    amounts={
                        BudgetCategory.EQUIPMENT: lines[BudgetCategory.EQUIPMENT] - move,
                        BudgetCategory.BUSINESS: lines[BudgetCategory.BUSINESS] + move,
                    },
                    reason="拟改为租用测试设备，设备购置预算调减用于测试化验加工。",
                    today=today,
                )
                if adj.state == AdjustmentState.REQUESTED:
                    counts["adjustments_requested"] += 1
                    reject = n % 4 == 0
                    services.decide_adjustment(
                        adj,
                        actor=officer,
                        decision="reject" if reject else "approve",
                        opinion="设备为项目核心条件，不同意调减。" if reject else "同意。",
                        today=today,
                    )
                    counts["adjustments_rejected" if reject else "adjustments_approved"] += 1
            except ServiceError:
                counts["adjustments_refused"] += 1
            lines = services.current_amounts(budget)
        # Spending: a few fiscal entries within the lines and within the money arrived, plus self-raised.
        budget_left = arrived * Decimal(str(rng.uniform(0.3, 0.8)))
        days = max((today - contract.start_date).days, 0)
        for i in range(rng.randint(3, 7)):
            category = rng.choice([c for c, v in lines.items() if v > 0])
            amount = min(
                (budget_left / 6).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
                (lines[category] / 5).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
            )
            if amount <= 0:
                break
            try:
                services.record_expenditure(
                    project,
                    actor=unit,
                    spent_on=contract.start_date + dt.timedelta(days=rng.randint(0, days)),
                    category=category,
                    funding=Funding.FISCAL if i % 4 else Funding.SELF_RAISED,
                    amount=amount,
                    voucher_no=f"JZ{project.number[-6:]}-{i + 1:03d}",
                    description=f"{BudgetCategory(category).label}支出",
                    today=today,
                )
                counts["expenditures"] += 1
            except ServiceError:
                counts["expenditures_refused"] += 1
    return dict(counts)
