"""REST API of suspension, termination and recovery (mounted at ``/api/sanctions/``).

Serializers check the shape of what comes in; the services do everything else, so the API and the
web pages refuse the same things with the same messages. Querysets are filtered by scope (404 outside
it); an action the caller may not take answers 403; a service refusal answers 400 ``{detail, code, errors}``.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404

from techfund.core.api import ERRORS, MONEY, YEAR_FILTER, AmountField, ServiceViewSetMixin, filter_by_params
from techfund.projects.scopes import visible_projects
from techfund.sanctions import services
from techfund.sanctions.enums import Decision, RecoveryState, SanctionKind, SanctionState
from techfund.sanctions.models import RecoveryOrder, RecoveryReceipt, SanctionOrder
from techfund.sanctions.scopes import visible_receipts, visible_recoveries, visible_sanctions, with_received

PROJECT_FIELDS = ("project", "project_number", "project_title", "organisation_name", "year")


class _ProjectFields(serializers.Serializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    organisation_name = serializers.CharField(source="project.organisation.name", read_only=True)
    year = serializers.IntegerField(source="project.fund_year.year", read_only=True)


class SanctionDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    opinion = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when the decision is reject."
    )


# ---------------------------------------------------------------- sanction orders


class SanctionOrderSerializer(_ProjectFields, serializers.ModelSerializer):
    proposed_by_name = serializers.StringRelatedField(source="proposed_by", read_only=True)
    decided_by_name = serializers.StringRelatedField(source="decided_by", read_only=True)

    class Meta:
        model = SanctionOrder
        fields = [
            "id",
            "number",
            *PROJECT_FIELDS,
            "kind",
            "state",
            "reason",
            "basis",
            "proposed_by",
            "proposed_by_name",
            "proposed_on",
            "proposed_at",
            "decided_by",
            "decided_by_name",
            "decided_on",
            "decided_at",
            "opinion",
            "from_state",
            "released_amount",
            "release_entry",
        ]
        read_only_fields = fields


class SanctionProposeSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="The project's id.")
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    reason = serializers.CharField(allow_blank=True, help_text="事由 (required by the service).")
    basis = serializers.CharField(allow_blank=True, help_text="依据: the document or meeting (required).")


ORDER_RELATED = ("project__organisation", "project__fund_year", "proposed_by", "decided_by")


@extend_schema_view(
    list=extend_schema(
        summary="暂停拨款、解除暂停、终止项目建议列表",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("state", str, enum=SanctionState.values),
            OpenApiParameter("kind", str, enum=SanctionKind.values),
            OpenApiParameter("project", int),
        ],
    ),
    retrieve=extend_schema(
        summary="暂停拨款、解除暂停、终止项目建议", responses={200: SanctionOrderSerializer, 404: ERRORS[404]}
    ),
)
class SanctionOrderViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = SanctionOrderSerializer

    def get_queryset(self):
        qs = visible_sanctions(self.request.user).select_related(*ORDER_RELATED)
        qs = filter_by_params(
            qs,
            self.request.query_params,
            year="project__fund_year__year",
            ids=["project"],
            choices={"state": SanctionState.values, "kind": SanctionKind.values},
        )
        return qs.order_by("-proposed_at", "-id")

    @extend_schema(
        summary="办公室提出暂停拨款、解除暂停或终止项目建议",
        request=SanctionProposeSerializer,
        responses={201: SanctionOrderSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(SanctionProposeSerializer)
        project = get_object_or_404(visible_projects(request.user), pk=d["project"])
        order = services.propose_sanction(
            project, actor=request.user, kind=d["kind"], reason=d["reason"], basis=d["basis"]
        )
        return self.result(order, 201)

    @extend_schema(
        summary="财政部门会签（同意即生效 / 不同意）",
        request=SanctionDecisionSerializer,
        responses={200: SanctionOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        order = self.get_object()
        d = self.validated(SanctionDecisionSerializer)
        services.decide_sanction(order, actor=request.user, decision=d["decision"], opinion=d["opinion"])
        return self.result(order)


# ---------------------------------------------------------------- recovery orders and receipts


class RecoveryReceiptSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    recorded_by_name = serializers.StringRelatedField(source="recorded_by", read_only=True)

    class Meta:
        model = RecoveryReceipt
        fields = [
            "id",
            "order",
            "order_number",
            "amount",
            "received_on",
            "treasury_ref",
            "note",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
            "entry",
        ]
        read_only_fields = fields


class RecoveryOrderSerializer(_ProjectFields, serializers.ModelSerializer):
    received = serializers.DecimalField(**MONEY, read_only=True, help_text="Sum of the receipts.")
    outstanding = serializers.DecimalField(**MONEY, read_only=True, help_text="amount − received.")
    issued_by_name = serializers.StringRelatedField(source="issued_by", read_only=True)
    decided_by_name = serializers.StringRelatedField(source="decided_by", read_only=True)
    receipts = RecoveryReceiptSerializer(many=True, read_only=True)

    class Meta:
        model = RecoveryOrder
        fields = [
            "id",
            "number",
            *PROJECT_FIELDS,
            "amount",
            "received",
            "outstanding",
            "deadline",
            "state",
            "reason",
            "basis",
            "issued_by",
            "issued_by_name",
            "issued_on",
            "issued_at",
            "decided_by",
            "decided_by_name",
            "decided_on",
            "decided_at",
            "opinion",
            "settled_on",
            "receipts",
        ]
        read_only_fields = fields


class RecoveryIssueSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="The project's id.")
    amount = AmountField(help_text="At most the project's disbursed balance less other orders' outstanding.")
    deadline = serializers.DateField(help_text="缴回期限, after today.")
    reason = serializers.CharField(allow_blank=True, help_text="事由 (required by the service).")
    basis = serializers.CharField(allow_blank=True, help_text="依据: the document or meeting (required).")


class RecoveryReceiptCreateSerializer(serializers.Serializer):
    amount = AmountField(help_text="At most the order's outstanding amount.")
    treasury_ref = serializers.CharField(allow_blank=True, help_text="国库缴款凭证号, unique.")
    received_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: today."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(
        summary="追回通知列表",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("state", str, enum=RecoveryState.values),
            OpenApiParameter("project", int),
        ],
    ),
    retrieve=extend_schema(summary="追回通知", responses={200: RecoveryOrderSerializer, 404: ERRORS[404]}),
)
class RecoveryOrderViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = RecoveryOrderSerializer

    def get_queryset(self):
        receipts = RecoveryReceipt.objects.select_related("order", "recorded_by").order_by(
            "received_on", "id"
        )
        qs = (
            with_received(visible_recoveries(self.request.user))
            .select_related("project__organisation", "project__fund_year", "issued_by", "decided_by")
            .prefetch_related(Prefetch("receipts", queryset=receipts))
        )
        qs = filter_by_params(
            qs,
            self.request.query_params,
            year="project__fund_year__year",
            ids=["project"],
            choices={"state": RecoveryState.values},
        )
        return qs.order_by("-issued_at", "-id")

    @extend_schema(
        summary="办公室拟定追回通知",
        request=RecoveryIssueSerializer,
        responses={201: RecoveryOrderSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(RecoveryIssueSerializer)
        project = get_object_or_404(visible_projects(request.user), pk=d["project"])
        order = services.issue_recovery(
            project,
            actor=request.user,
            amount=d["amount"],
            reason=d["reason"],
            basis=d["basis"],
            deadline=d["deadline"],
        )
        return self.result(order, 201)

    @extend_schema(
        summary="财政部门确认追回通知（同意即下达 / 不同意）",
        request=SanctionDecisionSerializer,
        responses={200: RecoveryOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        order = self.get_object()
        d = self.validated(SanctionDecisionSerializer)
        services.decide_recovery(order, actor=request.user, decision=d["decision"], opinion=d["opinion"])
        return self.result(order)

    @extend_schema(
        summary="财政部门登记缴回（已拨付 → 资金池）",
        request=RecoveryReceiptCreateSerializer,
        responses={201: RecoveryOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def receipts(self, request, pk=None):
        order = self.get_object()
        d = self.validated(RecoveryReceiptCreateSerializer)
        services.record_receipt(
            order,
            actor=request.user,
            amount=d["amount"],
            treasury_ref=d["treasury_ref"],
            received_on=d["received_on"],
            note=d["note"],
        )
        return self.result(order, 201)


@extend_schema_view(
    list=extend_schema(summary="追回资金缴回记录", parameters=[YEAR_FILTER, OpenApiParameter("order", int)]),
    retrieve=extend_schema(
        summary="追回资金缴回记录", responses={200: RecoveryReceiptSerializer, 404: ERRORS[404]}
    ),
)
class RecoveryReceiptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RecoveryReceiptSerializer

    def get_queryset(self):
        qs = visible_receipts(self.request.user).select_related("order", "recorded_by")
        qs = filter_by_params(
            qs, self.request.query_params, year="order__project__fund_year__year", ids=["order"]
        )
        return qs.order_by("received_on", "id")


__all__ = ["RecoveryOrderViewSet", "RecoveryReceiptViewSet", "SanctionOrderViewSet"]
