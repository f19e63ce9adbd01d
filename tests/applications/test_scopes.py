"""Who sees which application (404 outside the scope, 403 for the wrong role), on pages and in services,
and the permission matrix of role × action."""

import pytest

from techfund.applications import services
from techfund.applications.scopes import visible_applications, visible_batches
from techfund.core.permissions import can
from tests.calls.builders import make_application


@pytest.fixture
def app(call, applicant):
    return make_application(call, applicant, submit=True)


@pytest.fixture
def draft(call, applicant):
    return make_application(call, applicant, title="草稿", n=7)


def test_scopes(
    app, draft, applicant, other_applicant, st_officer, it_officer, office, leader, finance, auditor, expert
):
    assert set(visible_applications(applicant)) == {app, draft}
    assert not visible_applications(other_applicant).exists()
    assert list(visible_applications(st_officer)) == [app]  # a draft never submitted stays the applicant's
    assert not visible_applications(it_officer).exists()
    for reader in (office, leader, finance, auditor):
        assert set(visible_applications(reader)) == {app, draft}
    assert not visible_applications(expert).exists()


@pytest.mark.parametrize("who", ["other_applicant", "it_officer", "expert"])
def test_out_of_scope_pages_answer_404(client, app, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in (
        f"/applications/{app.pk}/",
        f"/applications/{app.pk}/edit/",
        f"/applications/{app.pk}/submit/",
        f"/applications/{app.pk}/withdraw/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/applications/{app.pk}/prescreen/",
        f"/applications/{app.pk}/formal-check/",
        f"/applications/{app.pk}/autosave/",
    ):
        assert client.post(url, {"decision": "recommend"}).status_code == 404, url
    assert client.get(f"/api/applications/{app.pk}/").status_code == 404


def test_experts_see_no_application_list(client, expert):
    client.force_login(expert)
    assert client.get("/applications/").status_code == 404
    assert client.get("/api/applications/").json()["results"] == []


@pytest.mark.parametrize("who", ["leader", "finance", "auditor", "st_officer"])
def test_the_wrong_role_gets_403(client, app, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/applications/{app.pk}/").status_code == 200
    assert client.get(f"/applications/{app.pk}/edit/").status_code == 403
    assert client.post(f"/applications/{app.pk}/formal-check/", {"result": "passed"}).status_code == 403


def test_the_office_may_not_prescreen_nor_edit(client, app, office):
    client.force_login(office)
    assert client.post(f"/applications/{app.pk}/prescreen/", {"decision": "recommend"}).status_code == 403
    assert client.get(f"/applications/{app.pk}/edit/").status_code == 403
    assert client.get("/applications/screening/").status_code == 403


def test_only_the_office_reaches_the_formal_queue(client, applicant, st_officer, office):
    for user, status in ((applicant, 403), (st_officer, 403), (office, 200)):
        client.force_login(user)
        assert client.get("/applications/formal/").status_code == status


MATRIX = {
    # permission: roles that hold it on an application routed to 科技 of the applicant's organisation
    "applications.view": {"applicant", "st_officer", "office", "leader", "finance", "auditor"},
    "applications.edit": {"applicant"},
    "applications.submit": {"applicant"},
    "applications.withdraw": {"applicant"},
    "applications.prescreen": {"st_officer"},
    "applications.formal_check": {"office"},
    "applications.view_batch": {"st_officer", "office", "leader", "finance", "auditor"},
}
PEOPLE = (
    "applicant",
    "other_applicant",
    "st_officer",
    "it_officer",
    "office",
    "leader",
    "finance",
    "auditor",
    "expert",
)


@pytest.mark.parametrize("perm", sorted(MATRIX))
def test_permission_matrix(app, perm, request):
    for who in PEOPLE:
        user = request.getfixturevalue(who)
        assert can(user, perm, app) == (who in MATRIX[perm]), (perm, who)


def test_batches_are_seen_by_their_department_and_the_readers(
    call, app, st_officer, it_officer, office, applicant
):
    services.prescreen(app, actor=st_officer, decision="recommend")
    batch = services.forward_batch(
        call, actor=st_officer, department="science_technology", applications=[app]
    )
    assert list(visible_batches(st_officer)) == [batch]
    assert list(visible_batches(office)) == [batch]
    assert not visible_batches(it_officer).exists()
    assert not visible_batches(applicant).exists()
