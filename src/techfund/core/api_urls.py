from django.urls import path
from rest_framework.routers import DefaultRouter

from techfund.core import api_views

router = DefaultRouter(trailing_slash=True)
router.register("organisations", api_views.OrganisationViewSet, basename="organisation")
router.register("users", api_views.UserViewSet, basename="user")
router.register("role-grants", api_views.RoleGrantViewSet, basename="rolegrant")
router.register("audit-events", api_views.AuditEventViewSet, basename="auditevent")

urlpatterns = [
    path("me/", api_views.MeView.as_view(), name="api-me"),
    *router.urls,
]
