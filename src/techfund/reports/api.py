"""REST API of the periodic scheduling report (mounted at ``/api/reports/``).

- ``GET /api/reports/preview/?year=&start=&end=``: the report's sections as data (the fund's readers);
- ``POST /api/reports/runs/``: generate a workbook or a PDF (the office); the run is kept and audited;
- ``GET /api/reports/runs/`` and ``/{id}/``: the runs generated so far (metadata);
- ``GET /api/reports/runs/{id}/download/``: the file as generated (each download recorded).

Same services as the web pages: 404 outside the readers' scope, 403 for generating by another role,
400 ``{detail, code, errors}`` for a bad period or format.
"""

import io

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from techfund.core.api import ERRORS, YEAR_FILTER, ServiceViewSetMixin, filter_by_params
from techfund.reports import services
from techfund.reports.enums import CONTENT_TYPES, ReportFormat
from techfund.reports.models import ReportRun
from techfund.reports.scopes import reportable_years, visible_runs


class ReportRunSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    generated_by_name = serializers.CharField(source="generated_by.__str__", read_only=True)

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "year",
            "start",
            "end",
            "format",
            "filename",
            "size",
            "sha256",
            "generated_by",
            "generated_by_name",
            "generated_at",
        ]
        read_only_fields = fields


class ReportPeriodSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="The fund year.")
    start = serializers.CharField(max_length=10, allow_blank=True, help_text="First day, e.g. 2026-10-01.")
    end = serializers.CharField(max_length=10, allow_blank=True, help_text="Last day, e.g. 2026-12-31.")


class ReportGenerateSerializer(ReportPeriodSerializer):
    format = serializers.ChoiceField(choices=ReportFormat.choices, default=ReportFormat.XLSX)


def _year(user, year):
    return get_object_or_404(reportable_years(user), year=year)


def _file(run, content: bytes) -> FileResponse:
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=run.filename, content_type=CONTENT_TYPES[run.format]
    )
    response["X-Content-SHA256"] = run.sha256
    return response


@extend_schema_view(
    list=extend_schema(
        summary="定期调度报告列表",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("fmt", str, enum=ReportFormat.values, description="Only this file format."),
        ],
    ),
    retrieve=extend_schema(summary="定期调度报告", responses={200: ReportRunSerializer, 404: ERRORS[404]}),
)
class ReportRunViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ReportRunSerializer

    def get_queryset(self):
        qs = visible_runs(self.request.user).select_related("fund_year", "generated_by").defer("content")
        qs = filter_by_params(qs, self.request.query_params, year="fund_year__year")
        # ``?format=`` is DRF's renderer override, so the file format filter is ``?fmt=``.
        if self.request.query_params.get("fmt") in ReportFormat.values:
            qs = qs.filter(format=self.request.query_params["fmt"])
        return qs.order_by("-generated_at", "-id")

    @extend_schema(
        summary="生成定期调度报告（领导小组办公室）",
        request=ReportGenerateSerializer,
        responses={201: ReportRunSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(ReportGenerateSerializer)
        run = services.generate_run(
            _year(request.user, d["year"]),
            actor=request.user,
            start=d["start"],
            end=d["end"],
            fmt=d["format"],
        )
        return self.result(run, 201)

    @extend_schema(
        summary="下载定期调度报告文件",
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: ERRORS[404],
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        run = self.get_object()
        return _file(run, services.download_run(run, actor=request.user))


class ReportPreviewView(APIView):
    @extend_schema(
        summary="定期调度报告数据（预览）",
        parameters=[
            OpenApiParameter("year", int, required=True, description="The fund year."),
            OpenApiParameter("start", str, required=True, description="First day, e.g. 2026-10-01."),
            OpenApiParameter("end", str, required=True, description="Last day, e.g. 2026-12-31."),
        ],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The report: figures, reconciliation checks and sections of tables (rows by column key).",
            ),
            400: ERRORS[400],
            404: ERRORS[404],
        },
    )
    def get(self, request):
        s = ReportPeriodSerializer(data=request.query_params)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        report = services.build_report(
            _year(request.user, d["year"]), start=d["start"], end=d["end"], actor=request.user
        )
        return Response(report.as_dict())


__all__ = ["ReportPreviewView", "ReportRunViewSet"]
