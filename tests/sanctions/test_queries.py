"""List pages and API lists cost the same number of queries for 1 record as for 3 (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from techfund.sanctions import services
from tests.sanctions.conftest import DEADLINE


def queries(client, url) -> int:
    client.get(url)  # warm up (session, grants, content types)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx)


def cycle(project, office, finance, n):
    """``n`` suspensions and lifts (effective), and ``n`` recovery orders, each confirmed and partly received."""
    for i in range(n):
        for kind in ("suspend", "lift"):
            order = services.propose_sanction(project, actor=office, kind=kind, reason="x", basis="y")
            services.decide_sanction(order, actor=finance, decision="concur")
        rec = services.issue_recovery(
            project, actor=office, amount="1000", reason="x", basis="y", deadline=DEADLINE
        )
        services.decide_recovery(rec, actor=finance, decision="concur")
        services.record_receipt(rec, actor=finance, amount="10", treasury_ref=f"JK-{project.pk}-{rec.pk}-{i}")


URLS = [
    "/sanctions/",
    "/sanctions/orders/",
    "/sanctions/recoveries/",
    "/api/sanctions/orders/",
    "/api/sanctions/recoveries/",
    "/api/sanctions/receipts/",
]


def test_lists_do_not_grow_with_records(paid, project, office, finance, client):
    client.force_login(finance)
    api = APIClient()
    api.force_authenticate(finance)
    cycle(project, office, finance, 1)
    one = {url: queries(api if url.startswith("/api/") else client, url) for url in URLS}
    one["panel"] = panel_queries(project, finance)
    cycle(project, office, finance, 2)
    three = {url: queries(api if url.startswith("/api/") else client, url) for url in URLS}
    three["panel"] = panel_queries(project, finance)
    assert three == one


def panel_queries(project, user) -> int:
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    render_to_string("sanctions/_project_panel.html", {"project": project, "request": request})
    with CaptureQueriesContext(connection) as ctx:
        render_to_string("sanctions/_project_panel.html", {"project": project, "request": request})
    return len(ctx)


@pytest.mark.parametrize("pk_url", ["/sanctions/orders/{order}/", "/sanctions/recoveries/{rec}/"])
def test_detail_pages_do_not_grow_with_receipts_and_trail(paid, project, office, finance, client, pk_url):
    client.force_login(finance)
    order = services.propose_sanction(project, actor=office, kind="suspend", reason="x", basis="y")
    rec = services.issue_recovery(
        project, actor=office, amount="1000", reason="x", basis="y", deadline=DEADLINE
    )
    services.decide_recovery(rec, actor=finance, decision="concur")
    services.record_receipt(rec, actor=finance, amount="10", treasury_ref="JK-A")
    url = pk_url.format(order=order.pk, rec=rec.pk)
    one = queries(client, url)
    services.record_receipt(rec, actor=finance, amount="10", treasury_ref="JK-B")
    services.record_receipt(rec, actor=finance, amount="10", treasury_ref="JK-C")
    assert queries(client, url) == one
