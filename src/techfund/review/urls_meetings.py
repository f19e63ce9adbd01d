"""Pages of expert review: meetings (会议论证) and site visits (现场考核), included by
techfund.review.urls under the "review" namespace."""

from django.urls import path

from techfund.review import views_meetings as views

urlpatterns: list = [
    path("rounds/<int:pk>/meetings/", views.round_meetings, name="round_meetings"),
    path("rounds/<int:pk>/panels/new/", views.panel_new, name="panel_new"),
    path("panels/<int:pk>/edit/", views.panel_edit, name="panel_edit"),
    path("panels/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/mine/", views.my_meetings, name="my_meetings"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path(
        "meetings/<int:pk>/applications/<int:application_pk>/",
        views.meeting_application,
        name="meeting_application",
    ),
    path("meetings/<int:pk>/record/", views.meeting_record, name="meeting_record"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/minutes.pdf", views.meeting_minutes_pdf, name="meeting_minutes_pdf"),
    path("rounds/<int:pk>/site-visits/", views.round_site_visits, name="round_site_visits"),
    path("rounds/<int:pk>/site-visits/new/", views.site_visit_new, name="site_visit_new"),
    path("site-visits/<int:pk>/", views.site_visit_detail, name="site_visit_detail"),
    path(
        "site-visit-attachments/<int:pk>/",
        views.site_visit_attachment_download,
        name="site_visit_attachment_download",
    ),
]
