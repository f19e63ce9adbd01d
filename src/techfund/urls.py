from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/", include("techfund.core.api_urls")),
    path("api/", include("techfund.policy.api_urls")),
    path("api/", include("techfund.funds.api_urls")),
    path("api/", include("techfund.calls.api_urls")),
    path("api/", include("techfund.applications.api_urls")),
    path("api/", include("techfund.review.api_urls")),
    path("api/", include("techfund.decisions.api_urls")),
    path("api/", include("techfund.library.api_urls")),
    path("api/", include("techfund.projects.api_urls")),
    path("api/", include("techfund.budgets.api_urls")),
    path("api/", include("techfund.treasury.api_urls")),
    path("api/", include("techfund.subsidies.api_urls")),
    path("api/", include("techfund.riskpool.api_urls")),
    path("api/", include("techfund.equity.api_urls")),
    path("api/", include("techfund.awards.api_urls")),
    path("api/", include("techfund.monitoring.api_urls")),
    path("api/", include("techfund.sanctions.api_urls")),
    path("api/", include("techfund.evaluation.api_urls")),
    path("api/", include("techfund.emergency.api_urls")),
    path("api/", include("techfund.reports.api_urls")),
    path("policy/", include("techfund.policy.urls")),
    path("funds/", include("techfund.funds.urls")),
    path("calls/", include("techfund.calls.urls")),
    path("public/calls/", include("techfund.calls.public_urls")),
    path("applications/", include("techfund.applications.urls")),
    path("review/", include("techfund.review.urls")),
    path("decisions/", include("techfund.decisions.urls")),
    path("public/publicity/", include("techfund.decisions.public_urls")),
    path("library/", include("techfund.library.urls")),
    path("projects/", include("techfund.projects.urls")),
    path("budgets/", include("techfund.budgets.urls")),
    path("treasury/", include("techfund.treasury.urls")),
    path("subsidies/", include("techfund.subsidies.urls")),
    path("riskpool/", include("techfund.riskpool.urls")),
    path("equity/", include("techfund.equity.urls")),
    path("awards/", include("techfund.awards.urls")),
    path("monitoring/", include("techfund.monitoring.urls")),
    path("sanctions/", include("techfund.sanctions.urls")),
    path("evaluation/", include("techfund.evaluation.urls")),
    path("emergency/", include("techfund.emergency.urls")),
    path("reports/", include("techfund.reports.urls")),
    path("", include("techfund.core.urls")),
]

if settings.DEBUG:  # pragma: no cover
    from django.contrib import admin

    urlpatterns.insert(0, path("django-admin/", admin.site.urls))
