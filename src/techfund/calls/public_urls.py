"""The public pages of the calls (no login), mounted at ``/public/calls/``."""

from django.urls import path

from techfund.calls import views

app_name = "public_calls"
urlpatterns = [
    path("", views.public_list, name="list"),
    path("<int:pk>/", views.public_detail, name="detail"),
]
