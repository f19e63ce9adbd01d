"""REST API of equity investment (mounted at ``/api/equity/``).

Serializers check the shape of what comes in; the services do everything else, so the API and the web
pages refuse the same things with the same messages. Querysets are filtered by scope (404 outside it);
an action the caller may not take answers 403; a service refusal answers 400 ``{detail, code, errors}``.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from techfund.core.api import ERRORS, YEAR_FILTER, AmountField, ServiceViewSetMixin, filter_by_params
from techfund.core.errors import ServiceError
from techfund.equity import services
from techfund.equity.enums import Decision, ExitKind, Instrument, InvestmentState, StepState
from techfund.equity.models import CapTableEntry, Exit, Investment, Stage, WriteOff
from techfund.equity.scopes import visible_exits, visible_investments, visible_write_offs
from techfund.projects.scopes import visible_projects


class CapTableSerializer(serializers.ModelSerializer):
    class Meta:
        model = CapTableEntry
        fields = ["name", "share", "conversion"]
        read_only_fields = fields


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "seq", "amount", "condition", "due_date", "state", "paid_on", "treasury_ref", "entry"]
        read_only_fields = fields


class StepFields(serializers.ModelSerializer):
    proposed_by_name = serializers.StringRelatedField(source="proposed_by", read_only=True)
    decided_by_name = serializers.StringRelatedField(source="decided_by", read_only=True)

    STEP_FIELDS = [
        "id",
        "investment",
        "state",
        "reason",
        "basis",
        "proposed_by",
        "proposed_by_name",
        "proposed_on",
        "decided_by",
        "decided_by_name",
        "decided_on",
        "opinion",
        "entry",
    ]


class WriteOffSerializer(StepFields):
    class Meta:
        model = WriteOff
        fields = [*StepFields.STEP_FIELDS, "amount"]
        read_only_fields = fields


class ExitSerializer(StepFields):
    class Meta:
        model = Exit
        fields = [
            *StepFields.STEP_FIELDS,
            "kind",
            "counterparty",
            "proceeds",
            "invested",
            "principal",
            "gain",
            "loss",
            "bank_ref",
            "received_on",
        ]
        read_only_fields = fields


class InvestmentSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    investee = serializers.CharField(source="project.organisation.name", read_only=True)
    year = serializers.IntegerField(source="project.fund_year.year", read_only=True)
    stages = StageSerializer(many=True, read_only=True)
    cap_table = CapTableSerializer(many=True, read_only=True)
    write_offs = WriteOffSerializer(many=True, read_only=True)
    exits = ExitSerializer(many=True, read_only=True)

    class Meta:
        model = Investment
        fields = [
            "id",
            "number",
            "project",
            "project_number",
            "investee",
            "year",
            "instrument",
            "state",
            "vehicle_name",
            "vehicle_uscc",
            "amount",
            "pre_money_valuation",
            "post_money_valuation",
            "share",
            "evidence",
            "agreement_ref",
            "note",
            "registered_on",
            "stages",
            "cap_table",
            "write_offs",
            "exits",
        ]
        read_only_fields = fields


class ShareholderInput(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    share = serializers.CharField(help_text="A fraction with at most 6 places: 0.3 = 30 %.")


class StageInput(serializers.Serializer):
    amount = AmountField()
    condition = serializers.CharField(allow_blank=True)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class RegisterSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="The equity project's id.")
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    vehicle_name = serializers.CharField(allow_blank=True)
    vehicle_uscc = serializers.CharField(allow_blank=True)
    amount = AmountField()
    agreement_ref = serializers.CharField(allow_blank=True)
    pre_money_valuation = AmountField(required=False, allow_null=True, default=None)
    share = serializers.CharField(required=False, allow_null=True, default=None)
    cap_table = ShareholderInput(many=True, required=False, default=list)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    stages = StageInput(many=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ConversionInput(serializers.Serializer):
    round_name = serializers.CharField(allow_blank=True)
    post_money_valuation = AmountField()
    round_date = serializers.DateField()
    evidence = serializers.CharField(allow_blank=True)
    cap_table = ShareholderInput(many=True)
    amount = AmountField(
        required=False, allow_null=True, default=None, help_text="Default: all the money paid."
    )


class StepInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    basis = serializers.CharField(allow_blank=True)


class ExitInput(StepInput):
    kind = serializers.ChoiceField(choices=ExitKind.choices)
    proceeds = AmountField(help_text="0 for a liquidation with nothing left.")
    counterparty = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class ExitDecisionInput(DecisionInput):
    bank_ref = serializers.CharField(required=False, allow_blank=True, default="")
    received_on = serializers.DateField(required=False, allow_null=True, default=None)


RELATED = ("project__organisation", "project__fund_year")


@extend_schema_view(
    list=extend_schema(
        summary="股权投资列表",
        parameters=[YEAR_FILTER, OpenApiParameter("state", str, enum=InvestmentState.values)],
    ),
    retrieve=extend_schema(summary="股权投资", responses={200: InvestmentSerializer, 404: ERRORS[404]}),
)
class InvestmentViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = InvestmentSerializer

    def get_queryset(self):
        qs = (
            visible_investments(self.request.user)
            .select_related(*RELATED)
            .prefetch_related(
                Prefetch("stages", queryset=Stage.objects.order_by("seq")),
                Prefetch("cap_table", queryset=CapTableEntry.objects.order_by("conversion", "order", "id")),
                "write_offs",
                "exits",
            )
        )
        qs = filter_by_params(
            qs,
            self.request.query_params,
            year="project__fund_year__year",
            choices={"state": InvestmentState.values},
        )
        return qs.order_by("-project__fund_year__year", "number")

    @extend_schema(
        summary="办公室登记股权投资",
        request=RegisterSerializer,
        responses={201: InvestmentSerializer, **ERRORS},
    )
    def create(self, request):
        d = dict(self.validated(RegisterSerializer))
        project = get_object_or_404(visible_projects(request.user), pk=d.pop("project"))
        d["cap_table"] = [dict(r) for r in d["cap_table"]]
        d["stages"] = [dict(r) for r in d["stages"]]
        inv = services.register_investment(project, actor=request.user, **d)
        return self.result(inv, 201)

    @extend_schema(
        summary="先投后股转股", request=ConversionInput, responses={200: InvestmentSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        inv = self.get_object()
        d = dict(self.validated(ConversionInput))
        d["cap_table"] = [dict(r) for r in d["cap_table"]]
        services.record_conversion(inv, actor=request.user, **d)
        return self.result(inv)

    @extend_schema(
        summary="财政部门生成出资支付指令（下一期）",
        request=None,
        responses={200: InvestmentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def instruct(self, request, pk=None):
        inv = self.get_object()
        stage = inv.stages.filter(state="planned").order_by("seq").first()
        if stage is None:
            raise ServiceError(
                _("投资 %(number)s 没有待拨付的出资。") % {"number": inv.number}, code="no_stage"
            )
        services.instruct_stage(stage, actor=request.user)
        return self.result(inv)

    @extend_schema(
        summary="办公室提出核销建议", request=StepInput, responses={201: WriteOffSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request, pk=None):
        inv = self.get_object()
        wo = services.propose_write_off(inv, actor=request.user, **self.validated(StepInput))
        return self._step(WriteOffSerializer, wo)

    @extend_schema(summary="办公室提出退出建议", request=ExitInput, responses={201: ExitSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def exit(self, request, pk=None):
        inv = self.get_object()
        ex = services.propose_exit(inv, actor=request.user, **self.validated(ExitInput))
        return self._step(ExitSerializer, ex)

    def _step(self, serializer, obj):
        return Response(serializer(type(obj).objects.get(pk=obj.pk)).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="先投后股核销", parameters=[OpenApiParameter("state", str, enum=StepState.values)]
    ),
    retrieve=extend_schema(summary="先投后股核销", responses={200: WriteOffSerializer, 404: ERRORS[404]}),
)
class WriteOffViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = WriteOffSerializer

    def get_queryset(self):
        qs = visible_write_offs(self.request.user).select_related("proposed_by", "decided_by")
        return filter_by_params(qs, self.request.query_params, choices={"state": StepState.values}).order_by(
            "-id"
        )

    @extend_schema(
        summary="财政部门确认核销", request=DecisionInput, responses={200: WriteOffSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        wo = self.get_object()
        services.confirm_write_off(wo, actor=request.user, **self.validated(DecisionInput))
        return self.result(wo)


@extend_schema_view(
    list=extend_schema(
        summary="股权退出", parameters=[OpenApiParameter("state", str, enum=StepState.values)]
    ),
    retrieve=extend_schema(summary="股权退出", responses={200: ExitSerializer, 404: ERRORS[404]}),
)
class ExitViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ExitSerializer

    def get_queryset(self):
        qs = visible_exits(self.request.user).select_related("proposed_by", "decided_by")
        return filter_by_params(qs, self.request.query_params, choices={"state": StepState.values}).order_by(
            "-id"
        )

    @extend_schema(
        summary="财政部门确认退出所得到账",
        request=ExitDecisionInput,
        responses={200: ExitSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        ex = self.get_object()
        services.confirm_exit(ex, actor=request.user, **self.validated(ExitDecisionInput))
        return self.result(ex)


__all__ = ["ExitViewSet", "InvestmentViewSet", "WriteOffViewSet"]
