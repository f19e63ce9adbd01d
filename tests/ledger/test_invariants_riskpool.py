"""Invariants under stress for risk compensation (风险补偿): hypothesis drives random sequences of pool
top-ups (beyond the focus area's allocation: refused), default claims of random losses taken through
review, approval and the treasury's payment, banks' recoveries of random amounts (returned to the pool
at the fund's share) and year-end returns of the pool's balance, through the riskpool and treasury
services. After every step the year reconciles (``funds.reconcile``) and a refused step changed
nothing.

Base year (the riskpool fixtures): a partner bank, its pool funded with 3,000,000 from key_rd, the
bank's verified payee account; each example runs in a rolled-back savepoint over it."""

import datetime as dt
import itertools
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from techfund.core.errors import ServiceError
from techfund.funds.reconcile import reconcile
from techfund.riskpool import services as rp
from techfund.riskpool.models import DefaultClaim
from tests.riskpool.conftest import *  # noqa: F403
from tests.riskpool.conftest import (
    FIRST_HALF,
    bank_account,
    claim,
    counts,
    file_months,
    pay,
    register,
    through_approval,
)

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
FEN = st.integers(min_value=1, max_value=9_000_000_00).map(lambda fen: Decimal(fen) * CENT)
SETTINGS = settings(
    max_examples=8,
    stateful_step_count=8,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def machine(*, year, pool, borrower, office, office2, st_officer, finance, stats: Counter):
    loans = itertools.count(1)

    class Pool(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def attempt(self, name, call):
            before = counts()
            try:
                with transaction.atomic():
                    call()
            except ServiceError as exc:
                assert counts() == before, f"{name} refused ({exc.code}) but something changed"
                stats[f"{name} refused"] += 1
                return
            stats[name] += 1

        @rule(amount=FEN)
        def top_up(self, amount):
            self.attempt(
                "top-up", lambda: rp.fund_pool(pool, actor=finance, amount=amount, today=dt.date(2026, 2, 1))
            )

        @rule(loss=st.integers(min_value=1, max_value=2_000_000_00).map(lambda fen: Decimal(fen) * CENT))
        def default(self, loss):
            """A covered loan defaults: the claim is reviewed, approved and paid by the treasury."""

            def call():
                loan = register(
                    pool, office, borrower, principal="2000000.00", contract_number=f"RZ-H-{next(loans)}"
                )
                file_months(loan, office, FIRST_HALF)
                pay(through_approval(claim(loan, office, loss=f"{loss}"), office2, st_officer), finance)

            self.attempt("claim", call)

        @precondition(lambda self: DefaultClaim.objects.filter(pool=pool, state="paid").exists())
        @rule(amount=FEN)
        def recovery(self, amount):
            c = DefaultClaim.objects.filter(pool=pool, state="paid").latest("pk")
            self.attempt(
                "recovery",
                lambda: rp.record_recovery(
                    c,
                    actor=finance,
                    amount=amount,
                    recovered_on=dt.date(2026, 9, 1),
                    evidence="执行款到账凭证",
                    today=dt.date(2026, 9, 2),
                ),
            )

        @rule()
        def year_end(self):
            self.attempt(
                "return", lambda: rp.return_balance(pool, actor=finance, today=dt.date(2026, 12, 30))
            )

        @invariant()
        def reconciles(self):
            report = reconcile(year)
            assert report.ok, report.text()

    return Pool


def test_random_risk_compensation_sequences_reconcile_at_every_step(
    fund_year, pool, borrower, office, office2, st_officer, finance, finance2, bank_org
):
    bank_account(bank_org, finance, finance2)
    stats = Counter()
    Pool = machine(  # noqa: N806
        year=fund_year,
        pool=pool,
        borrower=borrower,
        office=office,
        office2=office2,
        st_officer=st_officer,
        finance=finance,
        stats=stats,
    )
    run_state_machine_as_test(Pool, settings=SETTINGS)
    missing = [
        op for op in ("top-up", "claim", "recovery", "top-up refused", "recovery refused") if not stats[op]
    ]
    assert not missing, (missing, dict(stats))
    assert reconcile(fund_year).ok
