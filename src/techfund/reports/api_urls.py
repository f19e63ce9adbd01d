from django.urls import path
from rest_framework.routers import DefaultRouter

from techfund.reports import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("reports/runs", api.ReportRunViewSet, basename="reports-run")
urlpatterns = [
    path("reports/preview/", api.ReportPreviewView.as_view(), name="reports-preview"),
    *router.urls,
]
