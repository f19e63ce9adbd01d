"""Pages of expert review: plans (included by techfund.review.urls under the "review" namespace)."""

from django.urls import path

from techfund.review import views_plans as v

urlpatterns: list = [
    path("rounds/<int:pk>/plans/", v.round_plans, name="round_plans"),
    path("plans/<int:pk>/", v.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/release/", v.plan_release, name="plan_release"),
    path("plans/<int:pk>/discard/", v.plan_discard, name="plan_discard"),
    path("plans/<int:pk>/export/", v.plan_export, name="plan_export"),
    path("tasks/<int:pk>/accept/", v.task_accept, name="task_accept"),
    path("assignments/<int:pk>/replace/", v.assignment_replace, name="assignment_replace"),
]
