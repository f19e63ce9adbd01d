from django.urls import path

from techfund.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("export.xlsx", views.project_export, name="project_export"),
    path("arrange/", views.arrange, name="arrange"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/statutory-approval/", views.statutory_approval, name="statutory_approval"),
    path("<int:pk>/contract/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/contract/new/", views.contract_new, name="contract_new"),
    path("<int:pk>/contract/sign/", views.contract_sign, name="contract_sign"),
    path("<int:pk>/contract.pdf", views.contract_pdf, name="contract_pdf"),
    path("tranches/<int:pk>/pay/", views.tranche_pay, name="tranche_pay"),
    path("tranches/<int:pk>/instruct/", views.tranche_instruct, name="tranche_instruct"),
]
