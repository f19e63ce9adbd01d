"""A year's intake for each city, driven through the services from the first call to the final,
publicised list — the demo generator at a fraction of its size — then checked as a whole."""

import pytest

from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.decisions.enums import ObjectionState
from techfund.decisions.models import Objection
from techfund.demo.generator import generate
from tests.lifecycle import checks


@pytest.mark.parametrize("preset", ["rizhao", "taian"])
def test_a_year_of_intake_through_the_services(db, client, preset):
    demo = generate(preset, 2026, scale=0.15, log=lambda *a: None)
    apps = Application.objects.filter(call__fund_year__year=2026)
    assert apps.count() >= 50
    # The funnel reaches a final list, with projects withdrawn after an upheld objection.
    assert apps.filter(state=ApplicationState.FINAL).exists()
    assert apps.filter(state=ApplicationState.WITHDRAWN).count() == 1
    assert set(Objection.objects.values_list("state", flat=True)) == {
        ObjectionState.UPHELD,
        ObjectionState.DISMISSED,
    }
    for state in (
        ApplicationState.DRAFT,
        ApplicationState.RETURNED,
        ApplicationState.REVIEWED,
        ApplicationState.IN_PUBLICITY,
        ApplicationState.NOT_APPROVED,
    ):
        assert apps.filter(state=state).exists(), state
    assert demo.counts[ApplicationState.FINAL] == apps.filter(state=ApplicationState.FINAL).count()
    from techfund.funds.models import FundYear

    checks.allocations_never_exceeded(FundYear.objects.get(year=2026))
    checks.chain_verifies()
    checks.scopes_hold(client)
