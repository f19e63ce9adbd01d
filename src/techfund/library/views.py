"""Web pages of the project library (项目库): search, Excel export and the record page with its timeline.

Thin: each page reads through ``search`` (scope included) and exports through the service. A record
outside the user's scope answers 404; roles that do not use the library (experts, administrators)
get 403.
"""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from techfund.applications.enums import BudgetCategory
from techfund.core.permissions import require
from techfund.core.views.helpers import paginate
from techfund.library import services
from techfund.library.forms import LibraryFilterForm
from techfund.library.search import query_terms, records, search
from techfund.library.timeline import record_label, timeline_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 30

#: Columns whose header sorts the table: column → (order ascending, order descending).
SORTABLE = {
    "number": ("number", "number"),
    "title": ("title", "title"),
    "amount": ("amount_asc", "amount_desc"),
    "submitted": ("oldest", "newest"),
}


def _filters(request) -> LibraryFilterForm:
    return LibraryFilterForm({k: request.GET.get(k, "") for k in LibraryFilterForm.FIELDS}, user=request.user)


@login_required
def library(request):
    require(request.user, "library.search")
    filters = _filters(request)
    page, terms = None, []
    if filters.is_valid():
        kwargs = filters.search_kwargs()
        terms = query_terms(kwargs["q"])
        page = paginate(request, search(request.user, **kwargs), per_page=PAGE_SIZE)
    order = (filters.cleaned_data.get("order") or "relevance") if page is not None else ""
    return render(
        request,
        "library/list.html",
        {"filters": filters, "page": page, "terms": terms, "order": order, "sort": sort_links(order)},
        status=200 if page is not None else 400,
    )


def sort_links(order: str) -> dict[str, dict]:
    """For each sortable column: the order its header link asks for, and the current direction."""
    out = {}
    for column, (asc, desc) in SORTABLE.items():
        if order == desc and asc != desc:
            out[column] = {"order": asc, "aria": "descending"}
        elif order == asc:
            out[column] = {"order": desc, "aria": "ascending"}
        else:
            out[column] = {"order": desc if column in ("amount", "submitted") else asc, "aria": ""}
    return out


@login_required
def export(request):
    require(request.user, "library.export")
    filters = _filters(request)
    if not filters.is_valid():
        return render(
            request, "library/list.html", {"filters": filters, "page": None, "terms": []}, status=400
        )
    result = services.export_results(
        actor=request.user, filters=filters.search_kwargs(), description=filters.description()
    )
    response = HttpResponse(result.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(result.filename)}"
    response["X-Rows"] = str(result.rows)
    return response


@login_required
def detail(request, pk: int):
    require(request.user, "library.view_application")
    app = get_object_or_404(records(request.user).select_related("batch__department"), pk=pk)
    events = list(timeline_for(app, request.user))
    for ev in events:
        ev.record_label = record_label(ev)
    budget = list(app.budget_lines.values("category").annotate(total=Sum("amount")).order_by("category"))
    for line in budget:
        line["label"] = (
            BudgetCategory(line["category"]).label if line["category"] in BudgetCategory.values else ""
        )
    return render(
        request,
        "library/detail.html",
        {
            "app": app,
            "team": list(app.team.all()),
            "budget": budget,
            "budget_total": sum((b["total"] for b in budget), 0),
            "events": events,
        },
    )
