"""REST API of budget arrangement, contracts (任务书) and direct payments (直通车), mounted at
``/api/projects/``.

Serializers check the shape of what comes in; the services do everything else, so the API and the
web pages refuse the same things with the same messages. Querysets are filtered by scope (404 outside
it); an action the caller may not take answers 403; a service refusal answers 400 ``{detail, code, errors}``.
Amounts paid and unpaid come from the ledger (two queries for a whole page of projects).
"""

from django.db.models import Prefetch, Sum
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from techfund.core.api import ERRORS, MONEY, YEAR_FILTER, AmountField, ReasonSerializer, ServiceViewSetMixin
from techfund.core.services import ledger
from techfund.core.views.helpers import require_can
from techfund.projects import queries, services
from techfund.projects.enums import ContractState, ProjectState
from techfund.projects.models import Contract, ContractMilestone, ContractTarget, Payment, Project, Tranche
from techfund.projects.scopes import visible_contracts, visible_payments, visible_projects, visible_tranches


@extend_schema_field(OpenApiTypes.DATE)
class DateText(serializers.CharField):
    """A date as ``YYYY-MM-DD``; the service checks it and answers a specific message."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", None)
        super().__init__(**kwargs)


def _money(**kwargs):
    return serializers.DecimalField(**MONEY, read_only=True, **kwargs)


# ---------------------------------------------------------------- projects


class ProjectSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    focus_area = serializers.CharField(source="focus_area.code", read_only=True)
    focus_area_name = serializers.CharField(source="focus_area.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    contract = serializers.SerializerMethodField()
    contract_state = serializers.SerializerMethodField()
    paid = _money(source="balance.paid", help_text="Paid to the unit (直通车), from the ledger.")
    unpaid = _money(source="balance.unpaid", help_text="Arranged and not yet paid nor released.")
    released = _money(source="balance.released", help_text="Unpaid commitment released (termination).")
    recovered = _money(source="balance.recovered", help_text="Paid money recovered to the pool.")

    class Meta:
        model = Project
        fields = [
            "id",
            "number",
            "title",
            "year",
            "fiscal_year",
            "item",
            "application",
            "focus_area",
            "focus_area_name",
            "department",
            "department_name",
            "organisation",
            "organisation_name",
            "support_mode",
            "amount",
            "paid",
            "unpaid",
            "released",
            "recovered",
            "statutory_approved",
            "emergency",
            "state",
            "start_date",
            "end_date",
            "note",
            "arranged_at",
            "contract",
            "contract_state",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_contract(self, obj):
        c = queries.contract_of(obj)
        return c.pk if c else None

    @extend_schema_field(serializers.ChoiceField(choices=ContractState.choices, allow_null=True))
    def get_contract_state(self, obj):
        c = queries.contract_of(obj)
        return c.state if c else None


class ArrangeSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of final proposal items (decisions/items)."
    )
    fiscal_year = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Default: the fund year; or the next."
    )
    statutory_approved = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class TargetInputSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=20, help_text="output | outcome")
    name = serializers.CharField(max_length=200, allow_blank=True)
    indicator_type = serializers.CharField(max_length=20, help_text="higher | lower | zero | qualitative")
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    target_value = serializers.CharField(
        max_length=40, required=False, allow_blank=True, allow_null=True, default=None
    )
    target_text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class MilestoneInputSerializer(serializers.Serializer):
    due_date = DateText(required=True, allow_null=False, default=serializers.empty)
    description = serializers.CharField(max_length=300, allow_blank=True)


class GenerateContractSerializer(serializers.Serializer):
    start_date = DateText(help_text="Default: the project's start date.")
    end_date = DateText(help_text="Default: the project's end date.")
    terms = serializers.CharField(
        required=False, allow_null=True, default=None, allow_blank=True, help_text="Default: generated."
    )
    targets = TargetInputSerializer(
        many=True, required=False, allow_null=True, default=None, help_text="Default: the application's."
    )
    milestones = MilestoneInputSerializer(
        many=True, required=False, allow_null=True, default=None, help_text="Default: the application's."
    )


# ---------------------------------------------------------------- contracts and tranches


class ContractTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractTarget
        fields = ["id", "kind", "name", "indicator_type", "unit", "target_value", "target_text", "order"]
        read_only_fields = fields


class ContractMilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractMilestone
        fields = ["id", "due_date", "description"]
        read_only_fields = fields


class TrancheSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="contract.project_id", read_only=True)
    paid = serializers.SerializerMethodField()
    remaining = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Tranche
        fields = [
            "id",
            "contract",
            "project",
            "seq",
            "ratio",
            "amount",
            "condition",
            "due_date",
            "paid",
            "remaining",
            "overdue",
        ]
        read_only_fields = fields

    @staticmethod
    def _paid(obj):
        return getattr(obj, "paid_sum", None) or ledger.ZERO

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_paid(self, obj) -> str:
        return f"{self._paid(obj):.2f}"

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_remaining(self, obj) -> str:
        return f"{obj.amount - self._paid(obj):.2f}"

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, obj) -> bool:
        return bool(obj.due_date and obj.due_date < timezone.localdate() and obj.amount > self._paid(obj))


def _tranches(qs):
    return qs.annotate(paid_sum=Sum("payments__amount")).order_by("seq")


class ContractSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    title = serializers.CharField(source="project.title", read_only=True)
    department_name = serializers.CharField(source="project.department.name", read_only=True)
    organisation_name = serializers.CharField(source="project.organisation.name", read_only=True)
    targets = ContractTargetSerializer(many=True, read_only=True)
    milestones = ContractMilestoneSerializer(many=True, read_only=True)
    tranches = TrancheSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "project",
            "project_number",
            "title",
            "department_name",
            "organisation_name",
            "state",
            "amount",
            "self_raised",
            "start_date",
            "end_date",
            "terms",
            "generated_at",
            "owner_signatory",
            "owner_signed_at",
            "unit_signatory",
            "unit_signed_at",
            "signed_on",
            "targets",
            "milestones",
            "tranches",
        ]
        read_only_fields = fields


def _contracts(qs):
    return qs.select_related("project__department", "project__organisation").prefetch_related(
        "targets", "milestones", Prefetch("tranches", queryset=_tranches(Tranche.objects.all()))
    )


class SignSerializer(serializers.Serializer):
    signatory = serializers.CharField(max_length=100, allow_blank=True, help_text="The signer's name.")
    side = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text="unit (乙方) | owner (甲方); default: from the caller's role.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="任务书列表",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("project", int),
            OpenApiParameter("state", str, enum=ContractState.values),
        ],
    ),
    retrieve=extend_schema(
        summary="任务书（绩效目标、进度安排、拨付计划）",
        responses={200: ContractSerializer, 404: ERRORS[404]},
    ),
)
class ContractViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ContractSerializer

    def get_queryset(self):
        qs = _contracts(visible_contracts(self.request.user))
        p = self.request.query_params
        if p.get("year", "").isdigit():
            qs = qs.filter(project__fund_year__year=int(p["year"]))
        if p.get("project", "").isdigit():
            qs = qs.filter(project_id=int(p["project"]))
        if p.get("state") in ContractState.values:
            qs = qs.filter(state=p["state"])
        return qs.order_by("project__fund_year__year", "project__number")

    @extend_schema(
        summary="签署任务书（甲方或乙方）",
        request=SignSerializer,
        responses={200: ContractSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        contract = self.get_object()
        require_can(request.user, "projects.sign_contract", contract.project)
        d = self.validated(SignSerializer)
        services.sign_contract(contract, actor=request.user, signatory=d["signatory"], side=d["side"] or None)
        return self.result(contract)


def _projects(qs):
    return queries.list_queryset(qs).select_related("application", "item")


@extend_schema_view(
    list=extend_schema(
        summary="项目列表（含拨付金额）",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("focus_area", str, description="Focus area code."),
            OpenApiParameter("department", str, description="Managing department code."),
            OpenApiParameter("state", str, enum=ProjectState.values),
            OpenApiParameter("emergency", str, enum=["1", "0"], description="1: only 一事一议; 0: none."),
            OpenApiParameter("q", str, description="Number or title contains."),
        ],
    ),
    retrieve=extend_schema(
        summary="项目（含拨付金额）", responses={200: ProjectSerializer, 404: ERRORS[404]}
    ),
)
class ProjectViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ProjectSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = _projects(visible_projects(self.request.user))
        p = self.request.query_params
        qs = queries.filter_projects(
            qs,
            year=p.get("year"),
            focus_area=p.get("focus_area", ""),
            department=p.get("department", ""),
            state=p.get("state", ""),
            emergency=p.get("emergency", ""),
            q=p.get("q", ""),
        )
        return qs.order_by("fund_year__year", "number")

    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        page = self.paginate_queryset(qs)
        rows = queries.with_balances(page if page is not None else qs)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        (obj,) = queries.with_balances([self.get_object()])
        return Response(self.get_serializer(obj).data)

    def result(self, obj, code=200):
        (obj,) = queries.with_balances([self.get_queryset().get(pk=obj.pk)])
        return Response(self.result_serializer_class(obj).data, status=code)

    @extend_schema(
        summary="财政部门安排预算（一个或多个正式立项事项，全部成功或全部不安排）",
        request=ArrangeSerializer,
        responses={201: ProjectSerializer(many=True), **ERRORS},
    )
    @action(detail=False, methods=["post"])
    def arrange(self, request):
        require_can(request.user, "projects.arrange")
        d = self.validated(ArrangeSerializer)
        projects = services.arrange_items(
            d["items"],
            actor=request.user,
            fiscal_year=d["fiscal_year"],
            statutory_approved=d["statutory_approved"],
            note=d["note"],
        )
        rows = queries.with_balances(
            _projects(visible_projects(request.user))
            .filter(pk__in=[p.pk for p in projects])
            .order_by("number")
        )
        return Response(self.get_serializer(rows, many=True).data, status=201)

    @extend_schema(
        summary="确认预算已按法定程序批准",
        request=ReasonSerializer,
        responses={200: ProjectSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="confirm-statutory-approval")
    def confirm_statutory_approval(self, request, pk=None):
        project = self.get_object()
        require_can(request.user, "projects.confirm_statutory_approval", project)
        project = services.confirm_statutory_approval(project, actor=request.user, reason=self.reason())
        return self.result(project)

    @extend_schema(
        summary="生成任务书",
        request=GenerateContractSerializer,
        responses={201: ContractSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="generate-contract")
    def generate_contract(self, request, pk=None):
        project = self.get_object()
        require_can(request.user, "projects.generate_contract", project)
        d = self.validated(GenerateContractSerializer)
        contract = services.generate_contract(
            project,
            actor=request.user,
            start_date=d["start_date"] or None,
            end_date=d["end_date"] or None,
            terms=d["terms"],
            targets=d["targets"],
            milestones=d["milestones"],
        )
        c = _contracts(visible_contracts(request.user)).get(pk=contract.pk)
        return Response(ContractSerializer(c).data, status=201)


class PaySerializer(serializers.Serializer):
    treasury_ref = serializers.CharField(
        max_length=100, allow_blank=True, help_text="国库支付凭证号, unique."
    )
    paid_on = DateText(help_text="Default: today.")
    amount = AmountField(
        required=False, allow_null=True, allow_blank=True, default=None, help_text="Default: what remains."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class PaymentSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    seq = serializers.IntegerField(source="tranche.seq", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "project",
            "project_number",
            "tranche",
            "seq",
            "amount",
            "paid_on",
            "treasury_ref",
            "note",
            "recorded_at",
            "entry",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="拨付计划（分期）列表",
        parameters=[YEAR_FILTER, OpenApiParameter("project", int), OpenApiParameter("contract", int)],
    ),
    retrieve=extend_schema(summary="拨付计划（一期）", responses={200: TrancheSerializer, 404: ERRORS[404]}),
)
class TrancheViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = TrancheSerializer

    def get_queryset(self):
        qs = _tranches(visible_tranches(self.request.user).select_related("contract"))
        p = self.request.query_params
        if p.get("year", "").isdigit():
            qs = qs.filter(contract__project__fund_year__year=int(p["year"]))
        if p.get("project", "").isdigit():
            qs = qs.filter(contract__project_id=int(p["project"]))
        if p.get("contract", "").isdigit():
            qs = qs.filter(contract_id=int(p["contract"]))
        return qs.order_by("contract__project__number", "seq")

    @extend_schema(
        summary="直通车拨付（本期全部或部分）",
        request=PaySerializer,
        responses={201: PaymentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        tranche = self.get_object()
        require_can(request.user, "projects.pay", tranche.contract.project)
        d = self.validated(PaySerializer)
        payment = services.pay_tranche(
            tranche,
            actor=request.user,
            treasury_ref=d["treasury_ref"],
            paid_on=d["paid_on"] or None,
            amount=d["amount"] if d["amount"] not in (None, "") else None,
            note=d["note"],
        )
        p = visible_payments(request.user).select_related("project", "tranche").get(pk=payment.pk)
        return Response(PaymentSerializer(p).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="拨付记录（直通车）",
        parameters=[YEAR_FILTER, OpenApiParameter("project", int), OpenApiParameter("tranche", int)],
    ),
    retrieve=extend_schema(summary="拨付记录", responses={200: PaymentSerializer, 404: ERRORS[404]}),
)
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PaymentSerializer

    def get_queryset(self):
        qs = visible_payments(self.request.user).select_related("project", "tranche")
        p = self.request.query_params
        if p.get("year", "").isdigit():
            qs = qs.filter(project__fund_year__year=int(p["year"]))
        if p.get("project", "").isdigit():
            qs = qs.filter(project_id=int(p["project"]))
        if p.get("tranche", "").isdigit():
            qs = qs.filter(tranche_id=int(p["tranche"]))
        return qs.order_by("paid_on", "id")


__all__ = ["ContractViewSet", "PaymentViewSet", "ProjectViewSet", "TrancheViewSet"]
