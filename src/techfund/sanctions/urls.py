from django.urls import path

from techfund.sanctions import views

app_name = "sanctions"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/", views.export, name="export"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/decide/", views.order_decide, name="order_decide"),
    path("projects/<int:project_id>/propose/", views.order_new, name="order_new"),
    path("recoveries/", views.recovery_list, name="recovery_list"),
    path("recoveries/<int:pk>/", views.recovery_detail, name="recovery_detail"),
    path("recoveries/<int:pk>/decide/", views.recovery_decide, name="recovery_decide"),
    path("recoveries/<int:pk>/receipts/", views.receipt_new, name="receipt_new"),
    path("projects/<int:project_id>/recover/", views.recovery_new, name="recovery_new"),
]
