from rest_framework.routers import DefaultRouter

from techfund.equity import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("equity/investments", api.InvestmentViewSet, basename="equity-investment")
router.register("equity/write-offs", api.WriteOffViewSet, basename="equity-write-off")
router.register("equity/exits", api.ExitViewSet, basename="equity-exit")
urlpatterns = router.urls
