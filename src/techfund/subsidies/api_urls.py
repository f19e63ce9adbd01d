from rest_framework.routers import DefaultRouter

from techfund.subsidies import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("subsidies/rates", api.ReferenceRateViewSet, basename="subsidies-rate")
router.register("subsidies/loans", api.LoanViewSet, basename="subsidies-loan")
router.register("subsidies/claims", api.SubsidyClaimViewSet, basename="subsidies-claim")
urlpatterns = router.urls
