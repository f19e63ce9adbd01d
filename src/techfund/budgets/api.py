"""REST API of budgets, adjustments (调剂), spending and the rates (mounted at ``/api/budgets/``).

Serializers check the shape of what comes in; the services do everything else, so the API and the web
pages refuse the same things with the same messages. Querysets are filtered by scope (404 outside it);
an action the caller may not take answers 403; a service refusal answers 400 ``{detail, code, errors}``.
"""

import datetime as dt

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from techfund.budgets import services
from techfund.budgets.enums import AdjustmentState, BudgetCategory, Decision, Funding
from techfund.budgets.models import Adjustment, AdjustmentMove, Expenditure, ProjectBudget
from techfund.budgets.scopes import sees_budgets, visible_adjustments, visible_budgets, visible_expenditures
from techfund.budgets.services.budget import line_table
from techfund.core.api import ERRORS, MONEY, YEAR_FILTER, AmountField, ServiceViewSetMixin, filter_by_params
from techfund.projects.scopes import visible_projects

RATE = {"max_digits": 9, "decimal_places": 2, "allow_null": True, "read_only": True}


class ProjectBudgetLineSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=BudgetCategory.choices)
    label = serializers.CharField()
    original = serializers.DecimalField(**MONEY)
    change = serializers.DecimalField(**MONEY)
    current = serializers.DecimalField(**MONEY)
    spent = serializers.DecimalField(**MONEY, help_text="Fiscal spending recorded in the category.")
    left = serializers.DecimalField(**MONEY)


class BudgetSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    lines = serializers.SerializerMethodField()

    class Meta:
        model = ProjectBudget
        fields = [
            "id",
            "project",
            "project_number",
            "contract",
            "total",
            "source",
            "note",
            "opened_at",
            "lines",
        ]
        read_only_fields = fields

    @extend_schema_field(ProjectBudgetLineSerializer(many=True))
    def get_lines(self, obj):
        return ProjectBudgetLineSerializer(line_table(obj, obj.project), many=True).data


class BudgetMoveSerializer(serializers.ModelSerializer):
    after = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = AdjustmentMove
        fields = ["category", "before", "change", "after"]
        read_only_fields = fields


class AdjustmentSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    moves = BudgetMoveSerializer(many=True, read_only=True)

    class Meta:
        model = Adjustment
        fields = [
            "id",
            "number",
            "project",
            "project_number",
            "kind",
            "state",
            "reason",
            "basis",
            "requested_by",
            "requested_on",
            "requested_at",
            "decided_by",
            "decided_on",
            "decided_at",
            "opinion",
            "effective_at",
            "filed_with_finance",
            "moves",
        ]
        read_only_fields = fields


class BudgetAdjustSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="The project's id.")
    amounts = serializers.DictField(
        child=AmountField(),
        help_text="The new amount of each category (equipment, business, labour, indirect); others unchanged.",
    )
    reason = serializers.CharField(allow_blank=True, help_text="调剂理由 (required by the service).")


class BudgetDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    opinion = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required to reject."
    )


class ExpenditureSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)

    class Meta:
        model = Expenditure
        fields = [
            "id",
            "project",
            "project_number",
            "spent_on",
            "category",
            "funding",
            "amount",
            "voucher_no",
            "description",
            "batch",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class ExpenditureCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    spent_on = serializers.DateField()
    category = serializers.ChoiceField(choices=BudgetCategory.choices)
    funding = serializers.ChoiceField(choices=Funding.choices, default=Funding.FISCAL)
    amount = AmountField()
    voucher_no = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)


@extend_schema_view(
    list=extend_schema(summary="项目预算列表", parameters=[YEAR_FILTER, OpenApiParameter("project", int)]),
    retrieve=extend_schema(
        summary="项目预算（当前科目金额）", responses={200: BudgetSerializer, 404: ERRORS[404]}
    ),
)
class BudgetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BudgetSerializer

    def get_queryset(self):
        qs = visible_budgets(self.request.user).select_related("project").prefetch_related("lines")
        qs = filter_by_params(qs, self.request.query_params, year="project__fund_year__year", ids=["project"])
        return qs.order_by("project__number")


@extend_schema_view(
    list=extend_schema(
        summary="预算调剂列表",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("state", str, enum=AdjustmentState.values),
            OpenApiParameter("project", int),
        ],
    ),
    retrieve=extend_schema(summary="预算调剂", responses={200: AdjustmentSerializer, 404: ERRORS[404]}),
)
class AdjustmentViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = AdjustmentSerializer

    def get_queryset(self):
        qs = visible_adjustments(self.request.user).select_related("project").prefetch_related("moves")
        qs = filter_by_params(
            qs,
            self.request.query_params,
            year="project__fund_year__year",
            ids=["project"],
            choices={"state": AdjustmentState.values},
        )
        return qs.order_by("-requested_at", "-id")

    @extend_schema(
        summary="承担单位调剂预算（自主调剂即时生效，其余报主管部门审批）",
        request=BudgetAdjustSerializer,
        responses={201: AdjustmentSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(BudgetAdjustSerializer)
        project = get_object_or_404(visible_projects(request.user), pk=d["project"])
        adj = services.adjust_budget(project, actor=request.user, amounts=d["amounts"], reason=d["reason"])
        return self.result(adj, 201)

    @extend_schema(
        summary="主管部门审批预算调剂",
        request=BudgetDecisionSerializer,
        responses={200: AdjustmentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        adj = self.get_object()
        d = self.validated(BudgetDecisionSerializer)
        services.decide_adjustment(adj, actor=request.user, decision=d["decision"], opinion=d["opinion"])
        return self.result(adj)


@extend_schema_view(
    list=extend_schema(
        summary="项目支出列表",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("project", int),
            OpenApiParameter("funding", str, enum=Funding.values),
        ],
    ),
    retrieve=extend_schema(summary="项目支出", responses={200: ExpenditureSerializer, 404: ERRORS[404]}),
)
class ExpenditureViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ExpenditureSerializer

    def get_queryset(self):
        qs = visible_expenditures(self.request.user).select_related("project")
        qs = filter_by_params(
            qs,
            self.request.query_params,
            year="project__fund_year__year",
            ids=["project"],
            choices={"funding": Funding.values},
        )
        return qs.order_by("-spent_on", "-id")

    @extend_schema(
        summary="承担单位登记支出",
        request=ExpenditureCreateSerializer,
        responses={201: ExpenditureSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(ExpenditureCreateSerializer)
        project = get_object_or_404(visible_projects(request.user), pk=d.pop("project"))
        e = services.record_expenditure(project, actor=request.user, **d)
        return self.result(e, 201)


class BudgetRateRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text="Project, department or focus area id.")
    label = serializers.CharField()
    projects = serializers.IntegerField()
    planned = serializers.DecimalField(**MONEY, help_text="任务书财政资金.")
    due = serializers.DecimalField(**MONEY, help_text="Tranches due by the as-of date.")
    arrived = serializers.DecimalField(**MONEY, help_text="Paid to the unit (ledger).")
    spent = serializers.DecimalField(**MONEY, help_text="Fiscal spending recorded.")
    self_spent = serializers.DecimalField(**MONEY)
    arrival_rate = serializers.DecimalField(**RATE, help_text="arrived ÷ planned, percent.")
    due_arrival_rate = serializers.DecimalField(**RATE, help_text="arrived ÷ due, percent.")
    execution_rate = serializers.DecimalField(**RATE, help_text="spent ÷ arrived, percent.")


class BudgetRatesSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    group = serializers.CharField()
    rows = BudgetRateRowSerializer(many=True)
    total = BudgetRateRowSerializer()


class RatesViewSet(viewsets.ViewSet):
    @extend_schema(
        summary="资金到位率与预算执行率（按项目、主管部门或重点领域）",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("as_of", dt.date, description="统计截止日 (default: everything so far)."),
            OpenApiParameter("group", str, enum=["project", "department", "area"]),
        ],
        responses={200: BudgetRatesSerializer, 404: ERRORS[404]},
    )
    def list(self, request):
        from django.http import Http404

        if not sees_budgets(request.user):
            raise Http404
        p = request.query_params
        year = int(p["year"]) if p.get("year", "").isdigit() else None
        try:
            as_of = dt.date.fromisoformat(p.get("as_of", ""))
        except ValueError:
            as_of = None
        report = services.rates_report(request.user, year=year, as_of=as_of, group=p.get("group", "project"))
        data = {
            "year": year,
            "as_of": as_of,
            "group": report.group,
            "rows": [r.as_dict() for r in report.rows],
            "total": report.total.as_dict(),
        }
        return Response(BudgetRatesSerializer(data).data)
