from rest_framework.routers import DefaultRouter

from techfund.library import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("library", api.LibraryViewSet, basename="library")
urlpatterns = router.urls
