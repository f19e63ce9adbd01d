"""REST API of the project library (mounted at ``/api/library/``): search with the same filters as
the page, one record, and its timeline. Read-only.

Everything is filtered by the caller's scope, so a record outside it answers 404; roles that do not
use the library get 403; bad filters answer 400 ``{detail, code, errors}``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from techfund.applications.enums import ApplicationState, TeamRole
from techfund.core import audit_actions
from techfund.core.exporters import role_label
from techfund.core.models import AuditEvent
from techfund.core.permissions import require
from techfund.library.forms import filter_or_error
from techfund.library.search import ORDERS, records, search
from techfund.library.timeline import record_label, timeline_for
from techfund.policy.enums import EstablishmentMode, SupportMode

MONEY = {"max_digits": 18, "decimal_places": 2, "coerce_to_string": True}


class LibraryItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="申报编号")
    title = serializers.CharField(help_text="项目名称")
    organisation = serializers.CharField(source="organisation.name", help_text="申报单位")
    organisation_id = serializers.IntegerField()
    department = serializers.CharField(source="department.code", help_text="归口部门代码")
    department_name = serializers.CharField(source="department.name")
    year = serializers.IntegerField(source="call.fund_year.year", help_text="年度")
    focus_area = serializers.CharField(source="call.focus_area.code", help_text="重点领域代码")
    focus_area_name = serializers.CharField(source="call.focus_area.name")
    call = serializers.CharField(source="call.code", help_text="指南编号")
    establishment_mode = serializers.ChoiceField(
        source="call.establishment_mode", choices=EstablishmentMode.choices
    )
    support_mode = serializers.CharField(
        source="effective_support_mode",
        allow_blank=True,
        help_text="The live proposal item's support mode when there is one, else the requested mode.",
    )
    requested_amount = serializers.DecimalField(**MONEY, help_text="申请财政资金（元）")
    decided_amount = serializers.DecimalField(
        **MONEY,
        allow_null=True,
        help_text="领导小组审定金额（元）; null until decided (for applicants: until 公示).",
    )
    amount = serializers.DecimalField(
        source="effective_amount",
        **MONEY,
        help_text="The decided amount when there is one, else the requested amount.",
    )
    state = serializers.ChoiceField(choices=ApplicationState.choices)
    state_label = serializers.CharField(source="get_state_display")
    keywords = serializers.ListField(child=serializers.CharField())
    submitted_at = serializers.DateTimeField(allow_null=True)


class LibraryRecordSerializer(LibraryItemSerializer):
    abstract = serializers.CharField()
    self_raised = serializers.DecimalField(**MONEY)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    team_leads = serializers.SerializerMethodField()

    def get_team_leads(self, obj) -> list[str]:
        return [m.name for m in obj.team.all() if m.role == TeamRole.LEAD]


class TimelineEventSerializer(serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField()
    role_label = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField(help_text="The kind of record the event is about.")
    actor_display_name = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "at",
            "actor_name",
            "actor_display_name",
            "role",
            "role_label",
            "action",
            "action_label",
            "record",
            "target_type",
            "target_id",
            "target_repr",
            "reason",
            "before",
            "after",
            "data",
        ]
        read_only_fields = fields

    def get_action_label(self, obj) -> str:
        return audit_actions.label(obj.action)

    def get_role_label(self, obj) -> str:
        return role_label(obj.role)

    def get_record(self, obj) -> str:
        return record_label(obj)

    def get_actor_display_name(self, obj) -> str:
        return (obj.actor.display_name if obj.actor_id and obj.actor else "") or ""


FILTERS = [
    OpenApiParameter(
        "q", str, description="Chinese full text (segmented with jieba); every word must occur."
    ),
    OpenApiParameter("year", int, description="Fund year of the call."),
    OpenApiParameter("focus_area", str, description="Focus-area code, e.g. key_rd."),
    OpenApiParameter("department", str, description="Routing department code."),
    OpenApiParameter("state", str, enum=ApplicationState.values),
    OpenApiParameter("establishment_mode", str, enum=EstablishmentMode.values),
    OpenApiParameter("support_mode", str, enum=SupportMode.values),
    OpenApiParameter(
        "amount_min",
        OpenApiTypes.DECIMAL,
        description="Yuan; compares with the decided amount, else the requested.",
    ),
    OpenApiParameter("amount_max", OpenApiTypes.DECIMAL, description="Yuan; as amount_min."),
    OpenApiParameter(
        "order", str, enum=list(ORDERS), description="Default relevance (newest first without q)."
    ),
]
ERRORS = {
    400: OpenApiResponse(description="Bad filters: {detail, code, errors}."),
    403: OpenApiResponse(description="The caller's role does not use the project library."),
}
NOT_FOUND = OpenApiResponse(description="No such record in the caller's scope.")


@extend_schema_view(
    list=extend_schema(
        summary="项目库检索",
        description="Applications and projects in the caller's scope matching the filters, paginated.",
        parameters=FILTERS,
        responses={200: LibraryItemSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="项目库记录", responses={200: LibraryRecordSerializer, 403: ERRORS[403], 404: NOT_FOUND}
    ),
)
class LibraryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = LibraryItemSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require(request.user, "library.search")

    def get_serializer_class(self):
        return LibraryRecordSerializer if self.action == "retrieve" else LibraryItemSerializer

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            form = filter_or_error(self.request.query_params, user=user)
            return search(user, **form.search_kwargs())
        qs = records(user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("team")
        return qs.order_by("pk")

    @extend_schema(
        summary="项目时间线",
        description="Who did what, when and why: the audit events about the record and its "
        "pre-screens, formal checks and (government readers) proposal items, oldest first.",
        responses={200: TimelineEventSerializer(many=True), 403: ERRORS[403], 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        app = self.get_object()
        events = timeline_for(app, request.user)
        return Response(TimelineEventSerializer(events, many=True).data)


__all__ = ["LibraryViewSet"]
