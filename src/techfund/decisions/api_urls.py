from rest_framework.routers import DefaultRouter

from techfund.decisions import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("decisions/batches", api.BatchViewSet, basename="decisions-batch")
router.register("decisions/items", api.ItemViewSet, basename="decisions-item")
router.register("decisions/publicities", api.PublicityViewSet, basename="decisions-publicity")
router.register("decisions/objections", api.ObjectionViewSet, basename="decisions-objection")
router.register(
    "decisions/public/publicities", api.PublicPublicityViewSet, basename="decisions-public-publicity"
)
urlpatterns = router.urls
