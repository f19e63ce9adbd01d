"""Pending work on the home page and the links of each role."""

import datetime as dt

from techfund.core.home import links_for, pending_for
from techfund.decisions import services
from tests.decisions.conftest import IN_PERIOD_DATE


def kinds(user, role):
    return [(p.kind, p.title) for p in pending_for(user)[role]]


def test_leading_group_sees_submitted_batches(submitted, proposed, leader, office):
    (item,) = [p for p in pending_for(leader)["leading_group"] if p.kind == "立项建议待审定"]
    assert item.title == submitted.title and item.url == f"/decisions/batches/{submitted.pk}/"
    assert item.detail == "2项，合计 7,000,000.00 元；待审定 2 项"
    assert not [p for p in pending_for(office)["office"] if p.kind == "立项建议草稿，待报领导小组"]


def test_office_sees_drafts_items_to_publicise_objections_and_ended_periods(
    batch, proposed, fund_year, office, leader
):
    assert ("立项建议草稿，待报领导小组", batch.title) in kinds(office, "office")
    services.submit_batch(batch, actor=office)
    a, b = proposed
    services.decide_item(a, actor=leader, decision="approve", basis="同意")
    services.decide_item(b, actor=leader, decision="approve", basis="同意")
    (todo,) = [p for p in pending_for(office)["office"] if p.kind == "审定同意，待公示"]
    assert todo.title == f"{fund_year.year}年度 2 个审定项目待公示" and todo.detail == "合计 7,000,000.00 元"
    assert todo.url == f"/decisions/publicities/new/?year={fund_year.year}"
    p = services.publish_publicity(fund_year, actor=office, items=[a, b], starts_on=dt.date(2026, 9, 29))
    services.file_objection(p, item=a, name="张三", contact="1", reason="x", today=IN_PERIOD_DATE)
    items = kinds(office, "office")
    assert ("公示异议待处理", a.application.title) in items
    assert ("公示期满，待办结", p.title) in items  # ended 2026-10-10, before today
    assert not [k for k, _t in items if k == "审定同意，待公示"]


def test_links(office, leader, finance, auditor, officer, applicant, expert):
    for user in (office, leader, finance, auditor):
        names = [name for name, _ in links_for(user)]
        assert {"decisions:batch_list", "decisions:publicity_list", "decisions:item_list"} <= set(names)
    for user in (officer, applicant):
        names = [name for name, _ in links_for(user)]
        assert "decisions:item_list" in names and "decisions:batch_list" not in names
    assert not [n for n, _ in links_for(expert) if n.startswith("decisions:")]
