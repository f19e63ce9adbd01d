"""REST API of risk compensation (mounted at ``/api/riskpool/``).

Serializers check the shape of what comes in; the services do everything else, so the API and the
web pages refuse the same things with the same messages. Querysets are filtered by scope (404 outside
it); an action the caller may not take answers 403; a service refusal answers 400 ``{detail, code, errors}``.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404

from techfund.core.api import ERRORS, YEAR_FILTER, AmountField, ServiceViewSetMixin, filter_by_params
from techfund.core.models import Organisation
from techfund.riskpool import accounts, services
from techfund.riskpool.enums import ClaimState, Decision, GuaranteeType, LoanState
from techfund.riskpool.models import BankRecovery, CoveredLoan, DefaultClaim, LoanFiling, RiskPool
from techfund.riskpool.scopes import sees_pools, visible_claims, visible_loans, visible_pools

# ---------------------------------------------------------------- pools


class PoolSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    bank_name = serializers.CharField(source="bank.organisation.name", read_only=True)
    bank_code = serializers.CharField(source="bank.code", read_only=True)
    focus_area_code = serializers.CharField(source="focus_area.code", read_only=True)
    department_code = serializers.CharField(source="department.code", read_only=True)
    funded = serializers.SerializerMethodField(help_text="Net funding from the focus area (ledger).")
    paid = serializers.SerializerMethodField(help_text="Claim payments out of the pool (ledger).")
    returned = serializers.SerializerMethodField(help_text="Bank recoveries returned to the pool (ledger).")
    balance = serializers.SerializerMethodField(help_text="funded − paid + returned.")

    class Meta:
        model = RiskPool
        fields = [
            "id",
            "year",
            "bank",
            "bank_name",
            "bank_code",
            "focus_area_code",
            "department_code",
            "funded",
            "paid",
            "returned",
            "balance",
        ]
        read_only_fields = fields

    def _f(self, obj) -> dict:
        cache = self.context.setdefault("_figures", {})
        if obj.pk not in cache:
            cache[obj.pk] = accounts.pool_figures([obj])[obj.pk]
        return cache[obj.pk]

    def get_funded(self, obj) -> str:
        return str(self._f(obj)["funded"])

    def get_paid(self, obj) -> str:
        return str(self._f(obj)["paid"])

    def get_returned(self, obj) -> str:
        return str(self._f(obj)["returned"])

    def get_balance(self, obj) -> str:
        return str(self._f(obj)["balance"])


class FundSerializer(serializers.Serializer):
    amount = AmountField(help_text="Moved from the focus area's allocation into the pool.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="风险补偿资金池列表", parameters=[YEAR_FILTER]),
    retrieve=extend_schema(summary="风险补偿资金池", responses={200: PoolSerializer, 404: ERRORS[404]}),
)
class PoolViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = PoolSerializer

    def get_queryset(self):
        if not sees_pools(self.request.user):
            return RiskPool.objects.none()
        qs = visible_pools(self.request.user).select_related(
            "fund_year", "bank__organisation", "focus_area", "department"
        )
        return filter_by_params(qs, self.request.query_params, year="fund_year__year").order_by(
            "-fund_year__year", "bank__code"
        )

    @extend_schema(
        summary="财政部门向资金池注资", request=FundSerializer, responses={201: PoolSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def fund(self, request, pk=None):
        pool = self.get_object()
        d = self.validated(FundSerializer)
        services.fund_pool(pool, actor=request.user, amount=d["amount"], note=d["note"])
        return self.result(pool, 201)

    @extend_schema(
        summary="年末将资金池可用结余退回领域配置", request=None, responses={200: PoolSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_balance(self, request, pk=None):
        pool = self.get_object()
        services.return_balance(pool, actor=request.user)
        return self.result(pool)


# ---------------------------------------------------------------- loans


class FilingSerializer(serializers.ModelSerializer):
    on_time = serializers.BooleanField(read_only=True)

    class Meta:
        model = LoanFiling
        fields = ["id", "month", "outstanding", "filed_on", "due_on", "on_time"]
        read_only_fields = fields


class LoanSerializer(serializers.ModelSerializer):
    bank_name = serializers.CharField(source="bank.organisation.name", read_only=True)
    borrower_name = serializers.CharField(source="borrower.name", read_only=True)
    borrower_uscc = serializers.CharField(source="borrower.uscc", read_only=True)
    filings = FilingSerializer(many=True, read_only=True)

    class Meta:
        model = CoveredLoan
        fields = [
            "id",
            "bank",
            "bank_name",
            "pool",
            "borrower",
            "borrower_name",
            "borrower_uscc",
            "contract_number",
            "principal",
            "rate",
            "benchmark_rate",
            "benchmark_basis",
            "start_date",
            "term_months",
            "end_date",
            "guarantee_type",
            "first_loan",
            "state",
            "evidence",
            "registered_on",
            "filings",
        ]
        read_only_fields = fields


class LoanCreateSerializer(serializers.Serializer):
    pool = serializers.IntegerField(help_text="The bank's pool the loan is registered under.")
    borrower_uscc = serializers.CharField(help_text="统一社会信用代码 of a registered organisation.")
    contract_number = serializers.CharField(allow_blank=True)
    principal = AmountField()
    rate = serializers.CharField(help_text="Annual rate in percent, e.g. 4.35.")
    benchmark_rate = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Benchmark at grant, in percent; blank: the LPR in force from the reference-rate table.",
    )
    benchmark_basis = serializers.CharField(required=False, allow_blank=True, default="")
    start_date = serializers.DateField()
    term_months = serializers.IntegerField(min_value=1)
    guarantee_type = serializers.ChoiceField(choices=GuaranteeType.choices)
    first_loan = serializers.BooleanField(default=False)
    evidence = serializers.CharField(allow_blank=True)


class FilingCreateSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="Any day of the month filed for.")
    outstanding = serializers.CharField(help_text="Outstanding balance at the month's end (yuan).")
    filed_on = serializers.DateField(required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(
        summary="风险补偿备案贷款列表",
        parameters=[OpenApiParameter("state", str, enum=LoanState.values), OpenApiParameter("bank", int)],
    ),
    retrieve=extend_schema(summary="风险补偿备案贷款", responses={200: LoanSerializer, 404: ERRORS[404]}),
)
class LoanViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = LoanSerializer

    def get_queryset(self):
        qs = (
            visible_loans(self.request.user)
            .select_related("bank__organisation", "borrower")
            .prefetch_related("filings")
        )
        qs = filter_by_params(
            qs, self.request.query_params, ids=["bank"], choices={"state": LoanState.values}
        )
        return qs.order_by("bank__code", "start_date", "id")

    @extend_schema(
        summary="登记备案贷款（逐项核对政策条件）",
        request=LoanCreateSerializer,
        responses={201: LoanSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(LoanCreateSerializer)
        pool = get_object_or_404(visible_pools(request.user), pk=d["pool"])
        borrower = Organisation.objects.filter(uscc=d["borrower_uscc"].strip().upper()).first()
        if borrower is None:
            raise NotFound()
        loan = services.register_loan(
            pool,
            actor=request.user,
            borrower=borrower,
            contract_number=d["contract_number"],
            principal=d["principal"],
            rate=d["rate"],
            benchmark_rate=d["benchmark_rate"],
            benchmark_basis=d["benchmark_basis"],
            start_date=d["start_date"],
            term_months=d["term_months"],
            guarantee_type=d["guarantee_type"],
            first_loan=d["first_loan"],
            evidence=d["evidence"],
        )
        return self.result(loan, 201)

    @extend_schema(
        summary="登记月度备案", request=FilingCreateSerializer, responses={201: LoanSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def filings(self, request, pk=None):
        loan = self.get_object()
        d = self.validated(FilingCreateSerializer)
        services.file_month(
            loan, actor=request.user, month=d["month"], outstanding=d["outstanding"], filed_on=d["filed_on"]
        )
        return self.result(loan, 201)


# ---------------------------------------------------------------- claims


class RecoverySerializer(serializers.ModelSerializer):
    class Meta:
        model = BankRecovery
        fields = ["id", "amount", "returned", "recovered_on", "evidence", "entry"]
        read_only_fields = fields


class ClaimSerializer(serializers.ModelSerializer):
    borrower_name = serializers.CharField(source="loan.borrower.name", read_only=True)
    bank_name = serializers.CharField(source="loan.bank.organisation.name", read_only=True)
    recoveries = RecoverySerializer(many=True, read_only=True)

    class Meta:
        model = DefaultClaim
        fields = [
            "id",
            "number",
            "loan",
            "pool",
            "bank_name",
            "borrower_name",
            "state",
            "default_date",
            "loss",
            "other_public",
            "share",
            "computed",
            "compensation",
            "breakdown",
            "evidence",
            "claimed_by",
            "claimed_on",
            "reviewed_by",
            "reviewed_on",
            "review_opinion",
            "approved_by",
            "approved_on",
            "approval_opinion",
            "refused_reason",
            "paid_on",
            "treasury_ref",
            "entry",
            "recoveries",
        ]
        read_only_fields = fields


class ClaimCreateSerializer(serializers.Serializer):
    loan = serializers.IntegerField()
    default_date = serializers.DateField()
    loss = AmountField(help_text="Principal loss claimed.")
    other_public = serializers.CharField(
        required=False, default="0", help_text="Other public compensation on the loss."
    )
    evidence = serializers.CharField(allow_blank=True)


class ClaimDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class RecoveryCreateSerializer(serializers.Serializer):
    amount = AmountField(help_text="What the bank recovered from the borrower.")
    recovered_on = serializers.DateField()
    evidence = serializers.CharField(allow_blank=True)


@extend_schema_view(
    list=extend_schema(
        summary="代偿申请列表",
        parameters=[YEAR_FILTER, OpenApiParameter("state", str, enum=ClaimState.values)],
    ),
    retrieve=extend_schema(summary="代偿申请", responses={200: ClaimSerializer, 404: ERRORS[404]}),
)
class ClaimViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ClaimSerializer

    def get_queryset(self):
        qs = (
            visible_claims(self.request.user)
            .select_related("loan__borrower", "loan__bank__organisation")
            .prefetch_related("recoveries")
        )
        qs = filter_by_params(
            qs, self.request.query_params, year="pool__fund_year__year", choices={"state": ClaimState.values}
        )
        return qs.order_by("-claimed_at", "-id")

    @extend_schema(
        summary="登记合作银行代偿申请",
        request=ClaimCreateSerializer,
        responses={201: ClaimSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(ClaimCreateSerializer)
        loan = get_object_or_404(visible_loans(request.user), pk=d["loan"])
        claim = services.submit_claim(
            loan,
            actor=request.user,
            default_date=d["default_date"],
            loss=d["loss"],
            other_public=d["other_public"],
            evidence=d["evidence"],
        )
        return self.result(claim, 201)

    @extend_schema(
        summary="管理机构审核", request=ClaimDecisionSerializer, responses={200: ClaimSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        claim = self.get_object()
        d = self.validated(ClaimDecisionSerializer)
        services.review_claim(claim, actor=request.user, decision=d["decision"], opinion=d["opinion"])
        return self.result(claim)

    @extend_schema(
        summary="主管部门审批", request=ClaimDecisionSerializer, responses={200: ClaimSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        claim = self.get_object()
        d = self.validated(ClaimDecisionSerializer)
        services.approve_claim(claim, actor=request.user, decision=d["decision"], opinion=d["opinion"])
        return self.result(claim)

    @extend_schema(
        summary="财政部门下达国库支付指令", request=None, responses={200: ClaimSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        claim = self.get_object()
        services.instruct_payment(claim, actor=request.user)
        return self.result(claim)

    @extend_schema(
        summary="登记银行追偿回收（按补偿比例退回资金池）",
        request=RecoveryCreateSerializer,
        responses={201: ClaimSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def recoveries(self, request, pk=None):
        claim = self.get_object()
        d = self.validated(RecoveryCreateSerializer)
        services.record_recovery(
            claim,
            actor=request.user,
            amount=d["amount"],
            recovered_on=d["recovered_on"],
            evidence=d["evidence"],
        )
        return self.result(claim, 201)


__all__ = ["ClaimViewSet", "LoanViewSet", "PoolViewSet"]
