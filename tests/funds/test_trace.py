"""每一元资金可追溯到来源: the largest-remainder attribution to the fen, the report's cuts reconciling to
the ledger, and who may see it (page, Excel, API)."""

import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from techfund.core.enums import Role
from techfund.funds import services as fund_services
from techfund.funds import trace
from tests import factories
from tests.projects.conftest import *  # noqa: F403

D = Decimal


# ---------------------------------------------------------------- attribution


def test_three_equal_sources_of_100():
    assert trace.attribute(D("100.00"), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    assert trace.attribute(D("-100.00"), [D(1), D(1), D(1)]) == [D("-33.34"), D("-33.33"), D("-33.33")]
    assert trace.attribute(D("0.02"), [D(1), D(1), D(1)]) == [D("0.01"), D("0.01"), D("0.00")]


def test_largest_remainder_not_first_come():
    # 1.00 over weights 1 : 2 : 7 of 10 → 0.10, 0.20, 0.70 exactly; 0.05 → 0.005, 0.01, 0.035:
    # floors 0, 1, 3 fen (4), the fen left goes to the largest remainder (0.5 fen, the first)
    assert trace.attribute(D("0.05"), [D(1), D(2), D(7)]) == [D("0.01"), D("0.01"), D("0.03")]
    # awkward weights: 150m / 60m / 40m / 33.33 of 1,234,567.89
    w = [D("150000000.00"), D("60000000.00"), D("40000000.00"), D("33.33")]
    parts = trace.attribute(D("1234567.89"), w)
    assert sum(parts) == D("1234567.89")
    # exact fens 74074063.52…, 29629625.41…, 19753083.61…, 16.46…: floors leave 2 fen, to the 3rd and 1st
    assert parts == [D("740740.64"), D("296296.25"), D("197530.84"), D("0.16")]


def test_random_rows_sum_exactly():
    rng = random.Random(6)
    for _ in range(500):
        weights = [D(rng.randint(1, 10**9)) / 100 for _ in range(rng.randint(1, 7))]
        amount = D(rng.randint(0, 10**11)) / 100
        parts = trace.attribute(amount, weights)
        assert sum(parts) == amount
        exact = [amount * w / sum(weights) for w in weights]
        assert all(abs(p - e) < D("0.01") for p, e in zip(parts, exact, strict=True))


# ---------------------------------------------------------------- the report


@pytest.fixture
def traced(paid, project_b, office, finance, fund_year):
    """A's project paid 2,400,000 of 4,000,000; B arranged 3,000,000; an awkward fourth source of 33.33;
    and a voided contribution that must not count."""
    fund_services.record_contribution(fund_year, actor=office, source_type="talent", amount="33.33")
    c = fund_services.record_contribution(
        fund_year, actor=office, source_type="agri_tech", amount="5000000.00"
    )
    fund_services.void_contribution(c, actor=office, reason="重复登记")
    return fund_year


def test_report_reconciles_to_the_ledger(traced, project, project_b):
    rep = trace.report(traced)
    assert sum(s.weight for s in rep.sources) == D("250000033.33")
    assert len(rep.sources) == 4  # the voided 5,000,000 is not a source
    assert rep.ledger == {
        "committed": D("7000000.00"),
        "paid": D("2400000.00"),
        "returned": D("0.00"),
        "written_off": D("0.00"),
        "released": D("0.00"),
    }
    assert rep.totals == rep.ledger
    for cut in rep.cuts:
        assert cut.totals == rep.ledger, cut.code
        for m in trace.MEASURES:
            assert sum((r[m] for r in cut.rows()), D(0)) == rep.ledger[m], (cut.code, m)
    assert rep.attributed == rep.ledger
    assert rep.reconciled
    assert all(c["ok"] for c in rep.checks())
    # each row's parts sum exactly to it: the support-mode cut of A (grant) and B (grant)
    by_mode = {(r["source"].key, r["value"]): r for r in rep.cuts[2].rows()}
    assert {v for _k, v in by_mode} == {"无偿资助"}
    talent = next(s for s in rep.sources if s.weight == D("33.33"))
    # 4,000,000 × 33.33 / 250,000,033.33 = 0.533… ; 3,000,000 × … = 0.399…: largest remainders decide
    assert rep.by_source[talent.key]["committed"] == D("0.93")


def test_recovery_and_termination_in_the_report(traced, project, office, finance):
    from techfund.sanctions import services as sanctions

    order = sanctions.propose_sanction(project, actor=office, kind="terminate", reason="违规", basis="纪要")
    day = dt.date(2027, 1, 5)
    sanctions.decide_sanction(order, actor=finance, decision="concur", today=day)
    rec = sanctions.issue_recovery(
        project,
        actor=office,
        amount="100000.00",
        reason="违规",
        basis="纪要",
        deadline=dt.date(2027, 3, 31),
        today=day,
    )
    sanctions.decide_recovery(rec, actor=finance, decision="concur", today=day)
    sanctions.record_receipt(
        rec, actor=finance, amount="100000.00", treasury_ref="JK-9", received_on=day, today=day
    )
    rep = trace.report(traced)
    assert rep.ledger["released"] == D("1600000.00")
    assert rep.ledger["returned"] == D("100000.00")
    assert rep.reconciled


def test_no_sources_is_flagged(rizhao, office):
    fy = fund_services.open_fund_year(actor=office, year=rizhao.year)
    rep = trace.report(fy)
    assert rep.sources == [] and rep.reconciled  # nothing flowed, nothing to attribute


# ---------------------------------------------------------------- scope


def test_scope_page_excel_api(traced, client, office, finance, leader, auditor, officer, expert, sysadmin):
    unit = factories.user(Role.APPLICANT, organisation=factories.organisation())
    year = traced.year
    urls = [f"/funds/{year}/trace/", f"/funds/{year}/trace/export/"]
    api_url = f"/api/funds/trace/{year}/"
    for user, expected in (
        (office, 200),
        (finance, 200),
        (leader, 200),
        (auditor, 200),
        (officer, 403),
        (unit, 404),
        (expert, 404),
        (sysadmin, 404),
    ):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == expected, (user, url)
        api = APIClient()
        api.force_authenticate(user)
        assert api.get(api_url).status_code == expected, (user, api_url)
        client.logout()
    client.force_login(auditor)
    page = client.get(urls[0]).content.decode()
    assert "按来源出资比例归集" in page and "最大余数法" in page
    assert client.get(f"/funds/{year + 5}/trace/").status_code == 404
    wb = load_workbook(io.BytesIO(client.get(urls[1]).content))
    assert wb.sheetnames == ["按来源", "按重点领域", "按主管部门", "按支持方式", "对账", "导出说明"]
    api = APIClient()
    api.force_authenticate(auditor)
    data = api.get(api_url).json()
    assert data["reconciled"] is True
    assert data["ledger"]["committed"] == "7000000.00"
    assert APIClient().get(api_url).status_code in (401, 403)


def test_risk_compensation_pool_in_the_report(traced, office, finance):
    """A risk-compensation pool funded from 重点研发 and its unused balance returned at year end."""
    from techfund.core.enums import OrganisationKind
    from techfund.riskpool import services as rp

    bank = rp.register_bank(
        actor=office,
        organisation=factories.organisation(name="日照银行股份有限公司", kind=OrganisationKind.BANK),
        code="rzbank",
        agreement_ref="合作协议〔2026〕1号",
        agreement_start=dt.date(2026, 1, 1),
        agreement_end=dt.date(2028, 12, 31),
        bank_share="0.30",
    )
    pool = rp.open_pool(
        traced, actor=finance, bank=bank, focus_area="key_rd", department="science_technology"
    )
    rp.fund_pool(pool, actor=finance, amount="1000000.00", today=dt.date(2026, 1, 5))
    rp.return_balance(pool, actor=finance, today=dt.date(2026, 12, 20))
    rep = trace.report(traced)
    assert rep.ledger["committed"] == D("8000000.00") and rep.ledger["released"] == D("1000000.00")
    assert rep.reconciled
    modes = {r["value"]: r for r in rep.cuts[2].value_rows()}
    assert modes["风险补偿"]["committed"] == D("1000000.00")
    areas = {r["value"] for r in rep.cuts[0].value_rows()}
    assert "重点研发" in " ".join(areas)
