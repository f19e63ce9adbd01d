"""Pages of expert review: meetings (included by techfund.review.urls under the "review" namespace)."""

urlpatterns: list = []
