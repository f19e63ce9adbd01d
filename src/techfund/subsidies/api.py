"""REST API of 贷款贴息 (mounted at ``/api/subsidies/``).

Serializers check the shape of what comes in; the services do everything else, so the API and the
web pages refuse the same things with the same messages. Querysets are filtered by scope (404
outside it); an action the caller may not take answers 403; a service refusal answers 400
``{detail, code, errors}``.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from techfund.core.api import ERRORS, YEAR_FILTER, AmountField, ServiceViewSetMixin, filter_by_params
from techfund.sanctions.enums import Decision
from techfund.subsidies import services
from techfund.subsidies.enums import ClaimState, RateKind, Tenor
from techfund.subsidies.models import Drawdown, InterestPayment, Loan, ReferenceRate, Repayment, SubsidyClaim
from techfund.subsidies.scopes import visible_claims, visible_loans, visible_subsidy_projects

# ---------------------------------------------------------------- reference rates


class SubsidyReferenceRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferenceRate
        fields = ["id", "kind", "tenor", "effective_from", "rate", "source", "recorded_by", "recorded_at"]
        read_only_fields = fields


class SubsidyReferenceRateCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RateKind.choices)
    tenor = serializers.ChoiceField(choices=Tenor.choices)
    effective_from = serializers.DateField()
    rate = serializers.CharField(max_length=20, help_text="Annual rate in percent, e.g. 3.10.")
    source = serializers.CharField(allow_blank=True, help_text="Where the rate was published (required).")


@extend_schema_view(
    list=extend_schema(summary="参考利率（LPR、贷款基准利率）"),
    retrieve=extend_schema(
        summary="参考利率", responses={200: SubsidyReferenceRateSerializer, 404: ERRORS[404]}
    ),
)
class ReferenceRateViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = SubsidyReferenceRateSerializer

    def get_queryset(self):
        from techfund.subsidies.scopes import sees_subsidies

        if not sees_subsidies(self.request.user):
            return ReferenceRate.objects.none()
        return ReferenceRate.objects.order_by("kind", "tenor", "-effective_from")

    @extend_schema(
        summary="办公室登记参考利率",
        request=SubsidyReferenceRateCreateSerializer,
        responses={201: SubsidyReferenceRateSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(SubsidyReferenceRateCreateSerializer)
        return self.result(services.record_rate(actor=request.user, **d), 201)


# ---------------------------------------------------------------- loans


class SubsidyDrawdownSerializer(serializers.ModelSerializer):
    class Meta:
        model = Drawdown
        fields = ["id", "drawn_on", "amount"]


class SubsidyRepaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Repayment
        fields = ["id", "repaid_on", "amount"]


class SubsidyInterestPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = InterestPayment
        fields = ["id", "period_start", "period_end", "amount", "paid_on", "receipt_ref", "evidence_name"]


class SubsidyLoanSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    organisation_name = serializers.CharField(source="project.organisation.name", read_only=True)
    year = serializers.IntegerField(source="project.fund_year.year", read_only=True)
    drawdowns = SubsidyDrawdownSerializer(many=True, read_only=True)
    repayments = SubsidyRepaymentSerializer(many=True, read_only=True)
    interest_payments = SubsidyInterestPaymentSerializer(many=True, read_only=True)

    class Meta:
        model = Loan
        fields = [
            "id",
            "project",
            "project_number",
            "organisation_name",
            "year",
            "bank",
            "contract_number",
            "principal",
            "annual_rate",
            "start_date",
            "maturity_date",
            "purpose",
            "registered_at",
            "drawdowns",
            "repayments",
            "interest_payments",
        ]
        read_only_fields = fields


class SubsidyLoanCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="The interest-subsidy project's id.")
    bank = serializers.CharField(allow_blank=True)
    contract_number = serializers.CharField(allow_blank=True)
    principal = AmountField()
    annual_rate = serializers.CharField(max_length=20, help_text="Annual rate in percent, e.g. 3.45.")
    start_date = serializers.DateField()
    maturity_date = serializers.DateField()
    purpose = serializers.CharField(allow_blank=True)


class SubsidyDrawdownCreateSerializer(serializers.Serializer):
    drawn_on = serializers.DateField()
    amount = AmountField()


class SubsidyRepaymentCreateSerializer(serializers.Serializer):
    repaid_on = serializers.DateField()
    amount = AmountField()


class SubsidyInterestCreateSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    amount = AmountField()
    paid_on = serializers.DateField()
    receipt_ref = serializers.CharField(allow_blank=True)


class SubsidyPeriodSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class SubsidyBreakdownSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    gross = serializers.DecimalField(max_digits=18, decimal_places=2)
    bound_by = serializers.CharField()
    breakdown = serializers.JSONField()


LOAN_RELATED = ("project__organisation", "project__fund_year")


@extend_schema_view(
    list=extend_schema(summary="贴息贷款", parameters=[YEAR_FILTER, OpenApiParameter("project", int)]),
    retrieve=extend_schema(summary="贴息贷款", responses={200: SubsidyLoanSerializer, 404: ERRORS[404]}),
)
class LoanViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = SubsidyLoanSerializer

    def get_queryset(self):
        qs = visible_loans(self.request.user).select_related(*LOAN_RELATED)
        qs = qs.prefetch_related("drawdowns", "repayments", "interest_payments")
        qs = filter_by_params(qs, self.request.query_params, year="project__fund_year__year", ids=["project"])
        return qs.order_by("-project__fund_year__year", "id")

    @extend_schema(
        summary="企业登记贴息贷款",
        request=SubsidyLoanCreateSerializer,
        responses={201: SubsidyLoanSerializer, **ERRORS},
    )
    def create(self, request):
        d = dict(self.validated(SubsidyLoanCreateSerializer))
        project = get_object_or_404(visible_subsidy_projects(request.user), pk=d.pop("project"))
        return self.result(services.register_loan(project, actor=request.user, **d), 201)

    @extend_schema(
        summary="登记放款",
        request=SubsidyDrawdownCreateSerializer,
        responses={200: SubsidyLoanSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def drawdowns(self, request, pk=None):
        loan = self.get_object()
        services.record_drawdown(loan, actor=request.user, **self.validated(SubsidyDrawdownCreateSerializer))
        return self.result(loan)

    @extend_schema(
        summary="登记归还本金",
        request=SubsidyRepaymentCreateSerializer,
        responses={200: SubsidyLoanSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def repayments(self, request, pk=None):
        loan = self.get_object()
        services.record_repayment(
            loan, actor=request.user, **self.validated(SubsidyRepaymentCreateSerializer)
        )
        return self.result(loan)

    @extend_schema(
        summary="登记付息凭证",
        request=SubsidyInterestCreateSerializer,
        responses={200: SubsidyLoanSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def interest(self, request, pk=None):
        loan = self.get_object()
        services.record_interest(loan, actor=request.user, **self.validated(SubsidyInterestCreateSerializer))
        return self.result(loan)

    @extend_schema(
        summary="试算贴息（不保存）",
        request=SubsidyPeriodSerializer,
        responses={200: SubsidyBreakdownSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        loan = self.get_object()
        ev = services.preview(loan, **self.validated(SubsidyPeriodSerializer))
        body = {
            "amount": ev.result.amount,
            "gross": ev.result.gross,
            "bound_by": ev.result.bound_by,
            "breakdown": ev.breakdown(),
        }
        return Response(SubsidyBreakdownSerializer(body).data)


# ---------------------------------------------------------------- claims


class SubsidyClaimSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    year = serializers.IntegerField(source="project.fund_year.year", read_only=True)
    bank = serializers.CharField(source="loan.bank", read_only=True)
    contract_number = serializers.CharField(source="loan.contract_number", read_only=True)

    class Meta:
        model = SubsidyClaim
        fields = [
            "id",
            "number",
            "loan",
            "bank",
            "contract_number",
            "project",
            "project_number",
            "organisation",
            "organisation_name",
            "year",
            "period_start",
            "period_end",
            "state",
            "gross",
            "interest_paid",
            "amount",
            "bound_by",
            "breakdown",
            "submitted_on",
            "verified_on",
            "approved_on",
            "instructed_on",
            "paid_on",
            "treasury_ref",
            "rejected_on",
            "opinion",
        ]
        read_only_fields = fields


class SubsidyClaimCreateSerializer(SubsidyPeriodSerializer):
    loan = serializers.IntegerField(help_text="The loan's id.")


class SubsidyClaimDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    opinion = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when the decision is reject."
    )


CLAIM_RELATED = ("loan", "organisation", "project__fund_year")


@extend_schema_view(
    list=extend_schema(
        summary="贴息申请",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("state", str, enum=ClaimState.values),
            OpenApiParameter("loan", int),
            OpenApiParameter("project", int),
        ],
    ),
    retrieve=extend_schema(summary="贴息申请", responses={200: SubsidyClaimSerializer, 404: ERRORS[404]}),
)
class SubsidyClaimViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = SubsidyClaimSerializer

    def get_queryset(self):
        qs = visible_claims(self.request.user).select_related(*CLAIM_RELATED)
        qs = filter_by_params(
            qs,
            self.request.query_params,
            year="project__fund_year__year",
            ids=["loan", "project"],
            choices={"state": ClaimState.values},
        )
        return qs.order_by("-created_at", "-id")

    @extend_schema(
        summary="企业填报贴息申请（草稿，含计算明细）",
        request=SubsidyClaimCreateSerializer,
        responses={201: SubsidyClaimSerializer, **ERRORS},
    )
    def create(self, request):
        d = dict(self.validated(SubsidyClaimCreateSerializer))
        loan = get_object_or_404(visible_loans(request.user), pk=d.pop("loan"))
        return self.result(services.file_claim(loan, actor=request.user, **d), 201)

    @extend_schema(
        summary="企业提交贴息申请", request=None, responses={200: SubsidyClaimSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        claim = self.get_object()
        services.submit_claim(claim, actor=request.user)
        return self.result(claim)

    @extend_schema(
        summary="主管部门审核（同意 / 退回）",
        request=SubsidyClaimDecisionSerializer,
        responses={200: SubsidyClaimSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        claim = self.get_object()
        services.verify_claim(claim, actor=request.user, **self.validated(SubsidyClaimDecisionSerializer))
        return self.result(claim)

    @extend_schema(
        summary="财政部门审批（同意 / 退回）",
        request=SubsidyClaimDecisionSerializer,
        responses={200: SubsidyClaimSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        claim = self.get_object()
        services.approve_claim(claim, actor=request.user, **self.validated(SubsidyClaimDecisionSerializer))
        return self.result(claim)

    @extend_schema(
        summary="下达国库支付指令", request=None, responses={200: SubsidyClaimSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def instruct(self, request, pk=None):
        claim = self.get_object()
        services.instruct_claim(claim, actor=request.user)
        return self.result(claim)
