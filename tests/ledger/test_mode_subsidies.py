"""reconcile() over loan interest subsidies (贷款贴息): an approved claim instructed, paid by the
treasury's confirmation (commitment → disbursed) — the claim counts as the project's payment, the
instruction has its one entry; a claim marked paid without its money is found."""

from decimal import Decimal

import pytest

from techfund.core.enums import Role
from techfund.funds.reconcile import reconcile
from techfund.subsidies import services as subsidies
from techfund.subsidies.models import SubsidyClaim
from techfund.treasury import services as treasury
from tests import factories
from tests.subsidies.conftest import *  # noqa: F403
from tests.subsidies.conftest import AMOUNT_2025, TODAY
from tests.treasury.conftest import ACCOUNT_NUMBER, BANK_CODE, confirmation_csv, paid_row

pytestmark = pytest.mark.django_db


def test_a_claim_paid_through_the_treasury_reconciles(approved, sub_project, unit, finance, fund_year):
    acc = treasury.record_account(
        sub_project.organisation,
        actor=unit,
        account_name=sub_project.organisation.name,
        bank_name="中国工商银行日照分行",
        account_number=ACCOUNT_NUMBER,
        bank_code=BANK_CODE,
    )
    treasury.verify_account(acc, actor=finance)
    instruction = subsidies.instruct_claim(approved, actor=finance, today=TODAY)
    report = reconcile(fund_year)
    assert report.ok, report.text()
    assert report["payments_posted"].actual == 0  # instructed, not paid: nothing moved
    batch = treasury.create_batch(fund_year, actor=finance)
    treasury.export_batch(batch, actor=finance, fmt="csv")
    data = confirmation_csv([paid_row(instruction, "GK-TX-L1")])
    treasury.import_confirmations(batch, data, actor=factories.user(Role.FINANCE))
    treasury.import_confirmations(batch, data, actor=finance)  # imported twice: paid once
    report = reconcile(fund_year)
    assert report.ok, report.text()
    assert report["payments_posted"].actual == report["payments_posted"].expected == AMOUNT_2025
    assert report["treasury_confirmed"].actual == AMOUNT_2025

    # A tampered claim amount (the record no longer matches its entry) is found.
    SubsidyClaim.objects.filter(pk=approved.pk).update(amount=AMOUNT_2025 - Decimal("0.01"))
    bad = reconcile(fund_year)["payments_posted"]
    assert not bad.ok and any("subsidies.SubsidyClaim" in o["record"] for o in bad.offenders)
