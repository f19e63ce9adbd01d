"""Exporting the overdue list to Excel. Whoever exports leaves an event of it (the day it was taken
for and how many rows); the workbook is built outside the transaction that records it."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.monitoring import exporters, schedule
from techfund.monitoring.services._common import today_or


class OverdueList:
    """The overdue list as a whole: the target of the events about exporting it."""

    pk = "overdue"

    def __str__(self) -> str:
        return str(_("项目执行逾期清单"))


OVERDUE_LIST = OverdueList()


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def export_overdue(*, actor, today: dt.date | None = None) -> Export:
    """An xlsx of ``schedule.overdue(actor, today)``: overdue reports and overdue rectifications."""
    role = require(actor, "monitoring.export_overdue")
    day = today_or(today)
    data = schedule.overdue(actor, today=day)
    now = timezone.localtime(timezone.now(), SHANGHAI)
    cover = [
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("统计日期"), day.isoformat()),
        (
            _("口径"),
            _(
                "逾期未报：报告期报送截止日期已过，尚未报送（或报送后被退回未重报）的进展报告；"
                "逾期未整改：整改期限已过，单位尚未报送整改情况的整改通知。范围为导出人可见的项目。"
            ),
        ),
        (_("逾期未报进展报告"), str(len(data.reports))),
        (_("逾期未整改"), str(len(data.rectifications))),
    ]
    content, rows = exporters.workbook(data, cover=cover)
    with transaction.atomic():
        audit.record(
            "monitoring.overdue.exported",
            actor=actor,
            role=role,
            target=OVERDUE_LIST,
            data={"day": day, "reports": len(data.reports), "rectifications": len(data.rectifications)},
        )
    return Export(content=content, rows=rows, filename=f"overdue-{day:%Y%m%d}.xlsx")
