"""The payments benchmark's builders at a tiny size (bench/payments.py; no timing asserted): the year
is built, paid by hand, through the treasury and by bulk fill, and reconciles — as does the naive
reference loop."""

import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest

from techfund.funds.reconcile import reconcile
from techfund.projects.models import Payment

pytestmark = pytest.mark.django_db

PATH = Path(__file__).resolve().parents[2] / "bench" / "payments.py"


@pytest.fixture
def bench():
    spec = importlib.util.spec_from_file_location("bench_payments", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bench_builds_pays_and_reconciles_a_tiny_year(bench):
    year = bench.build_year(projects=4, per_project=4, log=lambda *a: None)
    assert bench.pay_by_hand(year, range(0, 2)) == 8
    times = bench.pay_by_treasury(year, range(2, 3))
    assert times["payments"] == 4
    assert bench.bulk_fill(year, range(3, 4)) == 4
    assert Payment.objects.count() == 16
    assert Payment.objects.filter(instruction__isnull=False).count() == 4
    assert sum(p.amount for p in Payment.objects.all()) == 4 * bench.PROJECT_AMOUNT
    assert bench.raw_postings(year, 10) >= 0
    report = reconcile(year.fund_year)
    assert report.ok, report.text()
    assert report["payments_posted"].actual == Decimal("4000000.00")
    assert report["treasury_confirmed"].actual == Decimal("1000000.00")
    assert bench.naive_reconcile(year.fund_year)
    table = bench._table(
        [{"database": "sqlite", "rows": [{"step": "pay_tranche", "count": 8, "wall_s": 1.0, "cpu_s": 1.0}]}]
    )
    assert "| sqlite | pay_tranche | 8 |" in table
