"""The list pages cost the same number of queries for 1 request as for 3 (no N+1)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from techfund.emergency import services as es


def queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


def test_list_page_and_api(submit, leader, client):
    client.force_login(leader)
    api = APIClient()
    api.force_authenticate(leader)
    es.approve_emergency(submit(amount="1000"), actor=leader, basis="同意")
    one, one_api = queries(client, "/emergency/"), queries(api, "/api/emergency/requests/")
    es.approve_emergency(submit(amount="1000"), actor=leader, basis="同意")
    submit(amount="1000")
    assert queries(client, "/emergency/") == one
    assert queries(api, "/api/emergency/requests/") == one_api
