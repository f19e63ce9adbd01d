from django.urls import path

from techfund.equity import views

app_name = "equity"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/convert/", views.convert, name="convert"),
    path("<int:pk>/write-off/", views.write_off, name="write_off"),
    path("<int:pk>/exit/", views.exit_new, name="exit_new"),
    path("stages/<int:pk>/instruct/", views.instruct, name="instruct"),
    path("write-offs/<int:pk>/decide/", views.write_off_decide, name="write_off_decide"),
    path("exits/<int:pk>/decide/", views.exit_decide, name="exit_decide"),
    path("projects/<int:project_id>/register/", views.register, name="register"),
]
