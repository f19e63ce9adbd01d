"""The demo slice runs through the services on a demo-like year and leaves every stage populated."""

import random

from techfund.core.enums import Role
from techfund.core.models import Department
from techfund.core.services import ledger
from techfund.equity import services
from techfund.equity.demo import populate
from techfund.equity.models import Investment
from tests import factories
from tests.projects.helpers import make_final_item


def test_populate(fund_year, office, leader, finance):
    for i, area in enumerate(
        ["key_rd", "major_projects", "major_projects", "major_projects", "major_projects"]
    ):
        make_final_item(
            fund_year,
            office,
            leader,
            amount="1000000.00",
            support_mode="equity",
            area=area,
            title=f"股权项目{i}",
        )
    st = Department.objects.get(code="science_technology")
    actors = {
        "office": office,
        "finance": finance,
        "leader": leader,
        "sysadmin": factories.user(Role.SYSADMIN),
        "secadmin": factories.user(Role.SECADMIN),
        "departments": {st.code: factories.user(Role.DEPARTMENT, department=st)},
    }
    counts = populate(fund_year, rng=random.Random(7), actors=actors)
    assert counts["investments"] == 5
    assert (counts["refused"], counts["conversions"], counts["exits"], counts["write_offs_proposed"]) == (
        1,
        1,
        1,
        1,
    )
    states = sorted(Investment.objects.values_list("state", flat=True))
    assert states == ["committed", "converted", "exited", "invested", "invested"]
    rows, totals = services.holdings(Investment.objects.all())
    assert all(r.reconciles for r in rows)
    assert totals.gain > 0
    assert ledger.trial_balance()["total"] == 0
