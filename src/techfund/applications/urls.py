from django.urls import path

from techfund.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("start/<int:call_pk>/", views.application_start, name="start"),
    path("screening/", views.screening, name="screening"),
    path("screening/forward/<int:call_pk>/", views.forward, name="forward"),
    path("formal/", views.formal_queue, name="formal_queue"),
    path("attachments/<int:attachment_pk>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/edit/", views.application_edit, name="edit"),
    path("<int:pk>/autosave/", views.application_autosave, name="autosave"),
    path("<int:pk>/submit/", views.application_submit, name="submit"),
    path("<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/remove/", views.attachment_remove, name="attachment_remove"
    ),
    path("<int:pk>/prescreen/", views.application_prescreen, name="prescreen"),
    path("<int:pk>/formal-check/", views.application_formal_check, name="formal_check"),
]
