from django.urls import path

from techfund.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("overdue.xlsx", views.overdue_export, name="overdue_export"),
    path("projects/<int:pk>/", views.project_monitoring, name="project"),
    path("projects/<int:pk>/report/", views.report_new, name="report_new"),
    path("projects/<int:pk>/rectify/", views.rectification_new, name="rectification_new"),
    path("projects/<int:pk>/escalate/", views.escalation_new, name="escalation_new"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("rectifications/<int:pk>/respond/", views.rectification_respond, name="rectification_respond"),
    path("rectifications/<int:pk>/verify/", views.rectification_verify, name="rectification_verify"),
    path("escalations/", views.escalation_list, name="escalation_list"),
    path("escalations/<int:pk>/", views.escalation_detail, name="escalation_detail"),
    path("escalations/<int:pk>/handle/", views.escalation_handle, name="escalation_handle"),
]
