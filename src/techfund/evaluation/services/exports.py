"""Exporting the grades to Excel. Whoever exports leaves an event of it (what they filtered and how
many rows they took away). The workbook is built outside any transaction; only the short recording
of the event takes the write lock."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.exporters import SHANGHAI, role_label
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.evaluation import exporters
from techfund.evaluation.scopes import sees_grades
from techfund.evaluation.services.grades import filter_grades, grade_rows, grade_summary, graded

EXPORT_CHUNK = 500


class Grades:
    """The evaluation results as a whole: the target of the events about exporting them."""

    pk = "grades"

    def __str__(self) -> str:
        return str(_("绩效评价结果"))


GRADES = Grades()


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def _cover(actor, role, filters: dict, what: str, now) -> list[tuple[str, str]]:
    shown = {k: v for k, v in filters.items() if v}
    return [
        (_("导出内容"), what),
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
        (_("筛选条件"), "；".join(f"{k}={v}" for k, v in shown.items()) or _("无")),
    ]


def _record(action: str, *, actor, role, filters: dict, rows: int) -> None:
    with transaction.atomic():
        audit.record(action, actor=actor, role=role, target=GRADES, data={"filters": filters, "rows": rows})


def _base(actor):
    qs = graded(actor)
    return qs if sees_grades(actor) else qs.none()


def export_grades(*, actor, filters: dict) -> Export:
    """The confirmed comprehensive evaluations the actor sees, filtered (``year``, ``focus_area``,
    ``department``, ``grade``), as an xlsx with a cover sheet."""
    role = require(actor, "evaluation.view_grades")
    now = timezone.localtime(timezone.now(), SHANGHAI)
    rows = grade_rows(filter_grades(_base(actor), **filters))
    cover = _cover(actor, role, filters, _("项目绩效评价结果（已确认的综合绩效评价）"), now)
    content, count = exporters.grade_workbook(rows.iterator(chunk_size=EXPORT_CHUNK), cover=cover)
    _record("evaluation.grades.exported", actor=actor, role=role, filters=filters, rows=count)
    return Export(content=content, rows=count, filename=f"evaluation-grades-{now:%Y%m%d-%H%M%S}.xlsx")


def export_grade_summary(*, actor, year: int | None = None) -> Export:
    """The grade counts, averages and amounts by department and by focus area, as an xlsx."""
    role = require(actor, "evaluation.view_grades")
    now = timezone.localtime(timezone.now(), SHANGHAI)
    qs = filter_grades(_base(actor), year=year)
    by_department = grade_summary(qs, by="department")
    by_area = grade_summary(qs, by="focus_area")
    cover = _cover(actor, role, {"year": year}, _("绩效评价结果汇总（按主管部门、重点领域）"), now)
    content = exporters.summary_workbook(by_department, by_area, cover=cover)
    count = by_department["total"]["n"]
    _record("evaluation.grades.summary_exported", actor=actor, role=role, filters={"year": year}, rows=count)
    return Export(content=content, rows=count, filename=f"evaluation-grade-summary-{now:%Y%m%d-%H%M%S}.xlsx")
