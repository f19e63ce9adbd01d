"""The double-entry ledger: balanced entries, derived balances, no overdraft, immutability,
and concurrent postings serialised correctly on both databases."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from techfund.core.enums import AccountKind
from techfund.core.errors import ServiceError
from techfund.core.models import Account, JournalEntry, Posting
from techfund.core.models.audit import AppendOnlyError
from techfund.core.services import ledger

YEAR = 2026


def accounts():
    with transaction.atomic():
        src = ledger.open_account("t:src", name="来源", kind=AccountKind.SOURCE, year=YEAR)
        pool = ledger.open_account("t:pool", name="资金池", kind=AccountKind.POOL, year=YEAR)
        area = ledger.open_account("t:area", name="重点领域", kind=AccountKind.AREA, year=YEAR)
    return src, pool, area


def move(src, dst, amount):
    with transaction.atomic():
        return ledger.transfer(src, dst, amount, code="test.move", memo="测试", year=YEAR)


def test_transfer_is_balanced_and_balances_are_derived(db):
    src, pool, area = accounts()
    move(src, pool, "1000.00")
    move(pool, area, Decimal("400.25"))
    assert ledger.balance(src) == Decimal("-1000.00")
    assert ledger.balance(pool) == Decimal("599.75")
    assert ledger.balance(area) == Decimal("400.25")
    assert ledger.trial_balance(YEAR)["total"] == Decimal("0.00")
    for entry in JournalEntry.objects.all():
        assert sum(p.amount for p in entry.postings.all()) == 0


def test_overdraft_refused_with_clear_message_and_nothing_written(db):
    src, pool, area = accounts()
    move(src, pool, "100.00")
    before = (JournalEntry.objects.count(), Posting.objects.count())
    with pytest.raises(ServiceError) as exc:
        move(pool, area, "100.01")
    assert exc.value.code == "insufficient_funds"
    assert "资金池" in str(exc.value) and "100.00" in str(exc.value) and "100.01" in str(exc.value)
    assert (JournalEntry.objects.count(), Posting.objects.count()) == before
    assert ledger.balance(pool) == Decimal("100.00")


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("0", "amount_not_positive"),
        ("-5", "amount_not_positive"),
        ("1.001", "amount_precision"),
        ("abc", "amount_invalid"),
        ("NaN", "amount_invalid"),
        ("Infinity", "amount_invalid"),
    ],
)
def test_bad_amounts_refused(db, amount, code):
    src, pool, _ = accounts()
    with pytest.raises(ServiceError) as exc:
        move(src, pool, amount)
    assert exc.value.code == code
    assert JournalEntry.objects.count() == 0


def test_unbalanced_entry_refused(db):
    src, pool, _ = accounts()
    with pytest.raises(ServiceError) as exc, transaction.atomic():
        ledger.post([(src, Decimal("-10")), (pool, Decimal("9.99"))], code="x", memo="x", year=YEAR)
    assert exc.value.code == "entry_unbalanced"
    assert Posting.objects.count() == 0


def test_post_outside_transaction_is_a_programming_error(committing_db):
    src, pool, _ = accounts()
    with pytest.raises(RuntimeError):
        ledger.transfer(src, pool, "1.00", code="x", memo="x", year=YEAR)


def test_entries_are_immutable_and_corrected_by_reversal(db):
    src, pool, _ = accounts()
    entry = move(src, pool, "50.00")
    with pytest.raises(AppendOnlyError):
        entry.memo = "改"
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Posting.objects.filter(entry=entry).update(amount=1)
    with transaction.atomic():
        rev = ledger.reverse(entry, memo="冲销")
    assert rev.reverses_id == entry.pk
    assert ledger.balance(pool) == Decimal("0.00")
    with pytest.raises(ServiceError) as exc, transaction.atomic():
        ledger.reverse(entry, memo="再次冲销")
    assert exc.value.code == "already_reversed"


def test_database_refuses_raw_update_of_postings(db):
    src, pool, _ = accounts()
    move(src, pool, "5.00")
    with pytest.raises(Exception) as exc, transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE core_posting SET amount = 999")
    assert "append-only" in str(exc.value)


def test_zero_posting_refused_by_database(db):
    src, _, _ = accounts()
    with transaction.atomic():
        entry = JournalEntry.objects.create(code="x", memo="x", year=YEAR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.create(entry=entry, account=src, amount=Decimal("0"))


def _run_threads(n, target):
    errors, barrier = [], threading.Barrier(n)

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


def test_concurrent_postings_lose_nothing_double_post_nothing_never_overdraw(committing_db):
    """Many simultaneous withdrawals from one account: exactly as many succeed as the balance allows.

    On PostgreSQL the accounts are locked with SELECT ... FOR UPDATE; on SQLite the IMMEDIATE
    transaction holds the write lock. Either way, the balance check and the write are one step.
    """
    src, pool, area = accounts()
    move(src, pool, "100.00")
    n = 24
    errors = _run_threads(n, lambda i: move(pool, area, "7.00"))  # 14 fit into 100.00, 10 must fail
    assert sorted(set(errors)) == ["insufficient_funds"]
    succeeded = n - len(errors)
    assert succeeded == 14
    assert ledger.balance(pool) == Decimal("2.00")
    assert ledger.balance(area) == Decimal("98.00")
    assert JournalEntry.objects.filter(code="test.move").count() == 1 + succeeded
    assert ledger.trial_balance(YEAR)["total"] == Decimal("0.00")


def test_concurrent_deposits_all_counted(committing_db):
    src, pool, _ = accounts()
    n = 20
    errors = _run_threads(n, lambda i: move(src, pool, f"{i + 1}.01"))
    assert errors == []
    expected = sum(Decimal(f"{i + 1}.01") for i in range(n))
    assert ledger.balance(pool) == expected
    assert Account.objects.get(pk=pool.pk).postings.count() == n
