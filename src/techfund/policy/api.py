"""Read-only REST API of the policy profile: the active profile and its versions.

Same permission as the pages (``policy.view``); to anyone else the endpoints answer 404.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from techfund.core.models import Department
from techfund.core.permissions import can
from techfund.policy.models import FocusArea, FundSourceType, PolicyProfile
from techfund.policy.services import active_profile
from techfund.policy.views import fetch_related, with_related


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["code", "name", "short_name", "name_en", "domains"]


class FocusAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = FocusArea
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "order",
            "establishment_modes",
            "stable_support",
            "description",
        ]


class FundSourceTypeSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="主管部门代码")
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = FundSourceType
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "department",
            "department_name",
            "level",
            "own_procedure",
            "procedure_owner",
            "order",
        ]


@extend_schema_field(OpenApiTypes.OBJECT)
class RulesField(serializers.JSONField):
    """The rule tables: ``{table: {mark, document, note?, marks?, editable?, <values>}}`` (see policy/schema.py)."""


class PolicyProfileSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyProfile
        fields = [
            "id",
            "code",
            "city",
            "year",
            "version",
            "is_active",
            "title",
            "document_number",
            "document_date",
            "source_name",
            "source_digest",
            "loaded_at",
        ]


class PolicyProfileSerializer(PolicyProfileSummarySerializer):
    departments = serializers.SerializerMethodField()
    focus_areas = FocusAreaSerializer(many=True, read_only=True)
    source_types = FundSourceTypeSerializer(many=True, read_only=True)
    rules = RulesField(read_only=True)
    field_notes = serializers.JSONField(read_only=True)

    class Meta(PolicyProfileSummarySerializer.Meta):
        fields = [
            *PolicyProfileSummarySerializer.Meta.fields,
            "leading_group",
            "office",
            "office_host",
            "process_words",
            "establishment_modes",
            "support_modes",
            "min_annual_scale",
            "equity_pilot_share",
            "field_notes",
            "departments",
            "source_types",
            "focus_areas",
            "rules",
        ]

    @extend_schema_field(DepartmentSerializer(many=True))
    def get_departments(self, profile):
        return DepartmentSerializer(
            [link.department for link in profile.department_links.all()], many=True
        ).data


class PolicyViewerMixin:
    """Authenticated users without ``policy.view`` get 404, as if the endpoint did not exist."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not can(request.user, "policy.view"):
            raise Http404


class ActiveProfileView(PolicyViewerMixin, APIView):
    @extend_schema(
        operation_id="policy_active",
        summary="当前生效的政策配置",
        description="The active policy profile of a year (default: this year, else the latest), with its "
        "departments, fund source types, focus areas and rule tables.",
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="年度")],
        responses={200: PolicyProfileSerializer},
        tags=["policy"],
    )
    def get(self, request):
        try:
            year = int(request.query_params["year"])
        except (KeyError, ValueError):
            year = None
        profile = fetch_related(active_profile(year))
        if profile is None:
            raise Http404(_("尚未载入政策配置。"))
        return Response(PolicyProfileSerializer(profile).data)


@extend_schema_view(
    get=extend_schema(operation_id="policy_profiles_list", summary="政策配置的全部版本", tags=["policy"])
)
class ProfileListView(PolicyViewerMixin, generics.ListAPIView):
    serializer_class = PolicyProfileSummarySerializer
    queryset = PolicyProfile.objects.defer("source_text", "rules").order_by("-year", "code", "-version")


@extend_schema_view(
    get=extend_schema(operation_id="policy_profiles_retrieve", summary="某一版本的政策配置", tags=["policy"])
)
class ProfileDetailView(PolicyViewerMixin, generics.RetrieveAPIView):
    serializer_class = PolicyProfileSerializer
    queryset = with_related(PolicyProfile.objects.all())
