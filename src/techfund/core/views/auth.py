from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from techfund.core import security
from techfund.core.errors import ServiceError
from techfund.core.forms import LoginForm, PasswordChangeForm
from techfund.core.services import people


class LoginView(auth_views.LoginView):
    """Sign-in. django-axes locks an account after the policy's number of failures."""

    template_name = "core/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["failure_limit"] = security.lockout_failure_limit(self.request)
        ctx["cooloff"] = security.lockout_cooloff(self.request)
        return ctx


class LogoutView(auth_views.LogoutView):
    """Sign-out, by POST only."""


@sensitive_post_parameters("old", "new", "new2")
@login_required
def password_change(request):
    forced = request.user.must_change_password
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = people.change_password(
                request.user, actor=request.user, old=form.cleaned_data["old"], new=form.cleaned_data["new"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            return redirect("home")
    return render(request, "core/password_change.html", {"form": form, "forced": forced})
