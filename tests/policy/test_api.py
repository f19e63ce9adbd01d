"""GET /api/policy/active/ and /api/policy/profiles/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from techfund.core.enums import Role
from techfund.policy import api_urls
from techfund.policy.loader import load_text
from tests import factories
from tests.policy.helpers import mutate, preset_text

pytestmark = pytest.mark.django_db


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_active_profile(client, rizhao, office):
    response = get(client, office, "/api/policy/active/")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["city"], body["year"], body["version"], body["is_active"]) == (
        "rizhao",
        "日照市",
        2026,
        1,
        True,
    )
    assert body["min_annual_scale"] == "200000000.00"
    assert body["equity_pilot_share"] == "0.1000"
    assert len(body["focus_areas"]) == 6 and body["focus_areas"][5]["stable_support"] is True
    assert len(body["source_types"]) == 10
    talent = next(s for s in body["source_types"] if s["code"] == "talent")
    assert talent == {
        **talent,
        "department": "human_resources",
        "department_name": "市人力资源和社会保障局",
        "own_procedure": True,
        "procedure_owner": "市委人才工作领导小组",
        "level": "municipal",
    }
    assert [d["short_name"] for d in body["departments"]][:3] == ["科技", "工信", "人社"]
    assert body["rules"]["security"]["lockout_failures"] == 5
    assert body["rules"]["indirect_costs"]["mark"] == "S/R"
    assert body["source_digest"] == rizhao.source_digest
    assert "source_text" not in body


def test_year_parameter_and_nothing_loaded(client, office):
    assert get(client, office, "/api/policy/active/").status_code == 404
    factories_profile = load_text(preset_text("taian"), actor=None, year=2030)
    assert client.get("/api/policy/active/?year=2030").json()["id"] == factories_profile.pk


def test_versions(client, rizhao, finance):
    text, _ = mutate(preset_text(), "    working_days: 5\n", "    working_days: 6\n")
    v2 = load_text(text, actor=None)
    body = get(client, finance, "/api/policy/profiles/").json()
    assert body["count"] == 2
    assert [(p["version"], p["is_active"]) for p in body["results"]] == [(2, True), (1, False)]
    old = client.get(f"/api/policy/profiles/{rizhao.pk}/").json()
    assert old["rules"]["publicity"]["working_days"] == 5 and old["is_active"] is False
    assert client.get(f"/api/policy/profiles/{v2.pk}/").json()["rules"]["publicity"]["working_days"] == 6


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EXPERT])
def test_not_visible_to_applicants_and_experts(client, rizhao, role):
    user = factories.user(role)
    for url in ("/api/policy/active/", "/api/policy/profiles/", f"/api/policy/profiles/{rizhao.pk}/"):
        assert get(client, user, url).status_code == 404, url


def test_anonymous_is_refused(client, rizhao):
    assert client.get("/api/policy/active/").status_code in (401, 403)


def test_query_count_does_not_grow(client, rizhao, office):
    client.force_login(office)
    client.get("/api/policy/active/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/policy/active/").status_code == 200
        assert client.get("/api/policy/profiles/").status_code == 200
    for n in (6, 7):
        load_text(mutate(preset_text(), "    working_days: 5\n", f"    working_days: {n}\n")[0], actor=None)
    with CaptureQueriesContext(connection) as three:
        assert client.get("/api/policy/active/").json()["version"] == 3
        assert client.get("/api/policy/profiles/").json()["count"] == 3
    assert len(one) == len(three) <= 24


def test_openapi_schema_documents_the_endpoints():
    schema = SchemaGenerator(patterns=api_urls.urlpatterns).get_schema(request=None, public=True)
    paths = schema["paths"]
    assert set(paths) == {"/policy/active/", "/policy/profiles/", "/policy/profiles/{id}/"}
    active = paths["/policy/active/"]["get"]
    assert active["operationId"] == "policy_active"
    assert active["parameters"][0]["name"] == "year"
    profile = schema["components"]["schemas"]["PolicyProfile"]["properties"]
    assert {"focus_areas", "source_types", "departments", "rules"} <= set(profile)
    assert profile["departments"]["type"] == "array"
