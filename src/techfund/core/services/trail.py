"""Reading the audit trail as evidence: the Excel export and the chain check, both recorded.

Whoever exports or verifies the trail leaves an event of it (等保: the audit administrator is audited
too). The work itself runs outside any transaction, so a long export never holds the write lock that
every other audited change waits for; only the short recording of the event takes it.
"""

from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core import exporters, scopes
from techfund.core.errors import ServiceError
from techfund.core.filters import apply_filters
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.services.audit import VerifyResult

EXPORT_CHUNK = 2000
#: One export holds at most this many events (about half a minute of work on a 2-core machine).
MAX_EXPORT_ROWS = 100_000


class AuditTrail:
    """The trail as a whole: the target of the events about reading it."""

    pk = "chain"

    def __str__(self) -> str:
        return str(_("留痕链"))


TRAIL = AuditTrail()


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def export_events(*, actor, filters: dict, description: list[tuple[str, str]] = ()) -> Export:
    """An xlsx of the events matching ``filters`` (cleaned ``AuditFilterForm`` data), oldest first."""
    role = require(actor, "core.view_audit_trail")
    qs = apply_filters(scopes.visible_audit_events(actor), filters).order_by("seq")
    total = qs.count()
    if total > MAX_EXPORT_ROWS:
        raise ServiceError(
            _(
                "符合条件的记录有 %(n)s 条，超过单次导出上限 %(max)s 条，请缩小时间范围或增加筛选条件后分批导出。"
            )
            % {"n": f"{total:,}", "max": f"{MAX_EXPORT_ROWS:,}"},
            code="export_too_large",
        )
    now = timezone.localtime(timezone.now(), exporters.SHANGHAI)
    cover = [
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), exporters.role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("筛选条件"), "；".join(f"{k}：{v}" for k, v in description) or _("无（全部记录）")),
        (_("说明"), _("每行的“本条摘要”由该行内容和“上一条摘要”计算得出，可据此独立复核留痕链。")),
    ]
    content, rows = exporters.audit_workbook(qs.iterator(chunk_size=EXPORT_CHUNK), cover=cover)
    with transaction.atomic():
        audit.record(
            "audit.exported",
            actor=actor,
            role=role,
            target=TRAIL,
            data={"filters": dict(description), "rows": rows},
        )
    return Export(content=content, rows=rows, filename=f"audit-trail-{now:%Y%m%d-%H%M%S}.xlsx")


def verify_chain(*, actor) -> VerifyResult:
    """Recompute the whole chain (``audit.verify``) and record who checked it and what was found."""
    role = require(actor, "core.view_audit_trail")
    result = audit.verify()
    with transaction.atomic():
        audit.record("audit.verified", actor=actor, role=role, target=TRAIL, data=asdict(result))
    return result
