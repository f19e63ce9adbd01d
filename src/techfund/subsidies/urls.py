from django.urls import path

from techfund.subsidies import views

app_name = "subsidies"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/", views.export, name="export"),
    path("rates/", views.rates, name="rates"),
    path("loans/", views.loan_list, name="loan_list"),
    path("loans/<int:pk>/", views.loan_detail, name="loan_detail"),
    path("loans/<int:pk>/drawdowns/", views.drawdown_new, name="drawdown_new"),
    path("loans/<int:pk>/repayments/", views.repayment_new, name="repayment_new"),
    path("loans/<int:pk>/interest/", views.interest_new, name="interest_new"),
    path("loans/<int:pk>/claims/new/", views.claim_new, name="claim_new"),
    path("projects/<int:project_id>/loans/new/", views.loan_new, name="loan_new"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/submit/", views.claim_submit, name="claim_submit"),
    path("claims/<int:pk>/verify/", views.claim_verify, name="claim_verify"),
    path("claims/<int:pk>/approve/", views.claim_approve, name="claim_approve"),
    path("claims/<int:pk>/instruct/", views.claim_instruct, name="claim_instruct"),
]
