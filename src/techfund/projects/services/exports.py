"""Exporting the project list to Excel. Whoever exports leaves an event of it (what they filtered and
how many rows they took away). The workbook is built outside any transaction; only the short
recording takes the write lock."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.projects import exporters
from techfund.projects.queries import contract_of, filter_projects, list_queryset, with_balances
from techfund.projects.scopes import visible_projects

#: Rows read and balanced at a time (two ledger queries per chunk).
EXPORT_CHUNK = 500


class ProjectRegister:
    """The project list as a whole: the target of the events about exporting from it."""

    pk = "projects"

    def __str__(self) -> str:
        return str(_("项目清单"))


REGISTER = ProjectRegister()


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def _chunks(qs):
    rows = []
    for p in qs.iterator(chunk_size=EXPORT_CHUNK):
        p.contract_or_none = contract_of(p)
        rows.append(p)
        if len(rows) == EXPORT_CHUNK:
            yield from with_balances(rows)
            rows = []
    if rows:
        yield from with_balances(rows)


def export_projects(*, actor, filters: dict, description: list[tuple[str, str]] = ()) -> Export:
    """An xlsx of the projects in the actor's scope matching ``filters`` (``queries.filter_projects``
    keywords), with a cover sheet, and an audit event of the export."""
    role = require(actor, "projects.export")
    qs = filter_projects(list_queryset(visible_projects(actor)), **filters).order_by(
        "fund_year__year", "number"
    )
    now = timezone.localtime(timezone.now(), SHANGHAI)
    cover = [
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("筛选条件"), "；".join(f"{k}：{v}" for k, v in description) or _("无（可见范围内全部项目）")),
        (
            _("金额口径"),
            _(
                "“已拨付”为直通车拨付的累计金额，“未拨付”为项目承诺余额，均取自资金账簿；一事一议项目单列标记。"
            ),
        ),
    ]
    content, rows = exporters.workbook(_chunks(qs), cover=cover)
    with transaction.atomic():
        audit.record(
            "projects.exported",
            actor=actor,
            role=role,
            target=REGISTER,
            data={"filters": dict(description), "rows": rows},
        )
    return Export(content=content, rows=rows, filename=f"projects-{now:%Y%m%d-%H%M%S}.xlsx")
