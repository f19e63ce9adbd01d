app_name = "equity"
urlpatterns: list = []
