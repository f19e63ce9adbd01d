"""REST API of the annual fund (mounted at ``/api/funds/``). Serializers check the shape of what
comes in; the services do everything else (permission, scope, state, validation, ledger, audit), so
the API and the web pages refuse the same things with the same messages.

Querysets are filtered by scope, so an object outside the caller's scope answers 404; an action the
caller may not take answers 403; a service refusal answers 400 ``{detail, code, errors}``.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from techfund.core.api import (
    ERRORS,
    MONEY,
    YEAR_FILTER,
    AmountField,
    ReasonSerializer,
    ServiceViewSetMixin,
    filter_by_params,
)
from techfund.core.enums import Level
from techfund.funds import services
from techfund.funds.enums import ContributionState, FrameworkState
from techfund.funds.home import with_contributed_total
from techfund.funds.models import Allocation, Contribution, Framework, FundYear
from techfund.funds.scopes import summary_for, visible_contributions, visible_frameworks, visible_fund_years
from techfund.funds.services.fund_years import minimum_scale_check
from techfund.policy.models import PolicyProfile

# ---------------------------------------------------------------- summary


class AmountRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)


class SourceRowSerializer(AmountRowSerializer):
    department = serializers.CharField()
    own_procedure = serializers.BooleanField()
    procedure_owner = serializers.CharField()


class LevelRowSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    label = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)


class ReconciliationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    sources_total = serializers.DecimalField(**MONEY)
    pool = serializers.DecimalField(**MONEY)
    areas = serializers.DecimalField(**MONEY)
    downstream = serializers.DecimalField(**MONEY)
    contributions_total = serializers.DecimalField(**MONEY)
    message = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    profile = serializers.CharField()
    profile_version = serializers.IntegerField()
    contributed_total = serializers.DecimalField(**MONEY)
    by_source = SourceRowSerializer(many=True)
    by_department = AmountRowSerializer(many=True)
    by_level = LevelRowSerializer(many=True)
    pool_unallocated = serializers.DecimalField(**MONEY)
    allocated_total = serializers.DecimalField(**MONEY)
    allocated_by_area = AmountRowSerializer(many=True)
    equity_pilot_share = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    min_annual_scale = serializers.DecimalField(**MONEY, allow_null=True)
    below_minimum_scale = serializers.BooleanField()
    minimum_scale_message = serializers.CharField(allow_blank=True)
    notes = serializers.ListField(child=serializers.CharField())
    reconciliation = ReconciliationSerializer()


# ---------------------------------------------------------------- fund years


class FundYearSerializer(serializers.ModelSerializer):
    profile_code = serializers.CharField(source="profile.code", read_only=True)
    contributed_total = serializers.DecimalField(**MONEY, read_only=True)
    min_annual_scale = serializers.DecimalField(source="profile.min_annual_scale", **MONEY, read_only=True)
    below_minimum_scale = serializers.SerializerMethodField()
    minimum_scale_message = serializers.SerializerMethodField()

    class Meta:
        model = FundYear
        fields = [
            "id",
            "year",
            "name",
            "profile",
            "profile_code",
            "contributed_total",
            "min_annual_scale",
            "below_minimum_scale",
            "minimum_scale_message",
            "opened_at",
        ]
        read_only_fields = fields

    def _check(self, obj):
        return minimum_scale_check(obj.profile, obj.contributed_total)

    def get_below_minimum_scale(self, obj) -> bool:
        return self._check(obj)[0]

    def get_minimum_scale_message(self, obj) -> str:
        return self._check(obj)[1]


class FundYearDetailSerializer(FundYearSerializer):
    summary = serializers.SerializerMethodField()

    class Meta(FundYearSerializer.Meta):
        fields = [*FundYearSerializer.Meta.fields, "summary"]
        read_only_fields = fields

    @extend_schema_field(SummarySerializer)
    def get_summary(self, obj):
        return SummarySerializer(summary_for(self.context["request"].user, obj)).data


class FundYearCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    profile = serializers.PrimaryKeyRelatedField(
        queryset=PolicyProfile.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Policy profile id; default: the profile active for the year.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="年度资金列表",
        description="Fund years the caller may see, with the pooled total and the minimum-scale flag.",
    ),
    retrieve=extend_schema(
        summary="年度资金详情（含资金概况）", responses={200: FundYearDetailSerializer, 404: ERRORS[404]}
    ),
)
class FundYearViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    lookup_field = "year"
    lookup_value_regex = r"\d{4}"

    def get_queryset(self):
        return with_contributed_total(
            visible_fund_years(self.request.user).select_related("profile")
        ).order_by("-year")

    def get_serializer_class(self):
        return FundYearDetailSerializer if self.action == "retrieve" else FundYearSerializer

    @extend_schema(
        summary="设立年度资金",
        request=FundYearCreateSerializer,
        responses={201: FundYearDetailSerializer, **ERRORS},
    )
    def create(self, request):
        fy = services.open_fund_year(actor=request.user, **self.validated(FundYearCreateSerializer))
        fy = self.get_queryset().get(pk=fy.pk)
        return Response(FundYearDetailSerializer(fy, context=self.get_serializer_context()).data, status=201)


# ---------------------------------------------------------------- contributions


class ContributionSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    source_type = serializers.CharField(source="source_type.code", read_only=True)
    source_type_name = serializers.CharField(source="source_type.name", read_only=True)
    own_procedure = serializers.BooleanField(source="source_type.own_procedure", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Contribution
        fields = [
            "id",
            "year",
            "source_type",
            "source_type_name",
            "own_procedure",
            "department",
            "department_name",
            "level",
            "amount",
            "document_ref",
            "note",
            "state",
            "entry",
            "void_entry",
            "void_reason",
            "recorded_at",
            "voided_at",
        ]
        read_only_fields = fields


class ContributionCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="The fund year.")
    source_type = serializers.CharField(
        max_length=32, help_text="Code of a source type of the year's profile."
    )
    amount = AmountField()
    level = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="municipal / provincial / central; default: the source's level.",
    )
    department = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Department code; default: the source's managing department.",
    )
    document_ref = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


@extend_schema_view(
    list=extend_schema(
        summary="资金来源登记列表",
        parameters=[YEAR_FILTER, OpenApiParameter("state", str, enum=ContributionState.values)],
    ),
    retrieve=extend_schema(summary="资金来源登记", responses={200: ContributionSerializer, 404: ERRORS[404]}),
)
class ContributionViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ContributionSerializer

    def get_queryset(self):
        qs = visible_contributions(self.request.user).select_related("fund_year", "source_type", "department")
        qs = filter_by_params(qs, self.request.query_params, year="fund_year__year", choices={"state": None})
        return qs.order_by("id")

    @extend_schema(
        summary="登记资金入池",
        request=ContributionCreateSerializer,
        responses={201: ContributionSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(ContributionCreateSerializer)
        fy = get_object_or_404(visible_fund_years(request.user), year=d["year"])
        c = services.record_contribution(
            fy,
            actor=request.user,
            source_type=d["source_type"],
            amount=d["amount"],
            level=d["level"] or None,
            department=d["department"] or None,
            document_ref=d["document_ref"],
            note=d["note"],
        )
        return self.result(c, 201)

    @extend_schema(
        summary="冲销入池资金", request=ReasonSerializer, responses={200: ContributionSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        c = self.get_object()
        services.void_contribution(c, actor=request.user, reason=self.reason())
        return self.result(c)


# ---------------------------------------------------------------- frameworks


class AllocationSerializer(serializers.ModelSerializer):
    focus_area = serializers.CharField(source="focus_area.code", read_only=True)
    focus_area_name = serializers.CharField(source="focus_area.name", read_only=True)

    class Meta:
        model = Allocation
        fields = ["focus_area", "focus_area_name", "amount", "entry"]
        read_only_fields = fields


class FrameworkSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)
    total = serializers.SerializerMethodField()

    class Meta:
        model = Framework
        fields = [
            "id",
            "year",
            "number",
            "title",
            "state",
            "equity_pilot_share",
            "note",
            "total",
            "allocations",
            "proposed_at",
            "submitted_at",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_total(self, obj) -> str:
        return f"{sum((a.amount for a in obj.allocations.all()), 0):.2f}"


ALLOCATIONS_HELP = (
    'Amounts by focus-area code of the year\'s profile, e.g. {"major_projects": "50000000.00"}; blank = none.'
)


class FrameworkWriteSerializer(serializers.Serializer):
    allocations = serializers.DictField(
        child=AmountField(allow_blank=True, allow_null=True), help_text=ALLOCATIONS_HELP
    )
    equity_pilot_share = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=20,
        help_text="Share in [0, 1]; default: the profile's (on create) or unchanged (on update).",
    )
    note = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    title = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None, max_length=200
    )


class FrameworkCreateSerializer(FrameworkWriteSerializer):
    year = serializers.IntegerField(help_text="The fund year.")


class FrameworkUpdateSerializer(FrameworkWriteSerializer):
    allocations = serializers.DictField(
        child=AmountField(allow_blank=True, allow_null=True),
        required=False,
        help_text=ALLOCATIONS_HELP + " Default: unchanged.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="框架配置列表",
        parameters=[YEAR_FILTER, OpenApiParameter("state", str, enum=FrameworkState.values)],
    ),
    retrieve=extend_schema(summary="框架配置", responses={200: FrameworkSerializer, 404: ERRORS[404]}),
)
class FrameworkViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = FrameworkSerializer

    def get_queryset(self):
        qs = (
            visible_frameworks(self.request.user)
            .select_related("fund_year")
            .prefetch_related(
                Prefetch("allocations", queryset=Allocation.objects.select_related("focus_area"))
            )
        )
        qs = filter_by_params(qs, self.request.query_params, year="fund_year__year", choices={"state": None})
        return qs.order_by("fund_year__year", "number")

    @extend_schema(
        summary="提出框架配置",
        request=FrameworkCreateSerializer,
        responses={201: FrameworkSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(FrameworkCreateSerializer)
        fy = get_object_or_404(visible_fund_years(request.user), year=d["year"])
        fw = services.propose_framework(
            fy,
            actor=request.user,
            allocations=d["allocations"],
            equity_pilot_share=d["equity_pilot_share"],
            note=d["note"] or "",
            title=d["title"] or "",
        )
        return self.result(fw, 201)

    @extend_schema(
        summary="修改框架配置（草稿或已退回）",
        request=FrameworkUpdateSerializer,
        responses={200: FrameworkSerializer, **ERRORS},
    )
    def update(self, request, pk=None, partial=False):
        fw = self.get_object()
        d = self.validated(FrameworkUpdateSerializer)
        allocations = d.get("allocations")
        if allocations is None:
            allocations = {a.focus_area.code: a.amount for a in fw.allocations.all()}
        services.update_framework(
            fw,
            actor=request.user,
            allocations=allocations,
            equity_pilot_share=d["equity_pilot_share"],
            note=d["note"],
            title=d["title"] or None,
        )
        return self.result(fw)

    @extend_schema(
        summary="修改框架配置（部分字段）",
        request=FrameworkUpdateSerializer,
        responses={200: FrameworkSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(summary="报领导小组审定", request=None, responses={200: FrameworkSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        fw = services.submit_framework(self.get_object(), actor=request.user)
        return self.result(fw)

    @extend_schema(
        summary="领导小组审定通过", request=ReasonSerializer, responses={200: FrameworkSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        fw = self.get_object()
        services.approve_framework(fw, actor=request.user, reason=self.reason())
        return self.result(fw)

    @extend_schema(
        summary="领导小组退回（须说明理由）",
        request=ReasonSerializer,
        responses={200: FrameworkSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        fw = self.get_object()
        services.return_framework(fw, actor=request.user, reason=self.reason())
        return self.result(fw)


__all__ = ["ContributionViewSet", "FrameworkViewSet", "FundYearViewSet"]
