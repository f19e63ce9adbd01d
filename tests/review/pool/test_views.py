"""Pages of the pool: the expert page and status, the Excel import, "我的专家信息", the applicant's
申请回避 list, and the conflict pages — with their scope (applicants and experts never see the pool
or conflicts: 404)."""

import io

import pytest
from openpyxl import load_workbook

from techfund.core.models import AuditEvent
from techfund.review import services
from techfund.review.models import AvailabilityWindow, ConflictFinding, Exclusion, Expert, ExpertRelation
from tests.review.conftest import make_application, make_expert, nothing_saved, valid_id
from tests.review.pool.test_import import row, workbook


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_expert_page_status_and_windows(office, auditor, expert_a, as_user):
    c = as_user(office)
    page = text(c.get(f"/review/experts/{expert_a.pk}/"))
    assert "王甲" in page and "评审履历" in page and "暂停/禁入" in page
    with nothing_saved():
        page = text(c.post(f"/review/experts/{expert_a.pk}/status/", {"status": "banned", "reason": ""}))
    assert "暂停或禁入评审专家须说明原因。" in page
    r = c.post(
        f"/review/experts/{expert_a.pk}/status/",
        {"status": "banned", "until": "2099-12-31", "reason": "违反保密规定"},
    )
    assert r.status_code == 302
    expert_a.refresh_from_db()
    assert (expert_a.status, str(expert_a.status_until)) == ("banned", "2099-12-31")
    r = c.post(
        f"/review/experts/{expert_a.pk}/availability/", {"starts_on": "2026-06-01", "ends_on": "2026-06-30"}
    )
    assert r.status_code == 302 and AvailabilityWindow.objects.filter(expert=expert_a).count() == 1
    page = text(c.get(f"/review/experts/{expert_a.pk}/"))
    assert "至 2099-12-31" in page and "2026-06-30" in page
    # the auditor reads, but changes nothing
    a = as_user(auditor)
    assert "王甲" in text(a.get(f"/review/experts/{expert_a.pk}/"))
    assert a.get(f"/review/experts/{expert_a.pk}/status/").status_code == 403


def test_the_office_form_takes_the_pool_fields(office, expert_a, as_user):
    c = as_user(office)
    data = {"name": "王甲", "id_number": "371102197001010001", "max_load": "10", "status": "active"}
    with nothing_saved():
        page = text(c.post(f"/review/experts/{expert_a.pk}/edit/", data))
    assert "身份证号码“371102197001010001”的校验位不正确。" in page
    data["id_number"], data["phone"], data["email"] = valid_id(31), "0633-1234567", "w@example.com"
    assert c.post(f"/review/experts/{expert_a.pk}/edit/", data).status_code == 302
    expert_a.refresh_from_db()
    assert (expert_a.id_number, expert_a.phone, expert_a.email) == (
        valid_id(31),
        "0633-1234567",
        "w@example.com",
    )


def test_import_page_shows_every_error_then_imports(office, as_user):
    c = as_user(office)
    r = c.get("/review/experts/import/template/")
    assert r.status_code == 200 and load_workbook(io.BytesIO(r.content)).sheetnames[0] == "专家信息"
    bad = io.BytesIO(workbook([row(name=""), row(name="乙", max_load="0")]))
    bad.name = "专家.xlsx"
    with nothing_saved():
        page = text(c.post("/review/experts/import/", {"file": bad}))
    assert "2 处错误（未导入任何专家）" in page
    assert "请填写姓名。" in page and "每轮最多评审数应为 1 到 500 之间的整数，收到“0”。" in page
    good = io.BytesIO(workbook([row(name="甲"), row(name="乙")]))
    good.name = "专家.xlsx"
    r = c.post("/review/experts/import/", {"file": good})
    assert r.status_code == 302 and Expert.objects.filter(name__in=["甲", "乙"]).count() == 2


def test_my_profile_page(expert_a, as_user, org_x):
    c = as_user(expert_a.user)
    page = text(c.get("/review/me/"))
    assert "诚信承诺书" in page and "尚未签署" in page
    r = c.post("/review/me/", {"title": "研究员", "keywords": "海洋", "max_load": "9", "status": "banned"})
    assert r.status_code == 302
    expert_a.refresh_from_db()
    assert (expert_a.title, expert_a.max_load, expert_a.status) == ("研究员", 9, "active")  # status ignored
    assert c.post("/review/me/pledge/").status_code == 302
    expert_a.refresh_from_db()
    assert expert_a.pledge_signed_at is not None
    with nothing_saved():
        page = text(
            c.post("/review/me/relations/", {"kind": "relative", "organisation_uscc": "91371100MA0000000X"})
        )
    assert "尚未在系统登记" in page
    r = c.post("/review/me/relations/", {"kind": "economic", "organisation_uscc": org_x.uscc})
    assert r.status_code == 302
    rel = ExpertRelation.objects.get(expert=expert_a)
    assert c.post(f"/review/relations/{rel.pk}/withdraw/").status_code == 302
    assert not ExpertRelation.objects.exists()
    r = c.post(
        f"/review/experts/{expert_a.pk}/availability/", {"starts_on": "2026-06-01", "ends_on": "2026-06-30"}
    )
    assert r.status_code == 302 and r["Location"] == "/review/me/"


def test_an_expert_not_yet_in_the_pool_is_told_so(expert, as_user):
    page = text(as_user(expert).get("/review/me/"))
    assert "尚未登记入专家库" in page


def test_experts_see_only_themselves(expert_a, expert_b, as_user):
    c = as_user(expert_a.user)
    assert c.get(f"/review/experts/{expert_b.pk}/").status_code == 404
    assert c.get(f"/review/experts/{expert_a.pk}/").status_code == 403  # the pool page is the office's
    window = services.add_availability(
        expert_b, actor=expert_b.user, starts_on="2026-06-01", ends_on="2026-06-02"
    )
    with nothing_saved():
        assert c.post(f"/review/availability/{window.pk}/remove/").status_code == 404
        assert (
            c.post(f"/review/experts/{expert_b.pk}/availability/", {"starts_on": "2026-07-01"}).status_code
            == 404
        )


def test_the_applicants_exclusion_page(call, org_x, applicant_x, applicant, office, expert_a, as_user):
    app = make_application(call, organisation=org_x, until="submitted")
    c = as_user(applicant_x)
    page = text(c.get(f"/review/applications/{app.pk}/exclusions/"))
    assert "最多 3 名" in page and "还可填写 3 名" in page
    with nothing_saved():
        page = text(c.post(f"/review/applications/{app.pk}/exclusions/", {"name": "", "reason": ""}))
    assert "请填写回避专家姓名。" in page
    r = c.post(
        f"/review/applications/{app.pk}/exclusions/",
        {"name": "王甲", "organisation_name": "山东大学", "reason": "竞争"},
    )
    assert r.status_code == 302
    page = text(c.get(f"/review/applications/{app.pk}/exclusions/"))
    assert "王甲" in page and "还可填写 2 名" in page
    assert "回避检查" not in page and "评审专家库" not in page  # the applicant never sees the pool
    # another organisation's applicant: 404; the office reads but does not write
    assert as_user(applicant).get(f"/review/applications/{app.pk}/exclusions/").status_code == 404
    o = as_user(office)
    assert "王甲" in text(o.get(f"/review/applications/{app.pk}/exclusions/"))
    with nothing_saved():
        assert (
            o.post(f"/review/applications/{app.pk}/exclusions/", {"name": "赵乙", "reason": "x"}).status_code
            == 403
        )
    e = Exclusion.objects.get()
    assert as_user(applicant_x).post(f"/review/exclusions/{e.pk}/remove/").status_code == 302
    assert not Exclusion.objects.exists()


def test_conflict_pages_for_the_office_and_auditor(draft_round, office, auditor, app1, org_x, as_user):
    insider = make_expert(office, name="周戊", organisation=org_x)
    c = as_user(office)
    assert "A 通讯评审" in text(c.get("/review/conflicts/")) or "通讯评审" in text(
        c.get("/review/conflicts/")
    )
    r = c.post(f"/review/rounds/{draft_round.pk}/conflicts/check/")
    assert r.status_code == 302
    finding = ConflictFinding.objects.get()
    assert (finding.application_id, finding.expert_id, finding.rule) == (app1.pk, insider.pk, "same_entity")
    assert AuditEvent.objects.filter(action="review.conflicts.checked").count() == 1
    page = text(c.get(f"/review/rounds/{draft_round.pk}/conflicts/?rule=same_entity"))
    assert "周戊" in page and "即申报单位" in page
    assert "周戊" not in text(c.get(f"/review/rounds/{draft_round.pk}/conflicts/?rule=excluded"))
    r = c.get(f"/review/rounds/{draft_round.pk}/conflicts/?format=xlsx")
    assert r.status_code == 200 and r["X-Rows"] == "1"
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert [c.value for c in ws[2]][:3] == [app1.number, app1.title, "周戊"]
    page = text(c.get(f"/review/applications/{app1.pk}/conflicts/"))
    assert "周戊" in page and "同一法人单位" in page
    a = as_user(auditor)
    assert "周戊" in text(a.get(f"/review/rounds/{draft_round.pk}/conflicts/"))
    with nothing_saved():
        assert a.post(f"/review/rounds/{draft_round.pk}/conflicts/check/").status_code == 403


@pytest.mark.parametrize("who", ["applicant_x", "leader", "finance", "officer"])
def test_nobody_else_sees_conflicts(who, draft_round, app1, office, org_x, request, as_user):
    make_expert(office, name="周戊", organisation=org_x)
    services.check_round_conflicts(draft_round, actor=office)
    c = as_user(request.getfixturevalue(who))
    for url in (
        "/review/conflicts/",
        f"/review/rounds/{draft_round.pk}/conflicts/",
        f"/review/rounds/{draft_round.pk}/conflicts/?format=xlsx",
        f"/review/applications/{app1.pk}/conflicts/",
    ):
        assert c.get(url).status_code == 404, url


def test_applicants_never_reach_the_pool(applicant_x, expert_a, as_user):
    c = as_user(applicant_x)
    assert c.get(f"/review/experts/{expert_a.pk}/").status_code == 404
    assert c.get("/review/me/").status_code == 404
    assert c.get("/review/experts/import/").status_code == 403
