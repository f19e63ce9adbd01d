from rest_framework.routers import DefaultRouter

from techfund.calls import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("calls", api.CallViewSet, basename="calls-call")
router.register("public/calls", api.PublicCallViewSet, basename="calls-public")
urlpatterns = router.urls
