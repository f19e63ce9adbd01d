"""Each person finds only what they may see: in results, on the record page, in the API, in the export."""

import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from techfund.applications.enums import ApplicationState
from techfund.core.enums import Role
from techfund.decisions.enums import ItemState
from techfund.library.search import search
from tests import factories
from tests.library.conftest import file_application, proposal_item


@pytest.fixture
def apps(world):
    return {
        "a_st": file_application(world, "海洋甲单位科技局项目", org=world.org_a),
        "a_ocean": file_application(world, "海洋甲单位海洋局项目", org=world.org_a, department=world.ocean),
        "b_st": file_application(world, "海洋乙单位科技局项目", org=world.org_b),
        "b_draft": file_application(world, "海洋乙单位草稿", org=world.org_b, state=ApplicationState.DRAFT),
    }


@pytest.fixture
def applicant_a(world):
    return factories.user(Role.APPLICANT, organisation=world.org_a)


@pytest.fixture
def officer_st(world):
    return factories.user(Role.DEPARTMENT, department=world.st)


def found(user, q="") -> set[str]:
    return {a.title for a in search(user, q)}


def test_applicant_sees_only_its_organisation(world, apps, applicant_a):
    assert found(applicant_a) == {"海洋甲单位科技局项目", "海洋甲单位海洋局项目"}
    assert found(applicant_a, "乙单位") == set()


def test_department_officer_sees_only_its_department_once_submitted(world, apps, officer_st):
    assert found(officer_st) == {"海洋甲单位科技局项目", "海洋乙单位科技局项目"}
    assert found(officer_st, "草稿") == set()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.FINANCE, Role.LEADING_GROUP, Role.AUDITOR])
def test_government_readers_see_everything(world, apps, role):
    assert len(found(factories.user(role))) == 4


@pytest.mark.parametrize("role", [Role.EXPERT, Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN])
def test_other_roles_see_nothing_and_may_not_open_the_library(world, apps, role, client):
    user = factories.user(role)
    assert found(user) == set()
    client.force_login(user)
    assert client.get("/library/").status_code == 403
    assert client.get(f"/library/{apps['a_st'].pk}/").status_code == 403
    assert client.get("/library/export/").status_code == 403
    api = APIClient()
    api.force_authenticate(user)
    assert api.get("/api/library/").status_code == 403


def test_out_of_scope_record_answers_404(world, apps, applicant_a, officer_st, client):
    api = APIClient()
    for user, hidden in [
        (applicant_a, apps["b_st"]),
        (officer_st, apps["a_ocean"]),
        (officer_st, apps["b_draft"]),
    ]:
        client.force_login(user)
        assert client.get(f"/library/{hidden.pk}/").status_code == 404
        api.force_authenticate(user)
        assert api.get(f"/api/library/{hidden.pk}/").status_code == 404
        assert api.get(f"/api/library/{hidden.pk}/timeline/").status_code == 404
    client.force_login(applicant_a)
    assert client.get(f"/library/{apps['a_st'].pk}/").status_code == 200


def test_export_holds_only_the_scope(world, apps, applicant_a, client):
    client.force_login(applicant_a)
    r = client.get("/library/export/")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    titles = {row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert titles == {"海洋甲单位科技局项目", "海洋甲单位海洋局项目"}


def test_applicant_sees_a_decision_only_once_public(world, applicant_a, office):
    app = file_application(world, "审定项目", org=world.org_a, requested="1000000.00")
    item = proposal_item(app, office, amount="900000.00", decided="600000.00", state=ItemState.APPROVED)
    assert search(office).get(pk=app.pk).decided_amount == 600000
    mine = search(applicant_a).get(pk=app.pk)
    assert mine.decided_amount is None and mine.effective_amount == 1000000

    item.state = ItemState.IN_PUBLICITY  # TEST SETUP: as the publicity service does
    item.save(update_fields=["state"])
    assert search(applicant_a).get(pk=app.pk).decided_amount == 600000
