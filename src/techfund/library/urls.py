from django.urls import path

from techfund.library import views

app_name = "library"
urlpatterns = [
    path("", views.library, name="list"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
]
