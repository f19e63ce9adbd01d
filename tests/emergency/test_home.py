"""Pending work on the leading group's home page and the links of each role."""

from techfund.core.home import links_for, pending_for
from techfund.emergency import services as es


def test_leading_group_sees_requests_to_decide(req, leader, office):
    (item,) = [p for p in pending_for(leader)["leading_group"] if p.kind == "一事一议申请待审定"]
    assert item.title == req.title and item.url == f"/emergency/{req.pk}/"
    assert item.detail == "YS2026-001 · 日照应急技术研究院 · 重大科技创新专项 · 2,000,000.00 元"
    es.reject_emergency(req, actor=leader, basis="不同意")
    assert not [p for p in pending_for(leader)["leading_group"] if p.kind == "一事一议申请待审定"]


def test_links(office, leader, finance, auditor, officer, applicant, expert):
    for user in (office, leader, finance, auditor, officer):
        assert "emergency:request_list" in [name for name, _ in links_for(user)]
    for user in (applicant, expert):
        assert "emergency:request_list" not in [name for name, _ in links_for(user)]
