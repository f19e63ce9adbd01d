from django.urls import path

from techfund.decisions import views

app_name = "decisions"
urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/submit/", views.batch_submit, name="batch_submit"),
    path("batches/<int:pk>/add/<int:application_id>/", views.item_new, name="item_new"),
    path("items/", views.item_list, name="item_list"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/remove/", views.item_remove, name="item_remove"),
    path("items/<int:pk>/decide/", views.item_decide, name="item_decide"),
    path("publicities/", views.publicity_list, name="publicity_list"),
    path("publicities/new/", views.publicity_new, name="publicity_new"),
    path("publicities/<int:pk>/", views.publicity_detail, name="publicity_detail"),
    path("publicities/<int:pk>/end/", views.publicity_end, name="publicity_end"),
    path("objections/", views.objection_list, name="objection_list"),
    path("objections/<int:pk>/", views.objection_detail, name="objection_detail"),
]
