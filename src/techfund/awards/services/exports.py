"""The prize list of a competition as Excel: the schedule (rank, finalist, tier, prize, due
diligence, proposal), the tiers and a cover sheet. Whoever exports leaves an event of it."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.awards.scopes import visible_competitions
from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.funds.validation import fmt

MONEY_FORMAT = "#,##0.00"

COLUMNS = (
    (gettext_lazy("名次"), 8),
    (gettext_lazy("并列"), 8),
    (gettext_lazy("申报编号"), 16),
    (gettext_lazy("项目名称"), 36),
    (gettext_lazy("申报单位"), 30),
    (gettext_lazy("主管部门"), 16),
    (gettext_lazy("比赛得分"), 10),
    (gettext_lazy("奖项"), 16),
    (gettext_lazy("奖补金额（元）"), 18),
    (gettext_lazy("尽职调查"), 24),
    (gettext_lazy("立项建议"), 30),
)

TIER_COLUMNS = (
    (gettext_lazy("起始名次"), 10),
    (gettext_lazy("截止名次"), 10),
    (gettext_lazy("奖项"), 16),
    (gettext_lazy("每项金额（元）"), 18),
)


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def _diligence(ln) -> str:
    if ln.diligence is None:
        return ""
    return f"{ln.diligence.conducted_on:%Y-%m-%d} {ln.diligence.get_conclusion_display()}"


def export_prizes(call, *, actor) -> Export:
    from techfund.awards.services.competition import prize_schedule

    role = require(actor, "awards.export", call, visible=visible_competitions(actor))
    sched = prize_schedule(call)
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("奖补名单"), COLUMNS, freeze="A2")
    for ln in sched.lines:
        item = ln.item
        ws.append(
            [
                cell(ws, ln.placing.rank),
                cell(ws, ln.placing.tied if ln.placing.tied > 1 else ""),
                cell(ws, ln.application.number),
                cell(ws, ln.application.title),
                cell(ws, ln.application.organisation.name),
                cell(ws, ln.application.department.name),
                cell(ws, float(ln.result.score)),
                cell(ws, ln.tier if ln.prize > 0 else (_("尽调未通过，不予奖补") if ln.forfeited else "")),
                cell(ws, float(ln.prize), number_format=MONEY_FORMAT),
                cell(ws, _diligence(ln)),
                cell(
                    ws,
                    f"{_('第%(b)s批') % {'b': item.batch.number}} {item.get_state_display()} {fmt(item.amount)}"
                    if item
                    else "",
                ),
            ]
        )
    ts = add_data_sheet(wb, _("奖项设置"), TIER_COLUMNS, freeze="A2")
    for t in sched.tiers:
        ts.append(
            [
                cell(ts, t.rank_from),
                cell(ts, t.rank_to),
                cell(ts, t.name),
                cell(ts, float(t.amount), number_format=MONEY_FORMAT),
            ]
        )
    now = timezone.localtime(timezone.now(), SHANGHAI)
    cover = [
        (_("指南"), f"{call.code} {call.title}"),
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("奖补合计（元）"), fmt(sched.total)),
        (
            _("说明"),
            _(
                "按比赛名次确定奖补；并列的项目平分其所占名次的奖补合计（到分，余下的分归申报编号在前者）；尽职调查未通过的项目不予奖补，其奖补不顺延。"
            ),
        ),
    ]
    add_cover_sheet(wb, cover, count=len(sched.lines))
    content = workbook_bytes(wb)
    with transaction.atomic():
        audit.record(
            "awards.prizes.exported", actor=actor, role=role, target=call, data={"rows": len(sched.lines)}
        )
    return Export(
        content=content, rows=len(sched.lines), filename=f"prizes-{call.code}-{now:%Y%m%d-%H%M%S}.xlsx"
    )
