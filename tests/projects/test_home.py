"""Pending work on the home page and the links of each role."""

import datetime as dt

from django.utils import timezone

from techfund.core.home import links_for, pending_for
from techfund.projects import services
from tests.projects.conftest import SIGNED_ON


def kinds(user, role):
    return [(p.kind, p.title) for p in pending_for(user)[role]]


def test_finance_sees_items_to_arrange_approvals_and_tranches_to_pay(final_items, finance, fund_year):
    (todo,) = [p for p in pending_for(finance)["finance"] if p.kind == "待安排预算"]
    assert todo.title == "2026年度 2 个立项项目待安排预算" and todo.detail == "合计 7,000,000.00 元"
    assert todo.url == "/projects/arrange/?year=2026"
    p = services.arrange_item(final_items[0], actor=finance)
    (todo,) = [p for p in pending_for(finance)["finance"] if p.kind == "待安排预算"]
    assert todo.title == "2026年度 1 个立项项目待安排预算"
    assert ("预算待确认按法定程序批准", f"{p.number} {p.title}") in kinds(finance, "finance")
    services.confirm_statutory_approval(p, actor=finance)
    assert not [k for k, _t in kinds(finance, "finance") if k == "预算待确认按法定程序批准"]


def test_tranches_due_for_payment(running, contract, paid, finance, office):
    second = contract.tranches.get(seq=2)
    due = [p for p in pending_for(finance)["finance"] if "拨付" in p.kind]
    if second.due_date <= timezone.localdate():  # mid-term has come: the second tranche is due
        (item,) = due
        assert item.url == f"/projects/tranches/{second.pk}/pay/"
    else:
        assert due == []  # the first tranche is paid, the second waits for its date
    assert not [p for p in pending_for(office)["office"] if "拨付" in p.kind]


def test_a_signed_contract_puts_its_first_tranche_on_finance_s_list(running, contract, finance):
    first = contract.tranches.get(seq=1)
    (item,) = [p for p in pending_for(finance)["finance"] if "拨付" in p.kind]
    overdue = first.due_date < timezone.localdate()
    assert item.kind == ("逾期未拨付" if overdue else "待拨付（直通车）")
    assert item.url == f"/projects/tranches/{first.pk}/pay/"
    assert item.detail.startswith(
        "第1期 2,400,000.00 元，计划"
    ) and first.due_date == SIGNED_ON + dt.timedelta(30)


def test_contract_work_for_office_department_and_unit(
    project, office, dept_officer, unit_user, officer_of, it_department
):
    title = f"{project.number} {project.title}"
    assert ("预算已安排，待生成任务书", title) in kinds(office, "office")
    assert ("预算已安排，待生成任务书", title) in kinds(dept_officer, "department")
    assert not kinds(officer_of(it_department), "department")
    contract = services.generate_contract(project, actor=office)
    assert ("预算已安排，待生成任务书", title) not in kinds(office, "office")
    assert kinds(unit_user, "applicant") == [("任务书待乙方（承担单位）签署", title)]
    assert ("任务书待甲方（主管部门）签署", title) in kinds(dept_officer, "department")
    services.sign_contract(contract, actor=unit_user, signatory="王海涛", today=SIGNED_ON)
    assert kinds(unit_user, "applicant") == []
    assert ("任务书待甲方（主管部门）签署", title) in kinds(dept_officer, "department")
    services.sign_contract(contract, actor=dept_officer, signatory="李明", today=SIGNED_ON)
    assert not [k for k, _t in kinds(dept_officer, "department") if k.startswith("任务书待")]


def test_links(office, leader, finance, auditor, officer, applicant, expert, sysadmin):
    for user in (office, leader, finance, auditor, officer, applicant):
        assert "projects:project_list" in [name for name, _ in links_for(user)]
    assert "projects:arrange" in [name for name, _ in links_for(finance)]
    assert "projects:arrange" not in [name for name, _ in links_for(office)]
    for user in (expert, sysadmin):
        assert not [n for n, _ in links_for(user) if n.startswith("projects:")]
