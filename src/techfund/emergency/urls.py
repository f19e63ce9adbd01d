from django.urls import path

from techfund.emergency import views

app_name = "emergency"
urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_new, name="request_new"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/decide/", views.request_decide, name="request_decide"),
]
