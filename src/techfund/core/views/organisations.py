"""Organisations (list/register/view) and departments (list/create)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from techfund.core import scopes
from techfund.core.enums import Qualification
from techfund.core.errors import ServiceError
from techfund.core.forms import DepartmentForm, OrganisationFilterForm, OrganisationForm
from techfund.core.models import Department
from techfund.core.permissions import can, require
from techfund.core.services import people
from techfund.core.views.helpers import paginate


@login_required
def organisation_list(request):
    require(request.user, "core.view_organisations")
    qs = scopes.visible_organisations(request.user).order_by("name", "pk")
    filters = OrganisationFilterForm(request.GET or None)
    if filters.is_valid():
        if q := filters.cleaned_data.get("q"):
            qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()))
        if kind := filters.cleaned_data.get("kind"):
            qs = qs.filter(kind=kind)
    return render(
        request,
        "core/organisation_list.html",
        {
            "page": paginate(request, qs),
            "filters": filters,
            "can_register": can(request.user, "core.register_organisation"),
        },
    )


@login_required
def organisation_create(request):
    require(request.user, "core.register_organisation")
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = people.register_organisation(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("单位“%(name)s”已登记。") % {"name": org.name})
            return redirect("organisation_detail", pk=org.pk)
    return render(request, "core/organisation_form.html", {"form": form})


@login_required
def organisation_detail(request, pk: int):
    org = get_object_or_404(scopes.visible_organisations(request.user).select_related("parent"), pk=pk)
    quals = [Qualification(q).label for q in org.qualifications if q in Qualification.values]
    return render(request, "core/organisation_detail.html", {"org": org, "qualification_labels": quals})


@login_required
def department_list(request):
    require(request.user, "core.manage_departments")
    qs = Department.objects.order_by("code")
    return render(request, "core/department_list.html", {"page": paginate(request, qs)})


@login_required
def department_create(request):
    require(request.user, "core.manage_departments")
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dept = people.create_department(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("职能部门“%(name)s”已创建。") % {"name": dept.name})
            return redirect("department_list")
    return render(request, "core/department_form.html", {"form": form})
