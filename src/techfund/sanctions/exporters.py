"""The Excel (xlsx) export of this stage: sanction orders, recovery orders and receipts, one sheet each
(cells and cover sheet from ``techfund.core.xlsx``)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.projects.enums import ProjectState

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"

ORDER_COLUMNS = (
    (gettext_lazy("编号"), 22),
    (gettext_lazy("项目编号"), 16),
    (gettext_lazy("项目名称"), 36),
    (gettext_lazy("承担单位"), 30),
    (gettext_lazy("主管部门"), 16),
    (gettext_lazy("处置类别"), 14),
    (gettext_lazy("状态"), 26),
    (gettext_lazy("项目当前状态"), 20),
    (gettext_lazy("事由"), 40),
    (gettext_lazy("依据（文件或会议）"), 30),
    (gettext_lazy("提出人"), 16),
    (gettext_lazy("提出日期"), 12),
    (gettext_lazy("财政部门会签人"), 16),
    (gettext_lazy("会签日期"), 12),
    (gettext_lazy("财政部门意见"), 30),
    (gettext_lazy("释放未拨付资金（元）"), 18),
)

RECOVERY_COLUMNS = (
    (gettext_lazy("编号"), 22),
    (gettext_lazy("项目编号"), 16),
    (gettext_lazy("项目名称"), 36),
    (gettext_lazy("承担单位"), 30),
    (gettext_lazy("追回金额（元）"), 16),
    (gettext_lazy("已缴回（元）"), 16),
    (gettext_lazy("待缴（元）"), 16),
    (gettext_lazy("缴回期限"), 12),
    (gettext_lazy("状态"), 26),
    (gettext_lazy("事由"), 40),
    (gettext_lazy("依据（文件或会议）"), 30),
    (gettext_lazy("拟定人"), 16),
    (gettext_lazy("拟定日期"), 12),
    (gettext_lazy("财政部门确认人"), 16),
    (gettext_lazy("确认日期"), 12),
    (gettext_lazy("财政部门意见"), 30),
    (gettext_lazy("缴清日期"), 12),
)

RECEIPT_COLUMNS = (
    (gettext_lazy("追回通知编号"), 22),
    (gettext_lazy("项目编号"), 16),
    (gettext_lazy("项目名称"), 36),
    (gettext_lazy("缴回金额（元）"), 16),
    (gettext_lazy("缴回日期"), 12),
    (gettext_lazy("国库缴款凭证号"), 22),
    (gettext_lazy("登记人"), 16),
    (gettext_lazy("备注"), 30),
)


def _who(user) -> str:
    return str(user) if user is not None else ""


def _append(ws, values, *, money=(), dates=()):
    cells = [cell(ws, v) for v in values]
    for i in money:
        cells[i].number_format = MONEY_FORMAT
    for i in dates:
        cells[i].number_format = DATE_FORMAT
    ws.append(cells)


def workbook(orders, recoveries, receipts, *, cover: list[tuple[str, str]]) -> tuple[bytes, int]:
    """An xlsx of the three lists (iterables; recoveries annotated with ``received``) and a cover
    sheet; returns (bytes, number of rows in all three)."""
    wb = Workbook(write_only=True)
    count = 0
    ws = add_data_sheet(wb, _("暂停拨款与终止项目"), ORDER_COLUMNS, freeze="C2")
    for o in orders:
        p = o.project
        _append(
            ws,
            [
                o.number,
                p.number,
                p.title,
                p.organisation.name,
                p.department.name,
                o.get_kind_display(),
                o.get_state_display(),
                str(ProjectState(p.state).label),
                o.reason,
                o.basis,
                _who(o.proposed_by),
                o.proposed_on,
                _who(o.decided_by),
                o.decided_on,
                o.opinion,
                o.released_amount,
            ],
            money=(15,),
            dates=(11, 13),
        )
        count += 1
    ws = add_data_sheet(wb, _("追回通知"), RECOVERY_COLUMNS, freeze="C2")
    for r in recoveries:
        p = r.project
        _append(
            ws,
            [
                r.number,
                p.number,
                p.title,
                p.organisation.name,
                r.amount,
                r.received,
                r.outstanding,
                r.deadline,
                r.get_state_display(),
                r.reason,
                r.basis,
                _who(r.issued_by),
                r.issued_on,
                _who(r.decided_by),
                r.decided_on,
                r.opinion,
                r.settled_on,
            ],
            money=(4, 5, 6),
            dates=(7, 12, 14, 16),
        )
        count += 1
    ws = add_data_sheet(wb, _("缴回记录"), RECEIPT_COLUMNS, freeze="B2")
    for rc in receipts:
        p = rc.order.project
        _append(
            ws,
            [
                rc.order.number,
                p.number,
                p.title,
                rc.amount,
                rc.received_on,
                rc.treasury_ref,
                _who(rc.recorded_by),
                rc.note,
            ],
            money=(3,),
            dates=(4,),
        )
        count += 1
    add_cover_sheet(wb, cover, count=count)
    return workbook_bytes(wb), count
