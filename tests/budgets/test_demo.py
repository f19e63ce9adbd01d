"""The demo slice runs on a demo-like year through the services."""

import random

from techfund.budgets import demo
from techfund.budgets.models import Adjustment, Expenditure


def test_populate_on_a_paid_year(fund_year, paid, running, unit_user, dept_officer, office, finance):
    actors = {"office": office, "finance": finance, "departments": {running.department.code: dept_officer}}
    counts = demo.populate(fund_year, rng=random.Random(7), actors=actors)
    assert counts.get("expenditures", 0) >= 3 and Expenditure.objects.filter(project=running).exists()
    assert counts.get("adjustments_delegated") == 1
    assert counts.get("adjustments_requested") == 1  # 设备费 800,000 ≥ 500,000
    assert Adjustment.objects.filter(project=running, state="requested").count() == 0
    assert not counts.get("expenditures_refused")
