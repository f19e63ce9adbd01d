from django.urls import path

from techfund.calls import views

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("available/", views.available, name="available"),
    path("new/<int:year>/", views.call_new, name="new"),
    path("<int:pk>/", views.call_detail, name="detail"),
    path("<int:pk>/edit/", views.call_edit, name="edit"),
    path("<int:pk>/publish/", views.call_publish, name="publish"),
    path("<int:pk>/close/", views.call_close, name="close"),
    path("<int:pk>/cancel/", views.call_cancel, name="cancel"),
]
