"""Every role × every page and endpoint of this stage × in/out of scope: 200 where the role sees the
record, 404 outside its scope (as if it did not exist), 403 for what it may see but not do."""

import pytest
from rest_framework.test import APIClient

from techfund.awards import services
from techfund.core.enums import Role
from tests import factories
from tests.awards.conftest import DD_DAY, running_post_award


@pytest.fixture
def world(
    call, finalists, dd, subsidy_project, office, leader, finance, auditor, expert, sysadmin, fund_year
):
    p = subsidy_project
    other = running_post_award(
        fund_year, office, leader, finance, amount="500000.00", title="另一个后补助项目"
    )
    users = {
        "office": office,
        "leader": leader,
        "finance": finance,
        "auditor": auditor,
        "dept": p.officer,
        "unit": p.unit_user,
        "other_dept": factories.user(Role.DEPARTMENT, department=factories.department()),
        "other_unit": other.unit_user,
        "expert": expert,
        "sysadmin": sysadmin,
    }
    return p, call, dd[0], users


READERS = {"office", "leader", "finance", "auditor"}
NOBODY = {"expert", "sysadmin"}


def test_pages_by_role(world, client):
    p, call, record, users = world
    for name, user in users.items():
        client.force_login(user)
        got = client.get("/awards/").status_code
        assert got == (404 if name in NOBODY else 200), (name, got)
        # the prize schedule and its export: readers; departments see the call but may not (403)
        for url in (f"/awards/competitions/{call.pk}/", f"/awards/competitions/{call.pk}/export/"):
            got = client.get(url).status_code
            want = 200 if name in READERS else 403 if name in {"dept", "other_dept"} else 404
            assert got == want, (name, url, got)
        got = client.get(f"/awards/competitions/{call.pk}/diligence/").status_code
        assert got == (200 if name in READERS | {"dept", "other_dept"} else 404), (name, got)
        got = client.get(f"/awards/competitions/{call.pk}/diligence/new/").status_code
        assert got == (
            200 if name == "office" else 403 if name in READERS | {"dept", "other_dept"} else 404
        ), (name, got)
        # the post-award project page: whoever sees the project
        got = client.get(f"/awards/projects/{p.pk}/").status_code
        assert got == (200 if name in READERS | {"dept", "unit"} else 404), (name, got)
        got = client.post(
            f"/awards/projects/{p.pk}/verify/", {"evidence": "", "eligible_spending": ""}
        ).status_code
        assert got == (200 if name == "dept" else 403 if name in READERS | {"unit"} else 404), (name, got)
        client.logout()
    assert client.get("/awards/").status_code == 302


def test_api_by_role(world):
    p, call, record, users = world
    for name, user in users.items():
        api = APIClient()
        api.force_authenticate(user)
        got = api.get(f"/api/awards/competitions/{call.pk}/").status_code
        assert got == (200 if name in READERS else 403 if name in {"dept", "other_dept"} else 404), (
            name,
            got,
        )
        got = api.get(f"/api/awards/diligence/{record.pk}/").status_code
        # the finalist's routing department sees the record; the other department does not
        dept_sees = record.application.department_id in users[name].department_ids()
        assert got == (200 if name in READERS or dept_sees else 404), (name, got)
        got = api.get(f"/api/awards/projects/{p.pk}/").status_code
        assert got == (200 if name in READERS | {"dept", "unit"} else 404), (name, got)
        got = api.post(f"/api/awards/projects/{p.pk}/instruct/").status_code
        assert got == (400 if name == "finance" else 403 if name in READERS | {"dept", "unit"} else 404), (
            name,
            got,
        )
        data = api.get("/api/awards/projects/").json()["results"]
        assert (p.pk in {r["id"] for r in data}) is (name in READERS | {"dept", "unit"}), name
    assert APIClient().get("/api/awards/projects/").status_code in (401, 403)


def test_schedule_page_shows_the_prizes_and_export(world, client):
    p, call, record, users = world
    client.force_login(users["office"])
    page = client.get(f"/awards/competitions/{call.pk}/").content.decode()
    assert "2,800,000.00" in page and "2项并列" in page
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(f"/awards/competitions/{call.pk}/export/").content))
    assert wb.sheetnames == ["奖补名单", "奖项设置", "导出说明"]
    rows = list(wb["奖补名单"].iter_rows(min_row=2, values_only=True))
    assert [r[8] for r in rows] == [1000000, 600000, 600000, 300000, 300000, 0]


def test_record_diligence_and_verify_through_pages(world, client, fund_year):
    p, call, record, users = world
    client.force_login(users["office"])
    remaining = [ln.application for ln in services.prize_schedule(call).lines if ln.diligence is None]
    r = client.post(
        f"/awards/competitions/{call.pk}/diligence/new/",
        {
            "application": remaining[0].pk,
            "conducted_on": DD_DAY.isoformat(),
            "investigators": "王五",
            "findings": "属实",
            "conclusion": "confirmed",
        },
    )
    assert r.status_code == 302
    client.force_login(users["dept"])
    r = client.post(
        f"/awards/projects/{p.pk}/verify/", {"evidence": "验收报告", "eligible_spending": "100.05"}
    )
    assert r.status_code == 302
    p.award_verification.refresh_from_db()
    assert str(p.award_verification.approved_amount) == "30.02"  # 100.05 × 0.30 = 30.015 → 30.02
