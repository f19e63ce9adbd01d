from rest_framework.routers import DefaultRouter

from techfund.emergency import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("emergency/requests", api.RequestViewSet, basename="emergency-request")
urlpatterns = router.urls
