from django.urls import path

from techfund.funds import trace_views, views

app_name = "funds"
urlpatterns = [
    path("", views.year_list, name="year_list"),
    path("open/", views.year_open, name="year_open"),
    path("<int:year>/", views.year_detail, name="year_detail"),
    path("<int:year>/contributions/new/", views.contribution_new, name="contribution_new"),
    path("<int:year>/frameworks/new/", views.framework_new, name="framework_new"),
    path("<int:year>/trace/", trace_views.trace_report, name="trace"),
    path("<int:year>/trace/export/", trace_views.trace_export, name="trace_export"),
    path("contributions/<int:pk>/void/", views.contribution_void, name="contribution_void"),
    path("frameworks/<int:pk>/", views.framework_detail, name="framework_detail"),
    path("frameworks/<int:pk>/edit/", views.framework_edit, name="framework_edit"),
    path("frameworks/<int:pk>/submit/", views.framework_submit, name="framework_submit"),
    path("frameworks/<int:pk>/approve/", views.framework_approve, name="framework_approve"),
    path("frameworks/<int:pk>/return/", views.framework_return, name="framework_return"),
]
