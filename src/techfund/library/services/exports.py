"""Exporting a library search to Excel. Whoever exports leaves an event of it (what they filtered
and how many rows they took away). The workbook is built outside any transaction, so a long export
never holds the write lock that every audited change waits for; only the short recording takes it.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.exporters import role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.library import exporters
from techfund.library.search import search

EXPORT_CHUNK = 1000


class ProjectLibrary:
    """The library as a whole: the target of the events about exporting from it."""

    pk = "library"

    def __str__(self) -> str:
        return str(_("项目库"))


LIBRARY = ProjectLibrary()


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def export_results(*, actor, filters: dict, description: list[tuple[str, str]] = ()) -> Export:
    """An xlsx of what ``search(actor, **filters)`` finds, in its order, with a cover sheet."""
    role = require(actor, "library.export")
    qs = search(actor, **filters)
    now = timezone.localtime(timezone.now(), exporters.SHANGHAI)
    cover = [
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("筛选条件"), "；".join(f"{k}：{v}" for k, v in description) or _("无（可见范围内全部项目）")),
        (
            _("金额口径"),
            _("“审定金额”为领导小组审定的金额；金额筛选有审定金额的按审定金额，否则按申请的财政资金。"),
        ),
    ]
    content, rows = exporters.workbook(qs.iterator(chunk_size=EXPORT_CHUNK), cover=cover)
    with transaction.atomic():
        audit.record(
            "library.exported",
            actor=actor,
            role=role,
            target=LIBRARY,
            data={"filters": dict(description), "rows": rows},
        )
    return Export(content=content, rows=rows, filename=f"project-library-{now:%Y%m%d-%H%M%S}.xlsx")
