"""The demo slice runs through the services on a demo-like year and leaves every stage populated."""

import random

from techfund.core.enums import Qualification, Role
from techfund.core.models import Department
from techfund.core.services import ledger
from techfund.riskpool import accounts
from techfund.riskpool.demo import populate
from techfund.riskpool.enums import ClaimState
from techfund.riskpool.models import DefaultClaim, RiskPool
from tests import factories


def test_populate(fund_year, office, finance):
    for i in range(6):
        factories.organisation(name=f"日照演示科技{i}有限公司", qualifications=[Qualification.TECH_SME])
    st = Department.objects.get(code="science_technology")
    actors = {
        "office": office,
        "finance": finance,
        "sysadmin": factories.user(Role.SYSADMIN),
        "secadmin": factories.user(Role.SECADMIN),
        "departments": {st.code: factories.user(Role.DEPARTMENT, department=st)},
    }
    counts = populate(fund_year, rng=random.Random(7), actors=actors)
    assert counts["pools"] == 2 and counts["loans"] == 6 and counts["refused_loans"] == 1
    assert counts["claims"] == 3 and counts["claims_paid"] == 1 and counts["recoveries"] == 1
    states = sorted(DefaultClaim.objects.values_list("state", flat=True))
    assert states == sorted([ClaimState.PAID, ClaimState.APPROVED, ClaimState.CLAIMED])
    pools = list(RiskPool.objects.all())
    for f in accounts.pool_figures(pools).values():
        assert f["funded"] == f["balance"] + f["paid"] - f["returned"]
    assert ledger.trial_balance()["total"] == 0
