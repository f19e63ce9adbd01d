from rest_framework.routers import DefaultRouter

from techfund.applications import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("applications", api.ApplicationViewSet, basename="applications-application")
router.register("batches", api.BatchViewSet, basename="applications-batch")
urlpatterns = router.urls
