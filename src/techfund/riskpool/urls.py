from django.urls import path

from techfund.riskpool import views

app_name = "riskpool"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/", views.export, name="export"),
    path("banks/new/", views.bank_new, name="bank_new"),
    path("pools/new/", views.pool_new, name="pool_new"),
    path("pools/<int:pk>/", views.pool_detail, name="pool_detail"),
    path("pools/<int:pk>/fund/", views.pool_fund, name="pool_fund"),
    path("pools/<int:pk>/return/", views.pool_return, name="pool_return"),
    path("pools/<int:pk>/loans/new/", views.loan_new, name="loan_new"),
    path("loans/", views.loan_list, name="loan_list"),
    path("loans/<int:pk>/", views.loan_detail, name="loan_detail"),
    path("loans/<int:pk>/filings/", views.filing_new, name="filing_new"),
    path("loans/<int:pk>/claim/", views.claim_new, name="claim_new"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/review/", views.claim_review, name="claim_review"),
    path("claims/<int:pk>/approve/", views.claim_approve, name="claim_approve"),
    path("claims/<int:pk>/pay/", views.claim_pay, name="claim_pay"),
    path("claims/<int:pk>/recoveries/", views.recovery_new, name="recovery_new"),
]
