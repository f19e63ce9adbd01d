"""The audit trail pages for the auditor and the audit administrator: list, Excel export, chain check."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from techfund.core import audit_actions, scopes
from techfund.core.errors import ServiceError
from techfund.core.filters import AuditFilterForm
from techfund.core.permissions import require
from techfund.core.services import trail
from techfund.core.views.helpers import paginate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request) -> AuditFilterForm:
    return AuditFilterForm({k: request.GET.get(k, "") for k in AuditFilterForm.FIELDS})


@login_required
def audit_list(request):
    require(request.user, "core.view_audit_trail")
    filters = _filters(request)
    qs = scopes.visible_audit_events(request.user).order_by("-seq")
    page = paginate(request, filters.apply(qs)) if filters.is_valid() else None
    return render(
        request,
        "core/audit_list.html",
        {"filters": filters, "page": page, "actions": audit_actions.choices()},
    )


@login_required
def audit_export(request):
    require(request.user, "core.view_audit_trail")
    filters = _filters(request)
    if not filters.is_valid():
        return render(
            request,
            "core/audit_list.html",
            {"filters": filters, "page": None, "actions": audit_actions.choices()},
            status=400,
        )
    try:
        export = trail.export_events(
            actor=request.user, filters=filters.cleaned_data, description=filters.description()
        )
    except ServiceError as exc:  # too many rows: ask for narrower filters
        qs = scopes.visible_audit_events(request.user).order_by("-seq")
        context = {
            "filters": filters,
            "page": paginate(request, filters.apply(qs)),
            "actions": audit_actions.choices(),
            "error": exc,
        }
        return render(request, "core/audit_list.html", context, status=400)
    response = HttpResponse(export.content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(export.filename)}"
    response["X-Rows"] = str(export.rows)
    return response


@login_required
@require_POST
def audit_verify(request):
    require(request.user, "core.view_audit_trail")
    result = trail.verify_chain(actor=request.user)
    template = "core/_audit_verify_result.html" if request.htmx else "core/audit_verify.html"
    return render(request, template, {"result": result})
