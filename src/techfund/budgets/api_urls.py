from rest_framework.routers import DefaultRouter

from techfund.budgets import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("budgets/budgets", api.BudgetViewSet, basename="budgets-budget")
router.register("budgets/adjustments", api.AdjustmentViewSet, basename="budgets-adjustment")
router.register("budgets/expenditures", api.ExpenditureViewSet, basename="budgets-expenditure")
router.register("budgets/rates", api.RatesViewSet, basename="budgets-rates")
urlpatterns = router.urls
