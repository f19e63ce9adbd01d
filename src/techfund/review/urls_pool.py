"""Pages of expert review: pool (included by techfund.review.urls under the "review" namespace)."""

urlpatterns: list = []
