from rest_framework.routers import DefaultRouter

from techfund.evaluation import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register(
    "evaluation/self-evaluations", api.SelfEvaluationViewSet, basename="evaluation-self-evaluation"
)
router.register("evaluation/comprehensive", api.ComprehensiveViewSet, basename="evaluation-comprehensive")
router.register("evaluation/grades", api.GradeViewSet, basename="evaluation-grade")
router.register("evaluation/next-year", api.NextYearViewSet, basename="evaluation-next-year")
urlpatterns = router.urls
