from django.urls import path

from techfund.decisions import public_views

app_name = "public_publicity"
urlpatterns = [
    path("", public_views.publicity_list, name="publicity_list"),
    path("<int:pk>/", public_views.publicity_detail, name="publicity_detail"),
    path("<int:pk>/objection/", public_views.objection_new, name="objection_new"),
    path("<int:pk>/objection/done/", public_views.objection_done, name="objection_done"),
]
