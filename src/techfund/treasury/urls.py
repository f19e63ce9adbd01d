from django.urls import path

from techfund.treasury import views

app_name = "treasury"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("instructions/", views.instruction_list, name="instruction_list"),
    path("instructions/<int:pk>/", views.instruction_detail, name="instruction_detail"),
    path("instructions/<int:pk>/cancel/", views.instruction_cancel, name="instruction_cancel"),
    path("batches/new/", views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/file.<str:fmt_>", views.batch_export, name="batch_export"),
    path("batches/<int:pk>/reconciliation.xlsx", views.batch_reconciliation, name="batch_reconciliation"),
    path("batches/<int:pk>/import/", views.batch_import, name="batch_import"),
    path("batches/<int:pk>/import/apply/", views.batch_import_apply, name="batch_import_apply"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/<int:org_id>/", views.account_detail, name="account_detail"),
    path("accounts/verify/<int:pk>/", views.account_verify, name="account_verify"),
]
