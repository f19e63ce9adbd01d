"""The portfolio: holdings with their totals, the pilot share of the year (a warning, never a refusal),
and the Excel export."""

import io
from decimal import Decimal

from openpyxl import load_workbook

from techfund.core.models import AuditEvent
from techfund.equity import services
from techfund.equity.models import Investment
from tests.equity.conftest import LATER, equity_project, pay, register_ite

D = Decimal


def test_pilot_share_below_target(eq_project):
    p = services.pilot_share(eq_project.fund_year)
    # 5,000,000 of 250,000,000 = 2.00 %, target 10 % (the approved framework's, from the profile)
    assert (p.target, p.fund_total, p.arranged, p.share, p.status) == (
        D("0.1000"),
        D("250000000.00"),
        D("5000000.00"),
        D("0.020000"),
        "below",
    )
    assert p.message == (
        "已安排股权投资 5,000,000.00 元，占年度资金 250,000,000.00 元的 2.00%，低于试点比例 10.00%"
        "（应安排约 25,000,000.00 元）：请在后续批次中安排。"
    )


def test_pilot_share_reached_and_above(eq_project):
    fy = eq_project.fund_year
    fw = fy.frameworks.get(state="approved")
    fw.equity_pilot_share = D("0.02")  # TEST SETUP ONLY: the target as a later framework would set it
    fw.save(update_fields=["equity_pilot_share"])
    assert services.pilot_share(fy).status == "reached"
    fw.equity_pilot_share = D("0.01")
    fw.save(update_fields=["equity_pilot_share"])
    p = services.pilot_share(fy)
    assert p.status == "above" and "超过试点比例 1.00%（约 2,500,000.00 元）" in p.message


def test_holdings_and_totals(direct_paid, fund_year, office, leader, finance):
    other = register_ite(equity_project(fund_year, office, leader, finance, area="major_projects"), office)
    pay(other.stages.get(seq=1), finance)
    ex = services.propose_exit(
        direct_paid,
        actor=office,
        kind="transfer",
        proceeds="2612345.67",
        reason="转让",
        basis="纪要",
        today=LATER,
    )
    services.confirm_exit(
        ex, actor=finance, decision="concur", bank_ref="YH-9", received_on=LATER, today=LATER
    )
    rows, totals = services.holdings(Investment.objects.order_by("id"))
    assert [r.investment.state for r in rows] == ["exited", "invested"]
    assert rows[0].multiple == D("1.31") and rows[1].multiple is None
    assert (
        totals.committed,
        totals.invested,
        totals.held,
        totals.returned,
        totals.gain,
        totals.proceeds,
    ) == (
        D("5000000.00"),
        D("5000000.00"),
        D("3000000.00"),
        D("2000000.00"),
        D("612345.67"),
        D("2612345.67"),
    )
    assert totals.invested == totals.held + totals.returned + totals.written_off
    assert all(r.reconciles for r in rows)


def test_export(direct_paid, auditor):
    result = services.export_portfolio(actor=auditor, year=direct_paid.project.fund_year.year)
    assert result.rows == 1
    wb = load_workbook(io.BytesIO(result.content))
    ws = wb["股权投资组合"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[1][0] == direct_paid.number
    assert values[1][7] == 2000000 and values[1][9] == 0.2
    assert values[2][0] == "合计"
    assert AuditEvent.objects.filter(action="equity.exported", actor=auditor).count() == 1
