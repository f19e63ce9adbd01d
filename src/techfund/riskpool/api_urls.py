from rest_framework.routers import DefaultRouter

from techfund.riskpool import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("riskpool/pools", api.PoolViewSet, basename="riskpool-pool")
router.register("riskpool/loans", api.LoanViewSet, basename="riskpool-loan")
router.register("riskpool/claims", api.ClaimViewSet, basename="riskpool-claim")
urlpatterns = router.urls
