from rest_framework.routers import DefaultRouter

from techfund.treasury import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("treasury/instructions", api.InstructionViewSet, basename="treasury-instruction")
router.register("treasury/batches", api.BatchViewSet, basename="treasury-batch")
router.register("treasury/accounts", api.AccountViewSet, basename="treasury-account")
urlpatterns = router.urls
