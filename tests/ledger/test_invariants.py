"""Invariants under stress (issue 6 item 5): hypothesis drives the real services of one small fund year
through random sequences of commitments, payments (part, whole and over-the-limit), suspensions, lifts,
terminations, recovery orders and receipts — and after EVERY step the year must reconcile
(``funds.reconcile``), the contract must never be overpaid, and a refused operation must have changed
nothing (ledger, records, audit trail alike).

The year (Rizhao preset, 250 million pooled, two final items, A's project in progress with tranches of
2,400,000 and 1,600,000) is built once per test by the fixtures; each example runs in a savepoint over
it that is rolled back afterwards, so examples are independent and cheap.

Besides reconciling, each step checks the service against an oracle computed from the database before
the call: a payment is refused exactly when the project is not in progress, an earlier tranche is open,
the tranche is paid or the amount exceeds what is left of it.
"""

import datetime as dt
import itertools
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
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
from techfund.projects import services as project_services
from techfund.projects.enums import ProjectState
from techfund.projects.models import Payment, Project
from techfund.projects.services.payments import paid_on_tranche
from techfund.sanctions import services as sanctions
from techfund.sanctions.models import RecoveryOrder
from techfund.treasury import services as treasury
from techfund.treasury.models import PaymentBatch, PaymentInstruction
from tests.sanctions.conftest import DEADLINE, DECIDED_ON, PROPOSED_ON, RECEIVED_ON
from tests.sanctions.conftest import counts as sanction_counts
from tests.treasury.conftest import account, confirmation_csv, paid_row  # noqa: F401 - account: a fixture

pytestmark = pytest.mark.django_db

PAID_ON = dt.date(2026, 10, 28)
SETTLED_ON = dt.date(2026, 11, 10)
TODAY = dt.date(2026, 11, 2)
CENT = Decimal("0.01")

#: Amounts in fen: small, around the tranches' sizes, and beyond the contract (must be refused).
AMOUNTS = st.one_of(
    st.integers(min_value=1, max_value=100_000_00),
    st.integers(min_value=1_000_000_00, max_value=2_600_000_00),
    st.sampled_from([1_600_000_00, 2_400_000_00, 2_400_000_01, 4_000_000_00, 4_000_000_01]),
).map(lambda fen: (Decimal(fen) * CENT).quantize(CENT))

SETTINGS = settings(
    max_examples=12,
    stateful_step_count=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def counts() -> dict:
    out = sanction_counts()
    out["instructions"] = sorted(PaymentInstruction.objects.values_list("id", "state"))
    out["batches"] = sorted(PaymentBatch.objects.values_list("id", "state"))
    return out


def treasury_pending(year) -> bool:
    return PaymentInstruction.objects.filter(fund_year=year, state="pending").exists()


def machine(*, year, project, contract, office, finance, final_b, stats: Counter):
    refs = itertools.count(1)

    class Year(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def attempt(self, name, call, *, must_refuse=None):
            """Run ``call``; a refusal must leave everything as it was. ``must_refuse`` (a bool, when the
            oracle knows) says whether the service had to refuse."""
            before = counts()
            try:
                with transaction.atomic():
                    call()
            except ServiceError as exc:
                assert counts() == before, f"refused ({exc.code}) but something changed"
                assert must_refuse is not False, f"refused a valid operation: {exc.code} {exc}"
                stats[f"{name} refused"] += 1
                stats[f"{name} refused: {exc.code}"] += 1
                return False
            assert must_refuse is not True, "accepted an operation that had to be refused"
            stats[name] += 1
            return True

        def project(self) -> Project:
            return Project.objects.get(pk=project.pk)

        @rule(amount=st.integers(min_value=1, max_value=600_000_00).map(lambda fen: Decimal(fen) * CENT))
        def pay_part(self, amount):
            """A part payment of the second tranche (the first is paid by the fixture)."""
            self.pay(2, amount)

        @rule(seq=st.sampled_from([1, 2]), amount=AMOUNTS)
        def pay(self, seq, amount):
            p = self.project()
            tranche = contract.tranches.get(seq=seq)
            paid = {
                t.seq: Payment.objects.filter(tranche=t).aggregate(s=Sum("amount"))["s"] or Decimal("0")
                for t in contract.tranches.all()
            }
            plan = {t.seq: t.amount for t in contract.tranches.all()}
            earlier_open = any(paid[s] < plan[s] for s in plan if s < seq)
            left = plan[seq] - paid[seq]
            refuse = p.state != ProjectState.IN_PROGRESS or earlier_open or left <= 0 or amount > left
            self.attempt(
                "pay",
                lambda: project_services.pay_tranche(
                    tranche,
                    actor=finance,
                    treasury_ref=f"GK-H-{next(refs)}",
                    paid_on=PAID_ON,
                    amount=amount,
                    today=TODAY,
                ),
                must_refuse=refuse,
            )

        def sanction(self, kind):
            def call():
                order = sanctions.propose_sanction(
                    project,
                    actor=office,
                    kind=kind,
                    reason="检查发现问题",
                    basis="办公室纪要",
                    today=PROPOSED_ON,
                )
                sanctions.decide_sanction(
                    order, actor=finance, decision="concur", opinion="同意", today=DECIDED_ON
                )

            self.attempt(kind, call)

        @rule()
        def suspend(self):
            self.sanction("suspend")

        @rule()
        def lift(self):
            self.sanction("lift")

        @precondition(lambda self: self.project().state == ProjectState.SUSPENDED)
        @rule()
        def lift_suspended(self):
            self.sanction("lift")

        @rule()
        def terminate(self):
            self.sanction("terminate")

        @rule(
            amount=st.one_of(
                AMOUNTS, st.integers(min_value=1, max_value=300_000_00).map(lambda f: Decimal(f) * CENT)
            ),
            receipt=st.sampled_from([Decimal("0.5"), Decimal("1"), Decimal("1.2")]),
        )
        def recover(self, amount, receipt):
            """A recovery order confirmed by finance, then a receipt of part, all or more than owed."""

            def order():
                o = sanctions.issue_recovery(
                    project,
                    actor=office,
                    amount=amount,
                    reason="资金挪用",
                    basis="审计报告",
                    deadline=DEADLINE,
                    today=PROPOSED_ON,
                )
                sanctions.decide_recovery(o, actor=finance, decision="concur", today=DECIDED_ON)

            if self.attempt("recovery order", order):
                o = RecoveryOrder.objects.filter(project=project).latest("pk")
                value = (o.amount * receipt).quantize(CENT)
                self.attempt(
                    "receipt",
                    lambda: sanctions.record_receipt(
                        o,
                        actor=finance,
                        amount=value,
                        treasury_ref=f"HK-H-{next(refs)}",
                        received_on=RECEIVED_ON,
                        today=RECEIVED_ON,
                    ),
                    must_refuse=value > o.amount or value <= 0,
                )

        @rule(seq=st.sampled_from([1, 2]), amount=AMOUNTS)
        def instruct(self, seq, amount):
            """直通车: a treasury payment instruction for part of a tranche; beyond what is left of it
            (counting what is paid and what is instructed and not yet confirmed) it must be refused."""
            tranche = contract.tranches.get(seq=seq)
            left = tranche.amount - paid_on_tranche(tranche) - treasury.pending_amount(tranche)
            self.attempt(
                "instruct",
                lambda: project_services.instruct_tranche(tranche, actor=finance, amount=amount),
                must_refuse=True if amount > left else None,
            )

        @rule(outcome=st.sampled_from(["paid", "returned", "paid twice"]))
        def settle(self, outcome):
            """The pending instructions go to the treasury in a batch; its confirmation file comes back
            with every row paid (or imported twice: nothing is paid twice) or returned."""

            def call():
                batch = treasury.create_batch(year, actor=finance)
                treasury.export_batch(batch, actor=finance, fmt="csv")
                rows = [
                    paid_row(ins, f"GK-T-{next(refs)}")
                    if outcome != "returned"
                    else [ins.number, "", f"{ins.amount}", ins.account_number, "", "退回", "账户冻结"]
                    for ins in batch.instructions.all()
                ]
                data = confirmation_csv(rows)
                for _ in range(2 if outcome == "paid twice" else 1):
                    treasury.import_confirmations(batch, data, actor=finance, today=SETTLED_ON)

            self.attempt("settle", call, must_refuse=not treasury_pending(year))

        @precondition(lambda self: not Project.objects.filter(item=final_b).exists())
        @rule()
        def arrange_b(self):
            """A further commitment: B's final item arranged (reserved → commitment)."""
            self.attempt(
                "arrange",
                lambda: project_services.arrange_item(final_b, actor=finance, statutory_approved=True),
            )

        @invariant()
        def reconciles(self):
            report = reconcile(year)
            assert report.ok, report.text()
            paid = Payment.objects.filter(project=project).aggregate(s=Sum("amount"))["s"] or 0
            assert paid <= contract.tranches.aggregate(s=Sum("amount"))["s"] == project.amount

    return Year


def test_every_step_of_random_sequences_reconciles(
    paid,
    project,
    contract,
    fund_year,
    office,
    finance,
    final_items,
    account,  # noqa: F811
):
    stats = Counter()
    Year = machine(  # noqa: N806
        year=fund_year,
        project=project,
        contract=contract,
        office=office,
        finance=finance,
        final_b=final_items[1],
        stats=stats,
    )
    run_state_machine_as_test(Year, settings=SETTINGS)
    # The sequences did exercise the services: each operation both succeeded and was refused.
    ops = (
        "pay",
        "suspend",
        "lift",
        "terminate",
        "recovery order",
        "receipt",
        "instruct",
        "settle",
        "arrange",
    )
    missing = [op for op in ops if not stats[op]]
    missing += [f"{op} refused" for op in ("pay", "suspend", "lift", "receipt", "instruct", "settle")]
    missing = [op for op in missing if not stats[op]]
    assert not missing, (missing, dict(stats))
    # The base year is untouched after the examples (each rolled back).
    assert Payment.objects.filter(project=project).count() == 1
    assert reconcile(fund_year).ok
