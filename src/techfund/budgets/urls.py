from django.urls import path

from techfund.budgets import views

app_name = "budgets"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("projects/<int:project_id>/", views.project_budget, name="project"),
    path("projects/<int:project_id>/adjust/", views.adjust, name="adjust"),
    path("projects/<int:project_id>/expenditures/", views.expenditure_new, name="expenditure_new"),
    path(
        "projects/<int:project_id>/expenditures/import/", views.expenditure_import, name="expenditure_import"
    ),
    path("adjustments/<int:pk>/", views.adjustment_detail, name="adjustment"),
    path("adjustments/<int:pk>/decide/", views.adjustment_decide, name="adjustment_decide"),
]
