from django.urls import path
from rest_framework.routers import DefaultRouter

from techfund.funds import api, trace_views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("funds/years", api.FundYearViewSet, basename="funds-year")
router.register("funds/contributions", api.ContributionViewSet, basename="funds-contribution")
router.register("funds/frameworks", api.FrameworkViewSet, basename="funds-framework")
urlpatterns = [
    *router.urls,
    path("funds/trace/<int:year>/", trace_views.TraceReportView.as_view(), name="funds-trace"),
]
