"""The Excel (xlsx) export of the portfolio: one sheet of holdings with a totals row, and the cover sheet
(cells from ``techfund.core.xlsx``)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes

MONEY_FORMAT = "#,##0.00"
SHARE_FORMAT = "0.0000%"

COLUMNS = (
    (gettext_lazy("投资编号"), 22),
    (gettext_lazy("年度"), 8),
    (gettext_lazy("项目编号"), 16),
    (gettext_lazy("被投资企业"), 30),
    (gettext_lazy("出资平台"), 28),
    (gettext_lazy("投资方式"), 12),
    (gettext_lazy("状态"), 14),
    (gettext_lazy("投资金额（元）"), 16),
    (gettext_lazy("已出资（元）"), 16),
    (gettext_lazy("持股比例"), 12),
    (gettext_lazy("持有本金（元）"), 16),
    (gettext_lazy("退出所得（元）"), 16),
    (gettext_lazy("收回本金（元）"), 16),
    (gettext_lazy("投资收益（元）"), 16),
    (gettext_lazy("核销及损失（元）"), 16),
    (gettext_lazy("倍数"), 8),
)
MONEY_COLS = (7, 8, 10, 11, 12, 13, 14)


def _row(ws, values, *, font=None):
    cells = [cell(ws, v, font=font) for v in values]
    for i in MONEY_COLS:
        cells[i].number_format = MONEY_FORMAT
    cells[9].number_format = SHARE_FORMAT
    ws.append(cells)


def workbook(holdings, totals, *, cover) -> tuple[bytes, int]:
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("股权投资组合"), COLUMNS, freeze="D2")
    count = 0
    for h in holdings:
        inv = h.investment
        p = inv.project
        _row(
            ws,
            [
                inv.number,
                p.fund_year.year,
                p.number,
                p.organisation.name,
                f"{inv.vehicle_name}（{inv.vehicle_uscc}）",
                inv.get_instrument_display(),
                inv.get_state_display(),
                h.committed,
                h.invested,
                inv.share,
                h.held,
                h.proceeds,
                h.returned,
                h.gain,
                h.written_off,
                h.multiple,
            ],
        )
        count += 1
    bold = Font(bold=True)
    _row(
        ws,
        [
            _("合计"),
            None,
            None,
            None,
            None,
            None,
            None,
            totals.committed,
            totals.invested,
            None,
            totals.held,
            totals.proceeds,
            totals.returned,
            totals.gain,
            totals.written_off,
            None,
        ],
        font=bold,
    )
    add_cover_sheet(wb, cover, count=count)
    return workbook_bytes(wb), count
