"""Invariants under stress for equity investment (股权投资): hypothesis drives random sequences of
staged payments, exits at random proceeds (principal back to the pool, gain from investment income,
loss written off), 先投后股 write-offs and suspensions of the investee's project through the equity and
sanctions services. After every step the year reconciles (``funds.reconcile``), each investment's
identity holds (invested = held + returned principal + written off) and a refused step changed nothing.

Base year (built once per test by the equity fixtures): a 股权直投 of 2,000,000 in two stages on one
project and a 先投后股 of 3,000,000 in one stage on another; each example runs in a rolled-back
savepoint over it."""

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
from techfund.equity import services as equity
from techfund.equity.models import Investment, Stage
from techfund.funds.reconcile import reconcile
from techfund.sanctions import services as sanctions
from tests.equity.conftest import *  # noqa: F403
from tests.equity.conftest import (
    LATER,
    assert_identity,
    counts,
    equity_project,
    pay,
    register_direct,
    register_ite,
)
from tests.sanctions.conftest import DECIDED_ON, PROPOSED_ON

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
PROCEEDS = st.one_of(
    st.just(Decimal("0")),
    st.integers(min_value=1, max_value=6_000_000_00).map(lambda fen: Decimal(fen) * CENT),
)
SETTINGS = settings(
    max_examples=8,
    stateful_step_count=10,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def machine(*, year, investments, office, finance, stats: Counter):
    refs = itertools.count(1)

    class Portfolio(RuleBasedStateMachine):
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

        @rule(which=st.sampled_from([0, 1]), seq=st.sampled_from([1, 2]))
        def pay_stage(self, which, seq):
            inv = Investment.objects.get(pk=investments[which].pk)
            stage = inv.stages.filter(seq=seq).first()
            if stage is not None:
                self.attempt("stage", lambda: pay(stage, finance))

        @rule(
            which=st.sampled_from([0, 1]),
            kind=st.sampled_from(["transfer", "sale", "buy_back"]),
            proceeds=PROCEEDS,
        )
        def exit(self, which, kind, proceeds):
            inv = Investment.objects.get(pk=investments[which].pk)

            def call():
                ex = equity.propose_exit(
                    inv,
                    actor=office,
                    kind=kind,
                    proceeds=proceeds,
                    reason="按协议退出",
                    basis="纪要",
                    today=LATER,
                )
                equity.confirm_exit(
                    ex,
                    actor=finance,
                    decision="concur",
                    bank_ref="" if proceeds == 0 else f"YH-H-{next(refs)}",
                    received_on=LATER,
                    today=LATER,
                )

            self.attempt("exit", call)

        @rule()
        def write_off_any_time(self):
            self.write_off()

        @precondition(lambda self: Stage.objects.filter(investment=investments[1], state="paid").exists())
        @rule()
        def write_off_paid(self):
            self.write_off()

        def write_off(self):
            inv = Investment.objects.get(pk=investments[1].pk)

            def call():
                wo = equity.propose_write_off(
                    inv, actor=office, reason="技术路线失败", basis="专家论证", today=LATER
                )
                equity.confirm_write_off(wo, actor=finance, decision="concur", opinion="同意。", today=LATER)

            self.attempt("write-off", call)

        @rule(which=st.sampled_from([0, 1]), kind=st.sampled_from(["suspend", "lift", "terminate"]))
        def sanction(self, which, kind):
            project = investments[which].project

            def call():
                order = sanctions.propose_sanction(
                    project, actor=office, kind=kind, reason="检查发现问题", basis="纪要", today=PROPOSED_ON
                )
                sanctions.decide_sanction(
                    order, actor=finance, decision="concur", opinion="同意", today=DECIDED_ON
                )

            self.attempt(kind, call)

        @invariant()
        def reconciles(self):
            report = reconcile(year)
            assert report.ok, report.text()
            for inv in investments:
                assert_identity(Investment.objects.get(pk=inv.pk))

    return Portfolio


def test_random_equity_sequences_reconcile_at_every_step(fund_year, office, leader, finance, eq_project):
    other = equity_project(
        fund_year, office, leader, finance, amount="3000000.00", title="先投后股项目", area="major_projects"
    )
    investments = [register_direct(eq_project, office), register_ite(other, office)]
    stats = Counter()
    Portfolio = machine(year=fund_year, investments=investments, office=office, finance=finance, stats=stats)  # noqa: N806
    run_state_machine_as_test(Portfolio, settings=SETTINGS)
    missing = [op for op in ("stage", "exit", "write-off", "stage refused", "exit refused") if not stats[op]]
    assert not missing, (missing, dict(stats))
    assert reconcile(fund_year).ok
