"""The Excel (xlsx) export of risk compensation: pools, loans, claims and recoveries, one sheet each."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"

POOL_COLUMNS = (
    (gettext_lazy("年度"), 8),
    (gettext_lazy("合作银行"), 30),
    (gettext_lazy("资金来源领域"), 20),
    (gettext_lazy("主管部门"), 16),
    (gettext_lazy("注资净额（元）"), 18),
    (gettext_lazy("已代偿（元）"), 18),
    (gettext_lazy("追偿退回（元）"), 18),
    (gettext_lazy("余额（元）"), 18),
)
LOAN_COLUMNS = (
    (gettext_lazy("合作银行"), 26),
    (gettext_lazy("借款合同编号"), 20),
    (gettext_lazy("借款企业"), 30),
    (gettext_lazy("统一社会信用代码"), 20),
    (gettext_lazy("贷款本金（元）"), 16),
    (gettext_lazy("年利率（%）"), 10),
    (gettext_lazy("基准利率（%）"), 10),
    (gettext_lazy("放款日期"), 12),
    (gettext_lazy("到期日期"), 12),
    (gettext_lazy("担保方式"), 14),
    (gettext_lazy("首次贷款"), 8),
    (gettext_lazy("状态"), 10),
    (gettext_lazy("备案月数"), 10),
)
CLAIM_COLUMNS = (
    (gettext_lazy("编号"), 24),
    (gettext_lazy("合作银行"), 26),
    (gettext_lazy("借款企业"), 30),
    (gettext_lazy("借款合同编号"), 20),
    (gettext_lazy("违约日期"), 12),
    (gettext_lazy("本金损失（元）"), 16),
    (gettext_lazy("其他财政资金补偿（元）"), 16),
    (gettext_lazy("补偿比例"), 10),
    (gettext_lazy("核定补偿金额（元）"), 16),
    (gettext_lazy("状态"), 26),
    (gettext_lazy("拨付日期"), 12),
    (gettext_lazy("国库支付凭证号"), 20),
)
RECOVERY_COLUMNS = (
    (gettext_lazy("代偿申请编号"), 24),
    (gettext_lazy("追回日期"), 12),
    (gettext_lazy("银行追回金额（元）"), 16),
    (gettext_lazy("退回资金池金额（元）"), 16),
    (gettext_lazy("银行证明材料"), 30),
)


def _append(ws, values, *, money=(), dates=()):
    cells = [cell(ws, v) for v in values]
    for i in money:
        cells[i].number_format = MONEY_FORMAT
    for i in dates:
        cells[i].number_format = DATE_FORMAT
    ws.append(cells)


def workbook(pools, figures, loans, claims, recoveries, *, cover) -> tuple[bytes, int]:
    wb = Workbook(write_only=True)
    count = 0
    ws = add_data_sheet(wb, _("风险补偿资金池"), POOL_COLUMNS, freeze="C2")
    for p in pools:
        f = figures[p.pk]
        _append(
            ws,
            [
                p.fund_year.year,
                p.bank.organisation.name,
                p.focus_area.name,
                p.department.name,
                f["funded"],
                f["paid"],
                f["returned"],
                f["balance"],
            ],
            money=(4, 5, 6, 7),
        )
        count += 1
    ws = add_data_sheet(wb, _("备案贷款"), LOAN_COLUMNS, freeze="C2")
    for ln in loans:
        _append(
            ws,
            [
                ln.bank.organisation.name,
                ln.contract_number,
                ln.borrower.name,
                ln.borrower.uscc,
                ln.principal,
                ln.rate,
                ln.benchmark_rate,
                ln.start_date,
                ln.end_date,
                ln.get_guarantee_type_display(),
                _("是") if ln.first_loan else _("否"),
                ln.get_state_display(),
                ln.filing_count,
            ],
            money=(4,),
            dates=(7, 8),
        )
        count += 1
    ws = add_data_sheet(wb, _("代偿申请"), CLAIM_COLUMNS, freeze="B2")
    for c in claims:
        _append(
            ws,
            [
                c.number,
                c.loan.bank.organisation.name,
                c.loan.borrower.name,
                c.loan.contract_number,
                c.default_date,
                c.loss,
                c.other_public,
                c.share,
                c.compensation,
                c.get_state_display(),
                c.paid_on,
                c.treasury_ref,
            ],
            money=(5, 6, 8),
            dates=(4, 10),
        )
        count += 1
    ws = add_data_sheet(wb, _("银行追偿回收"), RECOVERY_COLUMNS, freeze="B2")
    for r in recoveries:
        _append(
            ws, [r.claim.number, r.recovered_on, r.amount, r.returned, r.evidence], money=(2, 3), dates=(1,)
        )
        count += 1
    add_cover_sheet(wb, cover, count=count)
    return workbook_bytes(wb), count
