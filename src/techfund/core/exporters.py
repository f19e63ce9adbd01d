"""The Excel (xlsx) export of the audit trail (cells and cover sheet from ``techfund.core.xlsx``)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from techfund.core import audit_actions
from techfund.core.enums import Role
from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, safe_text, workbook_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")


def role_label(code: str) -> str:
    if not code:
        return ""
    if code == "system":
        return _("系统")
    try:
        return str(Role(code).label)
    except ValueError:
        return code


AUDIT_COLUMNS = (
    (_("序号"), 8),
    (_("时间（北京时间）"), 20),
    (_("时间戳（UTC，用于复核摘要）"), 30),
    (_("操作人账号"), 16),
    (_("操作人姓名"), 12),
    (_("操作身份"), 14),
    (_("操作"), 16),
    (_("操作代码"), 24),
    (_("对象类型"), 20),
    (_("对象编号"), 10),
    (_("对象"), 24),
    (_("理由"), 30),
    (_("变更前"), 30),
    (_("变更后"), 30),
    (_("参数"), 30),
    (_("请求编号"), 18),
    (_("摘要算法"), 10),
    (_("上一条摘要"), 66),
    (_("本条摘要"), 66),
)


def audit_row(ev) -> list:
    local = timezone.localtime(ev.at, SHANGHAI).replace(tzinfo=None, microsecond=0)
    return [
        ev.seq,
        local,
        ev.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        ev.actor_name,
        (ev.actor.display_name if ev.actor_id and ev.actor else "") or "",
        role_label(ev.role),
        audit_actions.label(ev.action),
        ev.action,
        ev.target_type,
        ev.target_id,
        ev.target_repr,
        ev.reason,
        safe_text(ev.before),
        safe_text(ev.after),
        safe_text(ev.data),
        ev.request_id,
        ev.algorithm,
        ev.prev_hash,
        ev.hash,
    ]


def audit_workbook(events, *, cover: list[tuple[str, str]]) -> tuple[bytes, int]:
    """An xlsx of ``events`` (an iterable, oldest first) and a cover sheet; returns (bytes, row count)."""
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("留痕记录"), AUDIT_COLUMNS, freeze="B2")
    count = 0
    for ev in events:
        row = audit_row(ev)
        for i, value in enumerate(row):
            if isinstance(value, str):
                value = safe_text(value)
                # Only text that a spreadsheet would run as a formula needs a cell of its own.
                row[i] = cell(ws, value) if value[:1] == "=" else value
        ws.append(row)
        count += 1
    add_cover_sheet(wb, cover, count=count)
    return workbook_bytes(wb), count
