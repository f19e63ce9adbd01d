"""The pages act through the services: registering a loan, filing, claiming, the steps of a claim,
refusals shown on the form (nothing saved), the Excel export and the home page tiles."""

import io

from openpyxl import load_workbook

from techfund.core.models import AuditEvent
from techfund.riskpool.enums import ClaimState
from techfund.riskpool.models import CoveredLoan, DefaultClaim
from tests.riskpool.conftest import claim, nothing_saved


def test_register_loan_refused_with_every_reason_then_accepted(client, pool, office, borrower):
    client.force_login(office)
    url = f"/riskpool/pools/{pool.pk}/loans/new/"
    data = {
        "borrower": borrower.uscc,
        "contract_number": "W-1",
        "principal": "8000000.00",
        "rate": "6",
        "benchmark_rate": "3.45",
        "benchmark_basis": "LPR",
        "start_date": "2026-01-15",
        "term_months": "48",
        "guarantee_type": "credit",
        "evidence": "合同",
    }
    with nothing_saved():
        r = client.post(url, data)
    assert r.status_code == 200
    page = r.content.decode()
    assert "超过基准利率 3.45% 的 1.5 倍" in page and "超过政策上限 3 年" in page
    r = client.post(url, {**data, "rate": "4.35", "term_months": "36"})
    loan = CoveredLoan.objects.get(contract_number="W-1")
    assert r.status_code == 302 and r["Location"] == f"/riskpool/loans/{loan.pk}/"


def test_filing_claim_and_steps_through_the_pages(client, loan, office, office2, st_officer, finance):
    client.force_login(office)
    for m in range(1, 7):
        r = client.post(
            f"/riskpool/loans/{loan.pk}/filings/",
            {"month": f"2026-{m:02d}-01", "outstanding": "8000000.00", "filed_on": f"2026-{m + 1:02d}-05"},
        )
        assert r.status_code == 302, r.content.decode()
    r = client.get(f"/riskpool/loans/{loan.pk}/")
    assert "2026-06" in r.content.decode()
    r = client.post(
        f"/riskpool/loans/{loan.pk}/claim/",
        {"default_date": "2026-06-18", "loss": "1000000.00", "other_public": "0", "evidence": "诉讼材料"},
    )
    c = DefaultClaim.objects.get()
    assert r.status_code == 302 and c.compensation == 300000
    # the claimant sees no review form; another office member does
    assert "管理机构审核</h2>" not in client.get(f"/riskpool/claims/{c.pk}/").content.decode()
    client.force_login(office2)
    assert "管理机构审核</h2>" in client.get(f"/riskpool/claims/{c.pk}/").content.decode()
    r = client.post(f"/riskpool/claims/{c.pk}/review/", {"decision": "approve", "opinion": "材料齐全"})
    assert r.status_code == 302
    client.force_login(st_officer)
    r = client.post(f"/riskpool/claims/{c.pk}/approve/", {"decision": "refuse", "opinion": ""})
    assert r.status_code == 200 and "请填写审批意见" in r.content.decode()
    r = client.post(f"/riskpool/claims/{c.pk}/approve/", {"decision": "approve"})
    c.refresh_from_db()
    assert r.status_code == 302 and c.state == ClaimState.APPROVED
    client.force_login(finance)
    assert "下达国库支付指令" in client.get(f"/riskpool/claims/{c.pk}/").content.decode()
    # no payee account for the bank: the treasury refuses, shown as a message, nothing changes
    r = client.post(f"/riskpool/claims/{c.pk}/pay/", follow=True)
    c.refresh_from_db()
    assert c.state == ClaimState.APPROVED and "尚未登记收款账户" in r.content.decode()


def test_export(client, filed, office, finance):
    claim(filed, office, loss="100000.00")
    client.force_login(finance)
    r = client.get("/riskpool/export/")
    assert r.status_code == 200 and r["X-Rows"] == "3"
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:4] == ["风险补偿资金池", "备案贷款", "代偿申请", "银行追偿回收"]
    assert AuditEvent.objects.filter(action="riskpool.exported").count() == 1


def test_home_tiles(client, filed, office, office2, st_officer, finance):
    c = claim(filed, office, loss="100000.00")
    client.force_login(office2)
    assert c.number in client.get("/").content.decode()
    client.force_login(office)
    assert c.number not in client.get("/").content.decode()
    client.force_login(st_officer)
    assert c.number not in client.get("/").content.decode()  # waits for the agency's review first
    from techfund.riskpool import services as rp

    rp.review_claim(c, actor=office2, decision="approve")
    assert c.number in client.get("/").content.decode()
    rp.approve_claim(c, actor=st_officer, decision="approve")
    client.force_login(finance)
    assert c.number in client.get("/").content.decode()


def test_loan_list_queries_do_not_grow_with_loans(client, pool, office, borrower, finance):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.riskpool.conftest import FIRST_HALF, file_months, register

    def queries() -> int:
        client.force_login(finance)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/riskpool/loans/").status_code == 200
        return len(ctx.captured_queries)

    file_months(
        register(pool, office, borrower, contract_number="Q-1", principal="1000000.00"), office, FIRST_HALF
    )
    one = queries()
    for n in (2, 3):
        loan = register(pool, office, borrower, contract_number=f"Q-{n}", principal="1000000.00")
        file_months(loan, office, FIRST_HALF)
    assert queries() == one


def test_fund_and_year_end_return_pages(client, pool, finance, office):
    client.force_login(office)
    assert client.post(f"/riskpool/pools/{pool.pk}/return/").status_code == 403
    client.force_login(finance)
    r = client.post(f"/riskpool/pools/{pool.pk}/fund/", {"amount": "99999999.00"})
    assert r.status_code == 200 and "不足以向资金池注资" in r.content.decode()
    assert client.post(f"/riskpool/pools/{pool.pk}/fund/", {"amount": "1000.00"}).status_code == 302
    page = client.get(f"/riskpool/pools/{pool.pk}/").content.decode()
    assert "退回结余 3,001,000.00 元" in page
    r = client.post(f"/riskpool/pools/{pool.pk}/return/", follow=True)
    assert "已将资金池结余 3,001,000.00 元退回领域配置" in r.content.decode()
    from techfund.riskpool import accounts

    f = accounts.pool_figures([pool])[pool.pk]
    assert f["balance"] == 0 and f["funded"] == 0


def test_register_bank_and_open_pool_pages(client, fund_year, office, finance):
    from techfund.core.enums import OrganisationKind
    from techfund.riskpool.models import PartnerBank, RiskPool
    from tests import factories

    org = factories.organisation(name="日照农村商业银行股份有限公司", kind=OrganisationKind.BANK)
    client.force_login(office)
    data = {
        "organisation": org.uscc,
        "code": "rcb",
        "agreement_ref": "协议1号",
        "agreement_start": "2026-01-01",
        "agreement_end": "2027-12-31",
        "bank_share": "0.2",
    }
    assert client.post("/riskpool/banks/new/", data).status_code == 302
    bank = PartnerBank.objects.get(code="rcb")
    client.force_login(finance)
    body = {
        "fund_year": fund_year.pk,
        "bank": bank.pk,
        "focus_area": "key_rd",
        "department": "science_technology",
    }
    r = client.post("/riskpool/pools/new/", body)
    # the agreement leaves the bank 20%, below the policy's 30%: refused on the form, nothing saved
    assert r.status_code == 200 and "低于政策规定的下限 30%" in r.content.decode()
    assert not RiskPool.objects.exists()
