"""The pages of 贷款贴息: the enterprise registers its loan, drawdown and interest, sees the computed
amount and its breakdown before filing and submitting; the department verifies and finance
approves on the claim's page; the Excel export carries the breakdown; the home page lists the work."""

import datetime as dt
import io
from decimal import Decimal as D

from openpyxl import load_workbook

from techfund.core.home import links_for, pending_for
from techfund.subsidies.enums import ClaimState
from techfund.subsidies.models import InterestPayment, Loan, ReferenceRate, SubsidyClaim
from tests.subsidies.conftest import AMOUNT_2025, QUARTERS_2025


def _login(client, user):
    client.force_login(user)
    return client


def test_enterprise_journey_then_department_and_finance(client, sub_project, unit, dept, finance, rates):
    c = _login(client, unit)
    r = c.post(
        f"/subsidies/projects/{sub_project.pk}/loans/new/",
        {
            "bank": "日照银行",
            "contract_number": "RZ-WEB-1",
            "principal": "10000000.00",
            "annual_rate": "4.20",
            "start_date": "2025-01-01",
            "maturity_date": "2027-01-01",
            "purpose": "研发设备购置",
        },
    )
    loan = Loan.objects.get(contract_number="RZ-WEB-1")
    assert r.status_code == 302 and r["Location"] == f"/subsidies/loans/{loan.pk}/"
    r = c.post(f"/subsidies/loans/{loan.pk}/drawdowns/", {"drawn_on": "2025-01-01", "amount": "10000000.00"})
    assert r.status_code == 302
    # a refusal is shown on the page, nothing saved
    r = c.post(f"/subsidies/loans/{loan.pk}/drawdowns/", {"drawn_on": "2025-02-01", "amount": "1.00"})
    assert r.status_code == 200 and "超过贷款本金" in r.content.decode()
    for i, (a, b, amount, paid_on) in enumerate(QUARTERS_2025):
        r = c.post(
            f"/subsidies/loans/{loan.pk}/interest/",
            {
                "period_start": a,
                "period_end": b,
                "amount": amount,
                "paid_on": paid_on,
                "receipt_ref": f"W{i}",
            },
        )
        assert r.status_code == 302, r.content.decode()[:500]
    assert InterestPayment.objects.filter(loan=loan).count() == 4
    # the preview shows the breakdown before anything is filed
    r = c.get(
        f"/subsidies/loans/{loan.pk}/claims/new/", {"period_start": "2025-01-01", "period_end": "2025-12-31"}
    )
    page = r.content.decode()
    assert r.status_code == 200 and "123,211.11" in page and "47,877.78" in page and "75,333.33" in page
    assert not SubsidyClaim.objects.exists()
    r = c.post(
        f"/subsidies/loans/{loan.pk}/claims/new/", {"period_start": "2025-01-01", "period_end": "2025-12-31"}
    )
    claim = SubsidyClaim.objects.get()
    assert r.status_code == 302 and claim.amount == AMOUNT_2025 and claim.state == ClaimState.DRAFT
    assert "123,211.11" in c.get(f"/subsidies/claims/{claim.pk}/").content.decode()
    assert c.post(f"/subsidies/claims/{claim.pk}/submit/").status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED
    c.logout()
    # department: the page offers its step; a rejection without opinion is refused on the form
    c = _login(client, dept)
    assert "主管部门审核" in c.get(f"/subsidies/claims/{claim.pk}/").content.decode()
    r = c.post(f"/subsidies/claims/{claim.pk}/verify/", {"decision": "reject", "opinion": ""})
    assert r.status_code == 200 and "请填写审核意见" in r.content.decode()
    r = c.post(f"/subsidies/claims/{claim.pk}/verify/", {"decision": "concur", "opinion": "同意"})
    assert r.status_code == 302
    c.logout()
    c = _login(client, finance)
    r = c.post(f"/subsidies/claims/{claim.pk}/approve/", {"decision": "concur", "opinion": ""})
    assert r.status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED and (claim.verified_by, claim.approved_by) == (dept, finance)
    # the export carries the claim and its breakdown per segment
    r = c.get(f"/subsidies/export/?year={sub_project.fund_year.year}")
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    claims = list(wb["贴息申请"].iter_rows(values_only=True))
    segs = list(wb["计算明细"].iter_rows(values_only=True))
    assert claims[1][0] == claim.number and D(str(claims[1][12])) == AMOUNT_2025
    assert [(row[3], D(str(row[10]))) for row in segs[1:]] == [(139, D("47877.78")), (226, D("75333.33"))]


def test_office_enters_a_rate(client, office, rates):
    c = _login(client, office)
    r = c.post(
        "/subsidies/rates/",
        {"kind": "lpr", "tenor": "1y", "effective_from": "2026-01-20", "rate": "2.90", "source": "测试公告"},
    )
    assert r.status_code == 302
    assert ReferenceRate.objects.get(effective_from=dt.date(2026, 1, 20)).rate == D("2.9000")
    r = c.post(
        "/subsidies/rates/",
        {"kind": "lpr", "tenor": "1y", "effective_from": "2026-01-20", "rate": "2.80", "source": "重复"},
    )
    assert r.status_code == 200 and "已登记为" in r.content.decode()


def test_home_pending_work_and_links(draft, unit, dept, finance, office):
    def kinds(user, role):
        return [p.kind for p in pending_for(user)[role]]

    assert "贴息申请草稿，待提交" in kinds(unit, "applicant")
    from techfund.subsidies import services

    services.submit_claim(draft, actor=unit, today=dt.date(2026, 11, 10))
    assert "贴息申请待主管部门审核" in kinds(dept, "department")
    services.verify_claim(draft, actor=dept, decision="concur", today=dt.date(2026, 11, 10))
    assert "贴息申请待财政部门审批" in kinds(finance, "finance")
    services.approve_claim(draft, actor=finance, decision="concur", today=dt.date(2026, 11, 10))
    assert "贴息申请待下达国库支付指令" in kinds(finance, "finance")
    for user in (office, finance, dept, unit):
        assert "subsidies:overview" in [name for name, _label in links_for(user)]


def test_project_page_shows_the_subsidy_panel(client, draft, unit, sub_project, other_unit):
    page = _login(client, unit).get(f"/projects/{sub_project.pk}/").content.decode()
    assert draft.number in page and draft.loan.contract_number in page and "登记贷款" in page
