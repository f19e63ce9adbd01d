from django.urls import path
from rest_framework.routers import DefaultRouter

from techfund.monitoring import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("monitoring/reports", api.ReportViewSet, basename="monitoring-report")
router.register("monitoring/rectifications", api.RectificationViewSet, basename="monitoring-rectification")
router.register("monitoring/escalations", api.EscalationViewSet, basename="monitoring-escalation")
router.register("monitoring/schedules", api.ScheduleViewSet, basename="monitoring-schedule")
urlpatterns = [
    path("monitoring/overdue/", api.OverdueView.as_view(), name="monitoring-overdue"),
    *router.urls,
]
