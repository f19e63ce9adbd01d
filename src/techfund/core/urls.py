from django.urls import path

from techfund.core.views import accounts, audit, auth, grants, home, jobs, organisations

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password/", auth.password_change, name="password_change"),
    # system administrator
    path("accounts/", accounts.user_list, name="user_list"),
    path("accounts/new/", accounts.user_create, name="user_create"),
    path("accounts/<int:pk>/", accounts.user_detail, name="user_detail"),
    path("organisations/", organisations.organisation_list, name="organisation_list"),
    path("organisations/new/", organisations.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation_detail"),
    path("departments/", organisations.department_list, name="department_list"),
    path("departments/new/", organisations.department_create, name="department_create"),
    # security administrator
    path("grants/", grants.grant_list, name="grant_list"),
    path("grants/new/", grants.grant_create, name="grant_create"),
    path("grants/<int:pk>/revoke/", grants.grant_revoke, name="grant_revoke"),
    # auditor and audit administrator
    path("audit/", audit.audit_list, name="audit_list"),
    path("audit/export/", audit.audit_export, name="audit_export"),
    path("audit/verify/", audit.audit_verify, name="audit_verify"),
    *getattr(jobs, "urlpatterns", []),
]
