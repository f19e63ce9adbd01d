from rest_framework.routers import DefaultRouter

from techfund.awards import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("awards/competitions", api.CompetitionViewSet, basename="awards-competition")
router.register("awards/diligence", api.DueDiligenceViewSet, basename="awards-diligence")
router.register("awards/projects", api.AwardProjectViewSet, basename="awards-project")
router.register("awards/payments", api.AwardPaymentViewSet, basename="awards-payment")
urlpatterns = router.urls
