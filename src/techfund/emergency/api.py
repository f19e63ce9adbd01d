"""REST API of 一事一议 (mounted at ``/api/emergency/``): the office submits a request, the leading
group approves (the project is created and contracted) or rejects it.

Serializers check the shape of what comes in; the services do everything else, so the API and the
web pages refuse the same things with the same messages. The queryset is filtered by scope (404
outside it); an action the caller may not take answers 403; a refusal answers 400 ``{detail, code, errors}``.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404

from techfund.applications.enums import IndicatorType, TargetKind
from techfund.core.api import ERRORS, YEAR_FILTER, AmountField, ServiceViewSetMixin, filter_by_params
from techfund.emergency import services
from techfund.emergency.enums import RequestState
from techfund.emergency.models import EmergencyMilestone, EmergencyRequest, EmergencyTarget
from techfund.emergency.scopes import visible_requests
from techfund.funds.scopes import visible_fund_years


class EmergencyTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmergencyTarget
        fields = ["kind", "name", "indicator_type", "unit", "target_value", "target_text"]
        read_only_fields = fields


class EmergencyMilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmergencyMilestone
        fields = ["due_date", "description"]
        read_only_fields = fields


class EmergencyRequestSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    focus_area = serializers.CharField(source="focus_area.code", read_only=True)
    focus_area_name = serializers.CharField(source="focus_area.name", read_only=True)
    project_number = serializers.CharField(source="project.number", read_only=True, default=None)
    targets = EmergencyTargetSerializer(many=True, read_only=True)
    milestones = EmergencyMilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = EmergencyRequest
        fields = [
            "id",
            "year",
            "number",
            "title",
            "organisation",
            "organisation_name",
            "department",
            "department_name",
            "focus_area",
            "focus_area_name",
            "amount",
            "justification",
            "basis",
            "content",
            "start_date",
            "end_date",
            "state",
            "submitted_by",
            "submitted_on",
            "submitted_at",
            "decided_by",
            "decided_on",
            "decided_at",
            "decision_basis",
            "project",
            "project_number",
            "targets",
            "milestones",
        ]
        read_only_fields = fields


class EmergencyTargetInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TargetKind.choices)
    name = serializers.CharField(max_length=200, allow_blank=True)
    indicator_type = serializers.ChoiceField(choices=IndicatorType.choices)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    target_value = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="Number (up to 4 places) for higher / lower / zero indicators.",
    )
    target_text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class EmergencyMilestoneInputSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    description = serializers.CharField(max_length=300, allow_blank=True)


class EmergencyRequestCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="The fund year.")
    title = serializers.CharField(max_length=200, allow_blank=True)
    organisation = serializers.CharField(max_length=30, help_text="承担单位: organisation id or USCC.")
    department = serializers.CharField(max_length=40, help_text="主管部门: department id or code.")
    focus_area = serializers.CharField(max_length=32, help_text="Focus area code of the year's profile.")
    amount = AmountField()
    justification = serializers.CharField(allow_blank=True, help_text="必要性和紧迫性.")
    basis = serializers.CharField(allow_blank=True, help_text="立项依据 (instructions, minutes).")
    content = serializers.CharField(allow_blank=True, help_text="主要任务与考核内容.")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    targets = EmergencyTargetInputSerializer(many=True, help_text="At least one performance target.")
    milestones = EmergencyMilestoneInputSerializer(many=True, required=False, default=list)


class EmergencyDecisionSerializer(serializers.Serializer):
    basis = serializers.CharField(allow_blank=True, help_text="The basis of the decision (required).")


@extend_schema_view(
    list=extend_schema(
        summary="一事一议申请列表",
        parameters=[YEAR_FILTER, OpenApiParameter("state", str, enum=RequestState.values)],
    ),
    retrieve=extend_schema(
        summary="一事一议申请", responses={200: EmergencyRequestSerializer, 404: ERRORS[404]}
    ),
)
class RequestViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = EmergencyRequestSerializer

    def get_queryset(self):
        qs = (
            visible_requests(self.request.user)
            .select_related("fund_year", "organisation", "department", "focus_area", "project")
            .prefetch_related(
                Prefetch("targets", queryset=EmergencyTarget.objects.order_by("order", "id")),
                Prefetch("milestones", queryset=EmergencyMilestone.objects.order_by("due_date", "id")),
            )
        )
        qs = filter_by_params(
            qs, self.request.query_params, year="fund_year__year", choices={"state": RequestState.values}
        )
        return qs.order_by("fund_year__year", "number")

    @extend_schema(
        summary="提出一事一议申请（领导小组办公室）",
        request=EmergencyRequestCreateSerializer,
        responses={201: EmergencyRequestSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(EmergencyRequestCreateSerializer)
        fy = get_object_or_404(visible_fund_years(request.user), year=d.pop("year"))
        req = services.submit_emergency(fy, actor=request.user, **d)
        return self.result(req, 201)

    @extend_schema(
        summary="领导小组审定同意（直接立项并生成任务书）",
        request=EmergencyDecisionSerializer,
        responses={200: EmergencyRequestSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        req = self.get_object()
        services.approve_emergency(
            req, actor=request.user, basis=self.validated(EmergencyDecisionSerializer)["basis"]
        )
        return self.result(req)

    @extend_schema(
        summary="领导小组审定不同意",
        request=EmergencyDecisionSerializer,
        responses={200: EmergencyRequestSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        req = self.get_object()
        services.reject_emergency(
            req, actor=request.user, basis=self.validated(EmergencyDecisionSerializer)["basis"]
        )
        return self.result(req)


__all__ = ["RequestViewSet"]
