"""The system administrator's account pages (三员分立: accounts only, no role grants)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from techfund.core import scopes
from techfund.core.errors import ServiceError
from techfund.core.forms import UserCreateForm, UserFilterForm
from techfund.core.permissions import require
from techfund.core.services import people
from techfund.core.views.helpers import paginate


@login_required
def user_list(request):
    require(request.user, "core.manage_accounts")
    qs = (
        scopes.visible_users(request.user)
        .prefetch_related(scopes.active_grants_prefetch())
        .order_by("username")
    )
    filters = UserFilterForm(request.GET or None)
    if filters.is_valid():
        if q := filters.cleaned_data.get("q"):
            qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
        if role := filters.cleaned_data.get("role"):
            qs = qs.filter(grants__role=role, grants__revoked_at__isnull=True).distinct()
    return render(request, "core/user_list.html", {"page": paginate(request, qs), "filters": filters})


@sensitive_post_parameters("password", "password2")
@login_required
def user_create(request):
    require(request.user, "core.manage_accounts")
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = people.create_user(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                display_name=data["display_name"],
                email=data["email"],
                must_change_password=data["must_change_password"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("账号“%(u)s”已创建。") % {"u": user.username})
            return redirect("user_detail", pk=user.pk)
    return render(request, "core/user_form.html", {"form": form})


@login_required
def user_detail(request, pk: int):
    require(request.user, "core.manage_accounts")
    account = get_object_or_404(scopes.visible_users(request.user), pk=pk)
    grants = account.grants.select_related("organisation", "department").order_by("-granted_at")
    return render(request, "core/user_detail.html", {"account": account, "grants": grants})
