from rest_framework.routers import DefaultRouter

from techfund.projects import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# The nested prefixes first: ``projects/<id>/`` only takes digits, but keep the order explicit.
router.register("projects/contracts", api.ContractViewSet, basename="projects-contract")
router.register("projects/tranches", api.TrancheViewSet, basename="projects-tranche")
router.register("projects/payments", api.PaymentViewSet, basename="projects-payment")
router.register("projects", api.ProjectViewSet, basename="projects-project")

urlpatterns = router.urls
