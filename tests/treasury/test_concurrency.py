"""Concurrent imports on PostgreSQL: several finance officers importing the same treasury file for one
batch at once, and instructing the same tranche at once — each instruction is paid exactly once and
a tranche is never instructed beyond its amount. The batch row lock (SELECT … FOR UPDATE) makes the
reconciliation of a file one step; the project and tranche locks do the same for instructing."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from techfund.core.errors import ServiceError
from techfund.core.services import ledger
from techfund.projects import accounts
from techfund.projects.models import Payment
from techfund.projects.services.payments import instruct_tranche
from techfund.treasury import services
from techfund.treasury.enums import InstructionState
from techfund.treasury.models import PaymentInstruction
from tests.treasury.conftest import confirmation_csv, paid_row

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks (SELECT … FOR UPDATE) across threads need PostgreSQL; SQLite serialises whole transactions",
)


def _run(n, target):
    barrier, errors = threading.Barrier(n), []

    def worker(i):
        try:
            barrier.wait(timeout=30)
            target(i)
        except ServiceError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
def test_same_file_imported_concurrently_pays_once(committing_db, sent, instructed, project, finance):
    data = confirmation_csv([paid_row(instructed, "GK-CONC-1")])
    errors = _run(6, lambda i: services.import_confirmations(sent, data, actor=finance))
    assert errors == []
    assert Payment.objects.count() == 1
    instructed.refresh_from_db()
    assert instructed.state == InstructionState.CONFIRMED
    assert ledger.balance(accounts.disbursed_account(project)) == instructed.amount
    results = sorted(c.result for imp in sent.imports.all() for c in imp.rows.all())
    assert results == ["duplicate"] * 5 + ["matched"]


@pytest.mark.django_db(transaction=True)
def test_same_instruction_confirmed_concurrently_with_different_vouchers(
    committing_db, sent, instructed, finance
):
    errors = _run(
        4,
        lambda i: services.import_confirmations(
            sent, confirmation_csv([paid_row(instructed, f"GK-V{i}")]), actor=finance
        ),
    )
    assert errors == []
    assert Payment.objects.count() == 1
    assert PaymentInstruction.objects.filter(state=InstructionState.CONFIRMED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_instructing_one_tranche_concurrently_never_exceeds_it(
    committing_db, running, contract, account, finance
):
    tranche = contract.tranches.get(seq=1)
    errors = _run(6, lambda i: instruct_tranche(tranche, actor=finance, amount="1000000"))
    assert sorted(errors) == ["exceeds_tranche"] * 4
    assert services.pending_amount(tranche) == Decimal("2000000.00")
