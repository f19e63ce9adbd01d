from django.urls import path

from techfund.policy import api

urlpatterns = [
    path("policy/active/", api.ActiveProfileView.as_view(), name="api-policy-active"),
    path("policy/profiles/", api.ProfileListView.as_view(), name="api-policy-profiles"),
    path("policy/profiles/<int:pk>/", api.ProfileDetailView.as_view(), name="api-policy-profile"),
]
