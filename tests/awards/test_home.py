"""This stage's pending work on the home pages."""

from techfund.awards import services
from techfund.core.home import pending_for
from tests.awards.conftest import payee_account


def kinds(user, role):
    return [p.kind for p in pending_for(user)[role]]


def test_office_sees_diligence_short(call, finalists, office):
    assert "以赛代评尽职调查未达要求" in kinds(office, "office")


def test_office_quiet_once_the_quota_is_met(call, finalists, dd, office):
    assert "以赛代评尽职调查未达要求" not in kinds(office, "office")


def test_department_verifies_then_finance_pays(subsidy_project, finance, client):
    p = subsidy_project
    assert "后补助待主管部门核验成果" in kinds(p.officer, "department")
    assert "后补助（奖补）待生成支付指令" not in kinds(finance, "finance")
    services.verify_achievement(p, actor=p.officer, evidence="验收报告", eligible_spending="1000000.00")
    assert "后补助待主管部门核验成果" not in kinds(p.officer, "department")
    assert "后补助（奖补）待生成支付指令" in kinds(finance, "finance")
    payee_account(p.organisation, finance)
    services.instruct_payment(p, actor=finance)
    assert "后补助（奖补）待生成支付指令" not in kinds(finance, "finance")
    client.force_login(finance)
    assert client.get("/").status_code == 200
