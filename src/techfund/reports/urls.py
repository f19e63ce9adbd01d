from django.urls import path

from techfund.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("runs/<int:pk>/download/", views.download, name="download"),
]
