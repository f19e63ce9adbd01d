app_name = "riskpool"
urlpatterns: list = []
