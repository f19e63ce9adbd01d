"""Home-page pending work and links of each role."""

from techfund.applications import services
from techfund.core.home import links_for, pending_for
from tests.calls.builders import make_application, make_call


def kinds(user, role):
    return [(p.kind, p.title, p.detail) for p in pending_for(user)[role]]


def test_applicant_sees_drafts_and_returned_applications(call, applicant, st_officer):
    draft = make_application(call, applicant, title="草稿项目", n=2)
    returned = make_application(call, applicant, submit=True)
    services.prescreen(returned, actor=st_officer, decision="return", reason="补充材料")
    items = kinds(applicant, "applicant")
    assert (
        "被部门退回，待修改后重新提交",
        f"{returned.number} {returned.title}",
        "退回理由：补充材料",
    ) in items
    assert any(k == "申报书草稿，待提交" and t == f"{draft.number} 草稿项目" for k, t, _ in items)
    assert ("applications:list", "我的申报") in [(u, str(label)) for u, label in links_for(applicant)]


def test_department_sees_counts_per_call(call, applicant, other_applicant, st_officer, it_officer):
    a = make_application(call, applicant, submit=True)
    make_application(call, other_applicant, title="二", n=2, submit=True)
    services.prescreen(a, actor=st_officer, decision="recommend")
    items = kinds(st_officer, "department")
    assert ("申报待部门初审", f"{call.code} {call.title}", "1 项") in items
    assert ("已推荐，待报送办公室", f"{call.code} {call.title}", "1 项") in items
    assert kinds(it_officer, "department") == []


def test_office_sees_draft_calls_and_forwarded_applications(fund_year, call, applicant, st_officer, office):
    draft_call = make_call(fund_year, office, publish=False, code="2026-ZD-D", title="草稿指南")
    app = make_application(call, applicant, submit=True)
    services.prescreen(app, actor=st_officer, decision="recommend")
    services.forward_batch(call, actor=st_officer, department="science_technology", applications=[app])
    items = kinds(office, "office")
    assert any(k == "申报指南草稿，待发布" and t == f"{draft_call.code} 草稿指南" for k, t, _ in items)
    assert ("待形式审查", f"{call.code} {call.title}", "1 项") in items
    urls = [u for u, _label in links_for(office)]
    assert "calls:list" in urls and "applications:formal_queue" in urls


def test_home_page_renders_for_each_role(client, call, applicant, st_officer, office):
    make_application(call, applicant)
    for user in (applicant, st_officer, office):
        client.force_login(user)
        assert client.get("/").status_code == 200
