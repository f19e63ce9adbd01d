from django.urls import path

from techfund.review import urls_meetings, urls_plans, urls_pool, views

app_name = "review"
urlpatterns = [
    path("experts/", views.expert_list, name="expert_list"),
    path("experts/new/", views.expert_new, name="expert_new"),
    path("experts/<int:pk>/edit/", views.expert_edit, name="expert_edit"),
    path("rounds/", views.round_list, name="round_list"),
    path("calls/<int:call_pk>/", views.call_rounds, name="call_rounds"),
    path("calls/<int:call_pk>/rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/assign/", views.round_assign, name="round_assign"),
    path("rounds/<int:pk>/open/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("assignments/<int:pk>/unassign/", views.assignment_unassign, name="assignment_unassign"),
    path("ranking/", views.ranking, name="ranking"),
    path("applications/<int:pk>/", views.application_review, name="application_review"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/decline/", views.task_decline, name="task_decline"),
    *urls_pool.urlpatterns,
    *urls_plans.urlpatterns,
    *urls_meetings.urlpatterns,
]
