from django.urls import path

from techfund.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.active, name="active"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/source/", views.source, name="source"),
    path("load/", views.load, name="load"),
]
