"""The security administrator's pages: grant and revoke roles (三员分立 enforced by the service)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from techfund.core import scopes
from techfund.core.errors import ServiceError
from techfund.core.forms import GrantForm, RevokeForm, UserFilterForm
from techfund.core.permissions import require
from techfund.core.services import people
from techfund.core.views.helpers import paginate


@login_required
def grant_list(request):
    require(request.user, "core.grant_roles")
    qs = scopes.visible_grants(request.user).order_by("-granted_at", "-pk")
    show_revoked = request.GET.get("revoked") == "1"
    if not show_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    filters = UserFilterForm(request.GET or None)
    if filters.is_valid():
        if q := filters.cleaned_data.get("q"):
            qs = qs.filter(Q(user__username__icontains=q) | Q(user__display_name__icontains=q))
        if role := filters.cleaned_data.get("role"):
            qs = qs.filter(role=role)
    return render(
        request,
        "core/grant_list.html",
        {"page": paginate(request, qs), "filters": filters, "show_revoked": show_revoked},
    )


@login_required
def grant_create(request):
    require(request.user, "core.grant_roles")
    actor = request.user
    initial = {"user": request.GET.get("user")} if request.GET.get("user", "").isdigit() else {}
    form = GrantForm(
        request.POST or None,
        initial=initial,
        users=scopes.visible_users(actor).filter(is_active=True).order_by("username"),
        organisations=scopes.grantable_organisations(actor).order_by("name"),
        departments=scopes.visible_departments(actor).filter(is_active=True).order_by("code"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = people.grant_role(
                actor=actor,
                user=data["user"],
                role=data["role"],
                organisation=data["organisation"],
                department=data["department"],
                reason=data["reason"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已授予：%(grant)s。") % {"grant": grant})
            return redirect("grant_list")
    return render(request, "core/grant_form.html", {"form": form})


@login_required
def grant_revoke(request, pk: int):
    require(request.user, "core.grant_roles")
    grant = get_object_or_404(scopes.visible_grants(request.user), pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people.revoke_role(actor=request.user, grant=grant, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已撤销：%(grant)s。") % {"grant": grant})
            return redirect("grant_list")
    return render(request, "core/grant_revoke.html", {"form": form, "grant": grant})
