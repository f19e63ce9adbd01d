"""The Excel (xlsx) export of interest-subsidy claims: one row per claim, and one row per segment of
each claim's breakdown on a second sheet (cells and cover sheet from ``techfund.core.xlsx``)."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.subsidies.enums import CapKind, ClaimState

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0000"
DATE_FORMAT = "yyyy-mm-dd"

CLAIM_COLUMNS = (
    (gettext_lazy("编号"), 22),
    (gettext_lazy("年度"), 8),
    (gettext_lazy("项目编号"), 16),
    (gettext_lazy("借款企业"), 30),
    (gettext_lazy("贷款银行"), 24),
    (gettext_lazy("借款合同编号"), 20),
    (gettext_lazy("贷款本金（元）"), 16),
    (gettext_lazy("合同年利率（%）"), 12),
    (gettext_lazy("贴息期间起"), 12),
    (gettext_lazy("贴息期间止"), 12),
    (gettext_lazy("按公式计算（元）"), 16),
    (gettext_lazy("期间实付利息（元）"), 16),
    (gettext_lazy("贴息金额（元）"), 16),
    (gettext_lazy("封顶依据"), 18),
    (gettext_lazy("状态"), 26),
    (gettext_lazy("提交日期"), 12),
    (gettext_lazy("审核日期"), 12),
    (gettext_lazy("审批日期"), 12),
    (gettext_lazy("拨付日期"), 12),
    (gettext_lazy("国库支付凭证号"), 20),
)

SEGMENT_COLUMNS = (
    (gettext_lazy("申请编号"), 22),
    (gettext_lazy("起"), 12),
    (gettext_lazy("止"), 12),
    (gettext_lazy("天数"), 8),
    (gettext_lazy("计息本金（元）"), 16),
    (gettext_lazy("合同利率（%）"), 12),
    (gettext_lazy("参考利率（%）"), 12),
    (gettext_lazy("采用利率（%）"), 12),
    (gettext_lazy("贴息比例"), 10),
    (gettext_lazy("年计息天数"), 10),
    (gettext_lazy("贴息额（元）"), 16),
)


def _date(ws, value):
    return cell(ws, value, number_format=DATE_FORMAT) if value else cell(ws, "")


def workbook(claims, *, cover) -> tuple[bytes, int]:
    wb = Workbook(write_only=True)
    add_cover_sheet(wb, cover, count=len(claims))
    ws = add_data_sheet(wb, _("贴息申请"), CLAIM_COLUMNS, freeze="B2")
    seg = add_data_sheet(wb, _("计算明细"), SEGMENT_COLUMNS, freeze="B2")
    for c in claims:
        loan = c.loan
        ws.append(
            [
                cell(ws, c.number),
                cell(ws, c.project.fund_year.year),
                cell(ws, c.project.number),
                cell(ws, c.organisation.name),
                cell(ws, loan.bank),
                cell(ws, loan.contract_number),
                cell(ws, loan.principal, number_format=MONEY_FORMAT),
                cell(ws, loan.annual_rate, number_format=RATE_FORMAT),
                _date(ws, c.period_start),
                _date(ws, c.period_end),
                cell(ws, c.gross, number_format=MONEY_FORMAT),
                cell(ws, c.interest_paid, number_format=MONEY_FORMAT),
                cell(ws, c.amount, number_format=MONEY_FORMAT),
                cell(ws, str(CapKind(c.bound_by).label) if c.bound_by else ""),
                cell(ws, str(ClaimState(c.state).label)),
                _date(ws, c.submitted_on),
                _date(ws, c.verified_on),
                _date(ws, c.approved_on),
                _date(ws, c.paid_on),
                cell(ws, c.treasury_ref),
            ]
        )
        for s in c.segments:
            seg.append(
                [
                    cell(seg, c.number),
                    _date(seg, dt.date.fromisoformat(s["start"])),
                    _date(seg, dt.date.fromisoformat(s["end"])),
                    cell(seg, s["days"]),
                    cell(seg, Decimal(s["principal"]), number_format=MONEY_FORMAT),
                    cell(seg, Decimal(s["actual_rate"]), number_format=RATE_FORMAT),
                    cell(seg, Decimal(s["reference_rate"]), number_format=RATE_FORMAT),
                    cell(seg, Decimal(s["rate_used"]), number_format=RATE_FORMAT),
                    cell(seg, Decimal(s["ratio"]), number_format=RATE_FORMAT),
                    cell(seg, s["day_basis"]),
                    cell(seg, Decimal(s["amount"]), number_format=MONEY_FORMAT),
                ]
            )
    return workbook_bytes(wb), len(claims)
