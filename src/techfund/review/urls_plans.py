"""Pages of expert review: plans (included by techfund.review.urls under the "review" namespace)."""

urlpatterns: list = []
