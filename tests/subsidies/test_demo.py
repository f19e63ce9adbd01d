"""The demo slice runs on a demo-like year: final interest-subsidy items of an executed year become
projects, loans and claims at every stage, one paid through the treasury."""

import datetime as dt
import random

from techfund.core.enums import Role
from techfund.core.models import Department
from techfund.core.services import ledger
from techfund.subsidies import demo
from techfund.subsidies.enums import ClaimState
from techfund.subsidies.models import SubsidyClaim
from tests import factories
from tests.projects.helpers import make_final_item


def test_populate_on_a_demo_like_year(fund_year, office, leader, finance):
    for n in range(7):
        make_final_item(
            fund_year, office, leader, amount=f"{200000 + 50000 * n}.00", support_mode="interest_subsidy"
        )
    officer = factories.user(Role.DEPARTMENT, department=Department.objects.get(code="science_technology"))
    units = {}

    def applicant_for(org):
        if org.pk not in units:
            units[org.pk] = factories.user(Role.APPLICANT, organisation=org)
        return units[org.pk]

    actors = {
        "office": office,
        "leader": leader,
        "finance": finance,
        "departments": {"science_technology": officer},
        "applicant_for": applicant_for,
    }
    counts = demo.populate(
        fund_year, rng=random.Random(7), actors=actors, today=dt.date(fund_year.year, 11, 20)
    )
    assert counts["projects_arranged"] == 7 and counts["claims_filed"] == 7
    assert counts["reference_rates"] == 11
    states = dict(counts)
    for state in ("paid", "instructed", "approved", "verified", "submitted", "draft", "rejected"):
        assert states[f"claims_{state}"] == 1, (state, counts)
    assert counts["once_per_enterprise_refused"] == 1
    paid = SubsidyClaim.objects.get(state=ClaimState.PAID)
    assert paid.entry is not None and paid.amount > 0
    assert ledger.trial_balance()["total"] == 0
