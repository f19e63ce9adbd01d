"""Rizhao's demo year, generated through the services once for the module (tests/sharing.py: each
test runs in a savepoint over it): checked as a whole, and crawled page by page for every role."""

import pytest

from tests.lifecycle import crawl, year


@pytest.fixture
def demo(db):
    return year.generated("rizhao")


def test_a_year_through_the_services(demo, client):
    year.check_the_year(demo, client)


def test_every_page_works_for_every_demo_role(demo, client):
    crawl.check_every_page(client)


def _slice(demo, app: str) -> dict:
    prefix = f"{app}_"
    return {k[len(prefix) :]: v for k, v in demo.counts.items() if k.startswith(prefix)}


def test_the_treasury_slice_of_the_year(demo):
    """Every implementing unit has a verified payee account; the grant tranches the demo instructs go
    through a batch confirmed by the treasury's file; every batch reconciles; the source trace too."""
    from techfund.funds import trace
    from techfund.funds.models import FundYear
    from techfund.projects.models import Project
    from techfund.treasury import services
    from techfund.treasury.enums import InstructionState
    from techfund.treasury.models import PaymentBatch, PaymentInstruction

    total = _slice(demo, "treasury")
    for p in Project.objects.select_related("organisation"):
        assert services.active_account(p.organisation) is not None, p.organisation
    assert total["payee_accounts"] >= 1 and total.get("payee_accounts_pending", 0) >= 1
    assert total.get("batches", 0) >= 1
    confirmed = PaymentInstruction.objects.filter(state=InstructionState.CONFIRMED, purpose="grant_tranche")
    assert total["confirmed"] == confirmed.count() >= 1
    if total["instructions"] >= 4:  # the full-size demo: one returned, one listed for follow-up
        assert total["returned"] >= 1 and total["mismatches"] >= 1, total
    for batch in PaymentBatch.objects.all():
        assert services.reconcile_batch(batch).balanced
    for fy in FundYear.objects.all():
        report = trace.report(fy)
        assert report.reconciled, [c for c in report.checks() if not c["ok"]]


def test_the_awards_slice_of_the_year(demo):
    """Due diligence on the competition's finalists before their prizes were proposed; post-award
    projects verified and paid."""
    from techfund.awards.models import AwardPayment, AwardVerification, DueDiligence

    total = _slice(demo, "awards")
    assert DueDiligence.objects.exists()
    assert total.get("post_award_projects", 0) >= 1
    assert AwardVerification.objects.count() == total.get("verifications", 0)
    assert AwardPayment.objects.count() == total.get("award_payments", 0) >= 1
