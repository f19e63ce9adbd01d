"""reconcile(): a year moved only by the services reconciles; money moved around the records, a
record without its money, an unbalanced or overdrawn ledger are each named by the check they break."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from openpyxl import load_workbook

from techfund.core.models import Account, JournalEntry, Posting
from techfund.core.services import ledger
from techfund.funds.reconcile import reconcile
from techfund.projects.models import Payment
from tests.sanctions.conftest import DECIDED_ON, RECEIVED_ON

pytestmark = pytest.mark.django_db


def acct(code: str) -> Account:
    return Account.objects.get(code=code)


def failed(fund_year) -> set[str]:
    return {c.code for c in reconcile(fund_year).failed}


def test_a_year_moved_by_the_services_reconciles(paid, project, fund_year, office, finance):
    from techfund.sanctions import services as s

    report = reconcile(fund_year)
    assert report.ok, report.text()
    assert report["payments_posted"].actual == Decimal("2400000.00")
    assert report["projects_arranged"].expected == Decimal("4000000.00")
    assert report["trial_balance"].expected == Decimal("250000000.00")
    order = s.issue_recovery(
        project,
        actor=office,
        amount="500000.00",
        reason="挪用",
        basis="审计报告",
        deadline=DECIDED_ON.replace(month=12),
        today=DECIDED_ON,
    )
    s.decide_recovery(order, actor=finance, decision="concur", today=DECIDED_ON)
    s.record_receipt(
        order,
        actor=finance,
        amount="200000.00",
        treasury_ref="HK-1",
        received_on=RECEIVED_ON,
        today=RECEIVED_ON,
    )
    report = reconcile(fund_year.year)
    assert report.ok, report.text()
    assert report["recoveries_posted"].actual == Decimal("200000.00")
    assert report["projects_disbursed"].actual == Decimal("2200000.00")


def test_a_payment_posted_without_its_record_is_found(paid, project, fund_year):
    y = fund_year.year
    with transaction.atomic():
        ledger.transfer(
            acct(f"fund:{y}:commitment:{project.number}"),
            acct(f"fund:{y}:disbursed:{project.number}"),
            "100.00",
            code="rogue",
            memo="",
            year=y,
        )
    report = reconcile(fund_year)
    assert {c.code for c in report.failed} == {
        "payments_posted",
        "projects_arranged",
        "projects_disbursed",
        "entries_referenced_once",  # an entry no record accounts for (e.g. a handler that posted twice)
    }
    bad = report["payments_posted"]
    assert bad.difference == Decimal("100.00")
    assert bad.offenders[0]["record"] == project.number


def test_a_payment_record_whose_entry_moved_another_amount_is_found(paid, fund_year):
    # Rewrite the record's amount under the append-only guard (a tampered database).
    Payment.objects.filter(pk=paid.pk).update(amount=Decimal("2400000.01"))
    report = reconcile(fund_year)
    check = report["payments_posted"]
    assert not check.ok
    assert any(o["record"].startswith("projects.Payment") for o in check.offenders)


def test_money_moved_out_of_an_area_without_a_record_is_found(paid, fund_year):
    y = fund_year.year
    with transaction.atomic():
        ledger.transfer(
            acct(f"fund:{y}:area:key_rd"), acct(f"fund:{y}:pool"), "1000.00", code="rogue", memo="", year=y
        )
    assert {"allocations_posted", "areas"} <= failed(fund_year)


def test_an_unbalanced_entry_and_an_overdraft_are_found(paid, project, fund_year):
    y = fund_year.year
    with transaction.atomic():
        entry = JournalEntry.objects.create(code="rogue", memo="", year=y)
    Posting.objects.create(
        entry=entry, account=acct(f"fund:{y}:commitment:{project.number}"), amount=Decimal("-1600000.01")
    )
    report = reconcile(fund_year)
    assert {"entries_balanced", "no_overdraft", "trial_balance"} <= {c.code for c in report.failed}
    assert report["entries_balanced"].offenders[0]["record"].endswith("rogue")
    assert report["no_overdraft"].offenders[0]["record"] == f"fund:{y}:commitment:{project.number}"


def test_the_command_prints_the_checks_and_fails_with_status_1(paid, project, fund_year, tmp_path):
    out = io.StringIO()
    path = tmp_path / "r.xlsx"
    call_command("reconcile", "--year", str(fund_year.year), "--xlsx", str(path), stdout=out)
    assert "payments_posted" in out.getvalue() and "FAIL" not in out.getvalue()
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "对账结果"
    y = fund_year.year
    with transaction.atomic():
        ledger.transfer(
            acct(f"fund:{y}:commitment:{project.number}"),
            acct(f"fund:{y}:disbursed:{project.number}"),
            "1.00",
            code="rogue",
            memo="",
            year=y,
        )
    with pytest.raises(CommandError) as exc:
        call_command("reconcile", "--year", str(y), stdout=io.StringIO())
    assert exc.value.returncode == 1
    assert "payments_posted" in str(exc.value)


def test_a_termination_release_reconciles(paid, project, fund_year, office, finance):
    from techfund.sanctions import services as s

    order = s.propose_sanction(
        project, actor=office, kind="terminate", reason="无法继续", basis="纪要", today=DECIDED_ON
    )
    s.decide_sanction(order, actor=finance, decision="concur", opinion="同意", today=DECIDED_ON)
    report = reconcile(fund_year)
    assert report.ok, report.text()
    assert report["releases_posted"].actual == Decimal("1600000.00")


def test_reconcile_reads_in_a_fixed_number_of_queries(paid, fund_year, final_items, finance):
    """Aggregate queries only: a second project (and its payment) adds no query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from techfund.projects import services

    with CaptureQueriesContext(connection) as one:
        reconcile(fund_year)
    services.arrange_item(final_items[1], actor=finance, statutory_approved=True)
    with CaptureQueriesContext(connection) as two:
        assert reconcile(fund_year).ok
    assert len(two.captured_queries) == len(one.captured_queries) <= 40
