from rest_framework.routers import DefaultRouter

from techfund.review import api, api_meetings, api_plans, api_pool

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("review/rounds", api.RoundViewSet, basename="review-round")
router.register("review/assignments", api.AssignmentViewSet, basename="review-assignment")
router.register("review/results", api.ResultViewSet, basename="review-result")
for module in (api_pool, api_plans, api_meetings):
    module.register(router)
urlpatterns = router.urls
