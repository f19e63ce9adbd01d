from techfund.core.home import links_for, pending_for
from techfund.funds import services
from tests.funds.conftest import contribute


def kinds(user, role):
    return [(p.kind, p.title) for p in pending_for(user)[role]]


def test_the_leading_group_sees_submitted_frameworks(submitted, leader):
    (item,) = [p for p in pending_for(leader)["leading_group"] if p.kind == "框架配置待审定"]
    assert item.title == submitted.title and item.url == f"/funds/frameworks/{submitted.pk}/"
    assert item.detail == "合计 130,000,000.00 元"


def test_the_office_sees_drafts_returned_frameworks_and_small_pools(fund_year, office, leader):
    contribute(fund_year, office, "st_innovation", "150000000.00")
    items = kinds(office, "office")
    assert ("资金规模低于最低要求", fund_year.name) in items
    fw = services.propose_framework(fund_year, actor=office, allocations={"key_rd": "1000.00"})
    assert ("框架配置草稿，待报领导小组", fw.title) in kinds(office, "office")
    services.submit_framework(fw, actor=office)
    assert not [k for k, _ in kinds(office, "office") if k.startswith("框架配置")]
    assert ("框架配置待审定", fw.title) in kinds(leader, "leading_group")
    services.return_framework(fw, actor=leader, reason="再议")
    (item,) = [p for p in pending_for(office)["office"] if p.kind == "框架配置被退回，待修改"]
    assert item.detail == "合计 1,000.00 元；退回理由：再议"
    assert not [p for p in pending_for(leader)["leading_group"] if p.kind == "框架配置待审定"]


def test_no_pending_fund_work_for_others(submitted, applicant, expert, finance):
    for user in (applicant, expert, finance):
        for items in pending_for(user).values():
            assert not [p for p in items if p.url.startswith("/funds/")]


def test_links(office, leader, finance, auditor, st_officer, applicant, expert):
    for user in (office, leader, finance, auditor, st_officer):
        assert "funds:year_list" in [name for name, _ in links_for(user)]
    for user in (applicant, expert):
        assert "funds:year_list" not in [name for name, _ in links_for(user)]
