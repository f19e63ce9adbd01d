from django.urls import path

from techfund.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/self-evaluation/", views.self_evaluation_new, name="self_evaluation_new"),
    path("projects/<int:pk>/comprehensive/", views.comprehensive_new, name="comprehensive_new"),
    path("self-evaluations/", views.self_evaluation_list, name="self_evaluation_list"),
    path("self-evaluations/<int:pk>/", views.self_evaluation_detail, name="self_evaluation_detail"),
    path("self-evaluations/<int:pk>/accept/", views.self_evaluation_accept, name="self_evaluation_accept"),
    path("self-evaluations/<int:pk>/return/", views.self_evaluation_return, name="self_evaluation_return"),
    path("comprehensive/", views.comprehensive_list, name="comprehensive_list"),
    path("comprehensive/<int:pk>/", views.comprehensive_detail, name="comprehensive_detail"),
    path("comprehensive/<int:pk>/confirm/", views.comprehensive_confirm, name="comprehensive_confirm"),
    path("comprehensive/<int:pk>/return/", views.comprehensive_return, name="comprehensive_return"),
    path("grades/", views.grade_list, name="grade_list"),
    path("grades/export/", views.grade_export, name="grade_export"),
    path("grades/summary/", views.grade_summary, name="grade_summary"),
    path("grades/summary/export/", views.grade_summary_export, name="grade_summary_export"),
    path("next-year/", views.next_year_list, name="next_year_list"),
    path("next-year/new/", views.next_year_new, name="next_year_new"),
    path("next-year/<int:pk>/", views.next_year_detail, name="next_year_detail"),
    path("next-year/<int:pk>/adjust/", views.next_year_adjust, name="next_year_adjust"),
    path("next-year/<int:pk>/submit/", views.next_year_submit, name="next_year_submit"),
]
