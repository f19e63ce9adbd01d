"""Every role × every monitoring page and endpoint: 200 (sees / may act), 403 (sees, may not act),
404 (outside its scope, as if it did not exist)."""

import pytest
from rest_framework.test import APIClient

from techfund.core.permissions import can
from techfund.monitoring import services as monitoring
from tests.monitoring.conftest import IN_P1, submit

ROLES = [
    "office",
    "leader",
    "finance",
    "auditor",
    "own_officer",
    "other_officer",
    "own_unit",
    "other_unit",
    "expert",
]
GOV = {"office", "leader", "finance", "auditor"}
OFFICERS = {"own_officer", "other_officer"}
UNITS = {"own_unit", "other_unit"}
PROJECT = GOV | {"own_officer", "own_unit"}  # who sees project A's monitoring


def expect(role, ok=(), forbidden=()):
    return 200 if role in ok else 403 if role in forbidden else 404


@pytest.fixture
def world(
    paid,
    running,
    unit_user,
    dept_officer,
    other_officer,
    other_unit,
    office,
    leader,
    finance,
    auditor,
    expert,
):
    report = submit(running, unit_user, today=IN_P1)
    issued = monitoring.issue_rectification(
        running, actor=dept_officer, issue="问题一", requirement="要求一", today=IN_P1
    )
    responded = monitoring.issue_rectification(
        running, actor=dept_officer, issue="问题二", requirement="要求二", today=IN_P1
    )
    monitoring.respond_rectification(responded, actor=unit_user, response="已整改", today=IN_P1)
    esc = monitoring.escalate(
        running, actor=dept_officer, summary="重大问题", suggested_action="suspend", today=IN_P1
    )
    users = {
        "office": office,
        "leader": leader,
        "finance": finance,
        "auditor": auditor,
        "own_officer": dept_officer,
        "other_officer": other_officer,
        "own_unit": unit_user,
        "other_unit": other_unit,
        "expert": expert,
    }
    return users, running, report, issued, responded, esc


def test_pages_and_endpoints_by_role(world, client, clock):
    clock(IN_P1)
    users, p, report, issued, responded, esc = world
    reads = GOV | OFFICERS | UNITS
    pages = {
        "overview": ("/monitoring/", dict(ok=reads)),
        "reports": ("/monitoring/reports/", dict(ok=reads)),
        "rectifications": ("/monitoring/rectifications/", dict(ok=reads)),
        "escalations": ("/monitoring/escalations/", dict(ok=GOV | OFFICERS)),
        "export": ("/monitoring/overdue.xlsx", dict(ok=GOV | OFFICERS, forbidden=UNITS)),
        "project": (f"/monitoring/projects/{p.pk}/", dict(ok=PROJECT)),
        "report": (f"/monitoring/reports/{report.pk}/", dict(ok=PROJECT)),
        "rectification": (f"/monitoring/rectifications/{issued.pk}/", dict(ok=PROJECT)),
        "escalation": (f"/monitoring/escalations/{esc.pk}/", dict(ok=GOV | {"own_officer"})),
        "submit": (f"/monitoring/projects/{p.pk}/report/", dict(ok={"own_unit"}, forbidden=PROJECT)),
        "review": (
            f"/monitoring/reports/{report.pk}/review/",
            dict(ok={"office", "own_officer"}, forbidden=PROJECT),
        ),
        "rectify": (
            f"/monitoring/projects/{p.pk}/rectify/",
            dict(ok={"office", "own_officer"}, forbidden=PROJECT),
        ),
        "respond": (
            f"/monitoring/rectifications/{issued.pk}/respond/",
            dict(ok={"own_unit"}, forbidden=PROJECT),
        ),
        "verify": (
            f"/monitoring/rectifications/{responded.pk}/verify/",
            dict(ok={"office", "own_officer"}, forbidden=PROJECT),
        ),
        "escalate": (f"/monitoring/projects/{p.pk}/escalate/", dict(ok={"own_officer"}, forbidden=PROJECT)),
        "handle": (
            f"/monitoring/escalations/{esc.pk}/handle/",
            dict(ok={"office"}, forbidden=GOV | {"own_officer"}),
        ),
        "api report": (f"/api/monitoring/reports/{report.pk}/", dict(ok=PROJECT)),
        "api rectification": (f"/api/monitoring/rectifications/{issued.pk}/", dict(ok=PROJECT)),
        "api escalation": (f"/api/monitoring/escalations/{esc.pk}/", dict(ok=GOV | {"own_officer"})),
        "api schedule": (f"/api/monitoring/schedules/{p.pk}/", dict(ok=PROJECT)),
    }
    # writes through the API that fail on permission or scope before touching anything
    posts = {
        "api review": (
            f"/api/monitoring/reports/{report.pk}/review/",
            dict(ok=(), forbidden=PROJECT - {"office", "own_officer"}),
        ),
        "api handle": (
            f"/api/monitoring/escalations/{esc.pk}/handle/",
            dict(ok=(), forbidden=GOV - {"office"} | {"own_officer"}),
        ),
    }
    got, want = {}, {}
    for role in ROLES:
        client.force_login(users[role])
        api = APIClient()
        api.force_authenticate(users[role])
        for name, (url, rule) in pages.items():
            got[(role, name)] = client.get(url).status_code
            want[(role, name)] = expect(role, **rule)
        for name, (url, rule) in posts.items():
            status = api.post(url, {"decision": "x"}, format="json").status_code
            got[(role, name)] = status
            # the office and the department get 400 for the bad review decision; the office's handling
            # (any text is a decision) succeeds; the others get 403 / 404 before their input is read
            want[(role, name)] = {("office", "api review"): 400, ("own_officer", "api review"): 400}.get(
                (role, name), 200 if (role, name) == ("office", "api handle") else expect(role, **rule)
            )
    assert {k: v for k, v in got.items() if v != want[k]} == {}
    # lists are scoped
    api = APIClient()
    for role, n in (("office", 1), ("own_unit", 1), ("other_officer", 0), ("other_unit", 0), ("expert", 0)):
        api.force_authenticate(users[role])
        assert len(api.get("/api/monitoring/reports/").json()["results"]) == n, role
        assert len(api.get("/api/monitoring/rectifications/").json()["results"]) == 2 * n, role


PERMS = {
    "monitoring.view": PROJECT,
    "monitoring.view_escalation": GOV | {"own_officer"},
    "monitoring.submit_report": {"own_unit"},
    "monitoring.review_report": {"office", "own_officer"},
    "monitoring.issue_rectification": {"office", "own_officer"},
    "monitoring.respond_rectification": {"own_unit"},
    "monitoring.verify_rectification": {"office", "own_officer"},
    "monitoring.escalate": {"own_officer"},
    "monitoring.handle_escalation": {"office"},
}


def test_rules_by_role(world):
    users, p, report, issued, responded, esc = world
    got = {(perm, role): can(users[role], perm, p) for perm in PERMS for role in ROLES}
    assert got == {(perm, role): role in allowed for perm, allowed in PERMS.items() for role in ROLES}
    assert {r for r in ROLES if can(users[r], "monitoring.export_overdue")} == GOV | OFFICERS


def test_anonymous_is_sent_to_login(client, db):
    for url in ("/monitoring/", "/monitoring/reports/", "/monitoring/overdue.xlsx"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r["Location"] or "/accounts/login" in r["Location"]
    assert client.get("/api/monitoring/reports/").status_code in (401, 403)
