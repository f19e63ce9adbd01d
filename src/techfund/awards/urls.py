from django.urls import path

from techfund.awards import views

app_name = "awards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("competitions/<int:pk>/", views.schedule, name="schedule"),
    path("competitions/<int:pk>/apply/", views.apply, name="apply"),
    path("competitions/<int:pk>/export/", views.schedule_export, name="schedule_export"),
    path("competitions/<int:pk>/diligence/", views.diligence_list, name="diligence_list"),
    path("competitions/<int:pk>/diligence/new/", views.diligence_new, name="diligence_new"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("projects/<int:pk>/verify/", views.verify, name="verify"),
    path("projects/<int:pk>/instruct/", views.instruct, name="instruct"),
]
