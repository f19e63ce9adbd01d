"""Reading the grades (read-only): confirmed comprehensive evaluations per project, and their counts,
average score and amounts per department and per focus area, always over the projects a person sees.

The grade of a project is its confirmed comprehensive evaluation's (综合绩效评价); a self-evaluation's
own grade is the unit's view and shown beside it on the project's pages.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet, Sum

from techfund.core.services import ledger
from techfund.evaluation.enums import ComprehensiveState, Grade
from techfund.evaluation.models import ComprehensiveEvaluation
from techfund.evaluation.scopes import visible_comprehensive

CENT = Decimal("0.01")
#: The groupings of ``grade_summary``: the values that identify a row, and its name and order.
GROUPINGS = {
    "department": {
        "keys": ("project__department__code", "project__department__name"),
        "code": "project__department__code",
        "name": "project__department__name",
        "order": ("project__department__code",),
    },
    "focus_area": {
        "keys": ("project__focus_area__code", "project__focus_area__name", "project__focus_area__order"),
        "code": "project__focus_area__code",
        "name": "project__focus_area__name",
        "order": ("project__focus_area__order", "project__focus_area__code"),
    },
}


def graded(user) -> QuerySet[ComprehensiveEvaluation]:
    """The confirmed comprehensive evaluations ``user`` may see."""
    return visible_comprehensive(user).filter(state=ComprehensiveState.CONFIRMED)


def filter_grades(qs, *, year=None, focus_area=None, department=None, grade=None, emergency=None):
    """Narrow ``graded(user)`` by fund year, focus area code, department code, grade code."""
    if year:
        qs = qs.filter(project__fund_year__year=year)
    if focus_area:
        qs = qs.filter(project__focus_area__code=focus_area)
    if department:
        qs = qs.filter(project__department__code=department)
    if grade in Grade.values:
        qs = qs.filter(grade=grade)
    if emergency is not None:
        qs = qs.filter(project__emergency=emergency)
    return qs


def grade_rows(qs):
    """The project rows of a grades list, with what each row shows, in one query."""
    return qs.select_related(
        "project__fund_year",
        "project__focus_area",
        "project__department",
        "project__organisation",
        "self_evaluation",
    ).order_by("-project__fund_year__year", "project__focus_area__order", "project__number")


def _avg(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def grade_summary(qs, *, by: str) -> dict:
    """Counts of 优 / 良 / 中 / 差, the average total and the projects' arranged amounts, grouped ``by``
    ``department`` or ``focus_area`` (one query), with the overall row: ``{"rows": [...], "total": {...}}``."""
    g = GROUPINGS[by]
    counts = {code: Count("id", filter=Q(grade=code)) for code in Grade.values}
    rows = []
    for r in (
        qs.values(*g["keys"])
        .annotate(n=Count("id"), average=Avg("total"), amount=Sum("project__amount"), **counts)
        .order_by(*g["order"])
    ):
        rows.append(
            {
                "code": r[g["code"]],
                "name": r[g["name"]],
                "n": r["n"],
                "grades": {code: r[code] for code in Grade.values},
                "average": _avg(r["average"]),
                "amount": (r["amount"] or ledger.ZERO).quantize(CENT),
            }
        )
    overall = qs.aggregate(n=Count("id"), average=Avg("total"), amount=Sum("project__amount"), **counts)
    total = {
        "n": overall["n"],
        "grades": {code: overall[code] for code in Grade.values},
        "average": _avg(overall["average"]),
        "amount": (overall["amount"] or ledger.ZERO).quantize(CENT),
    }
    return {"rows": rows, "total": total}
