from rest_framework.routers import DefaultRouter

from techfund.sanctions import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("sanctions/orders", api.SanctionOrderViewSet, basename="sanctions-order")
router.register("sanctions/recoveries", api.RecoveryOrderViewSet, basename="sanctions-recovery")
router.register("sanctions/receipts", api.RecoveryReceiptViewSet, basename="sanctions-receipt")
urlpatterns = router.urls
