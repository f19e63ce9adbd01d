"""REST API of acceptance and evaluation (mounted at ``/api/evaluation/``).

Serializers check the shape of what comes in; the services do everything else, so the API and the
web pages refuse the same things with the same messages. Querysets are filtered by scope (404
outside it); an action the caller may not take answers 403; a service refusal answers 400
``{detail, code, errors}`` (KPI fields as ``results.<target id>.<actual|band|band_score|explanation>``,
next-year lines as ``lines.<line id>.<amount|reason>``).
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from techfund.core.api import ERRORS, MONEY, YEAR_FILTER, AmountField, ReasonSerializer, ServiceViewSetMixin
from techfund.evaluation import services
from techfund.evaluation.display import kpi_basis, line_actions
from techfund.evaluation.enums import (
    COMPREHENSIVE_PARTS,
    ComprehensiveState,
    Grade,
    NextYearState,
    SelfEvaluationState,
)
from techfund.evaluation.models import (
    ComprehensiveEvaluation,
    KpiResult,
    NextYearLine,
    NextYearProposal,
    SelfEvaluation,
)
from techfund.evaluation.scopes import (
    sees_grades,
    visible_comprehensive,
    visible_next_year,
    visible_self_evaluations,
)
from techfund.funds.scopes import visible_fund_years
from techfund.projects.scopes import visible_projects

SCORE = {"max_digits": 5, "decimal_places": 2}
PROJECT_FIELDS = {
    "project_number": serializers.CharField(source="project.number", read_only=True),
    "project_title": serializers.CharField(source="project.title", read_only=True),
}


def _filter(qs, params, *, state_values):
    year = params.get("year", "")
    if year.isdigit():
        qs = qs.filter(project__fund_year__year=int(year))
    if params.get("project", "").isdigit():
        qs = qs.filter(project_id=int(params["project"]))
    if params.get("state") in state_values:
        qs = qs.filter(state=params["state"])
    return qs


# ---------------------------------------------------------------- self-evaluation


class KpiResultSerializer(serializers.ModelSerializer):
    target = serializers.IntegerField(source="target_id", read_only=True)
    name = serializers.CharField(source="target.name", read_only=True)
    kind = serializers.CharField(source="target.kind", read_only=True)
    indicator_type = serializers.CharField(source="target.indicator_type", read_only=True)
    unit = serializers.CharField(source="target.unit", read_only=True)
    target_value = serializers.DecimalField(
        source="target.target_value", max_digits=18, decimal_places=4, read_only=True, allow_null=True
    )
    target_text = serializers.CharField(source="target.target_text", read_only=True)
    basis = serializers.SerializerMethodField(help_text="Why the KPI scored what it did.")

    class Meta:
        model = KpiResult
        fields = [
            "target",
            "name",
            "kind",
            "indicator_type",
            "unit",
            "target_value",
            "target_text",
            "actual_value",
            "band",
            "band_score",
            "explanation",
            "score",
            "ratio",
            "needs_explanation",
            "weight_share",
            "basis",
        ]
        read_only_fields = fields

    def get_basis(self, obj) -> str:
        return kpi_basis(obj, obj.self_evaluation.rules)


class SelfEvaluationSerializer(serializers.ModelSerializer):
    project_number = PROJECT_FIELDS["project_number"]
    project_title = PROJECT_FIELDS["project_title"]
    year = serializers.IntegerField(source="project.fund_year.year", read_only=True)
    weights = serializers.SerializerMethodField()
    results = KpiResultSerializer(many=True, read_only=True)

    class Meta:
        model = SelfEvaluation
        fields = [
            "id",
            "project",
            "project_number",
            "project_title",
            "year",
            "state",
            "summary",
            "planned",
            "arrived",
            "spent",
            "arrival_rate",
            "execution_rate",
            "satisfaction",
            "output_score",
            "outcome_score",
            "satisfaction_score",
            "budget_execution_score",
            "total",
            "grade",
            "profile_version",
            "weights",
            "submitted_on",
            "submitted_at",
            "decided_on",
            "decision_note",
            "results",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_weights(self, obj) -> dict:
        return obj.rules.get("weights", {})


class KpiInputSerializer(serializers.Serializer):
    target = serializers.IntegerField(help_text="A target (KPI) of the project's contract.")
    actual = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=30,
        help_text="Quantitative KPIs: the actual value.",
    )
    band = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20,
        help_text="Qualitative KPIs: achieved, partly or not_achieved.",
    )
    band_score = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=10,
        help_text="Qualitative KPIs: the score (0–100) within the band's range.",
    )
    explanation = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the actual value reaches the policy's deviation factor (130%) of the target.",
    )


class SelfEvaluationCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="A project in progress of the caller's organisation.")
    summary = serializers.CharField(allow_blank=True)
    spent = AmountField(allow_blank=True, help_text="Money actually spent, ≤ the money arrived (paid).")
    satisfaction = serializers.CharField(allow_blank=True, max_length=10, help_text="0–100.")
    results = KpiInputSerializer(many=True)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _self_evaluations(qs):
    results = KpiResult.objects.select_related("target", "self_evaluation").order_by("order", "id")
    return qs.select_related("project__fund_year").prefetch_related(Prefetch("results", queryset=results))


@extend_schema_view(
    list=extend_schema(
        summary="单位自评列表",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("state", str, enum=SelfEvaluationState.values),
            OpenApiParameter("project", int),
        ],
    ),
    retrieve=extend_schema(summary="单位自评", responses={200: SelfEvaluationSerializer, 404: ERRORS[404]}),
)
class SelfEvaluationViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = SelfEvaluationSerializer

    def get_queryset(self):
        qs = _filter(
            visible_self_evaluations(self.request.user),
            self.request.query_params,
            state_values=SelfEvaluationState.values,
        )
        return _self_evaluations(qs).order_by("-id")

    @extend_schema(
        summary="提交单位自评（项目进入验收评价）",
        request=SelfEvaluationCreateSerializer,
        responses={201: SelfEvaluationSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(SelfEvaluationCreateSerializer)
        project = get_object_or_404(visible_projects(request.user), pk=d["project"])
        ev = services.submit_self_evaluation(
            project,
            actor=request.user,
            summary=d["summary"],
            spent=d["spent"],
            satisfaction=d["satisfaction"],
            results=[dict(r) for r in d["results"]],
        )
        return self.result(ev, 201)

    @extend_schema(
        summary="受理单位自评（作为综合评价依据）",
        request=NoteSerializer,
        responses={200: SelfEvaluationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        ev = self.get_object()
        services.accept_self_evaluation(ev, actor=request.user, note=self.validated(NoteSerializer)["note"])
        return self.result(ev)

    @extend_schema(
        summary="退回单位自评（项目恢复执行）",
        request=ReasonSerializer,
        responses={200: SelfEvaluationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        ev = self.get_object()
        services.return_self_evaluation(ev, actor=request.user, reason=self.reason())
        return self.result(ev)


# ---------------------------------------------------------------- comprehensive evaluation


class PartSerializer(serializers.Serializer):
    part = serializers.CharField()
    weight = serializers.IntegerField(allow_null=True)
    score = serializers.DecimalField(**SCORE)
    opinion = serializers.CharField()


class ComprehensiveSerializer(serializers.ModelSerializer):
    project_number = PROJECT_FIELDS["project_number"]
    project_title = PROJECT_FIELDS["project_title"]
    year = serializers.IntegerField(source="project.fund_year.year", read_only=True)
    parts = serializers.SerializerMethodField()

    class Meta:
        model = ComprehensiveEvaluation
        fields = [
            "id",
            "project",
            "project_number",
            "project_title",
            "year",
            "self_evaluation",
            "state",
            "parts",
            "decision_score",
            "process_score",
            "output_score",
            "outcome_score",
            "conclusion",
            "total",
            "grade",
            "profile_version",
            "office_signatory",
            "evaluated_on",
            "proposed_at",
            "finance_signatory",
            "confirmed_on",
            "confirmed_at",
            "return_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(PartSerializer(many=True))
    def get_parts(self, obj) -> list:
        return [
            {"part": code, "weight": weight, "score": score, "opinion": opinion}
            for code, score, opinion, weight in obj.part_rows()
        ]


class ComprehensiveCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="A project in acceptance whose self-evaluation is accepted.")
    decision_score = serializers.CharField(allow_blank=True, max_length=10, help_text="决策, 0–100.")
    process_score = serializers.CharField(allow_blank=True, max_length=10, help_text="过程, 0–100.")
    output_score = serializers.CharField(allow_blank=True, max_length=10, help_text="产出, 0–100.")
    outcome_score = serializers.CharField(allow_blank=True, max_length=10, help_text="效益, 0–100.")
    decision_opinion = serializers.CharField(allow_blank=True)
    process_opinion = serializers.CharField(allow_blank=True)
    output_opinion = serializers.CharField(allow_blank=True)
    outcome_opinion = serializers.CharField(allow_blank=True)
    conclusion = serializers.CharField(required=False, allow_blank=True, default="")
    signatory = serializers.CharField(allow_blank=True, max_length=50, help_text="The office's signatory.")


class ConfirmSerializer(serializers.Serializer):
    signatory = serializers.CharField(allow_blank=True, max_length=50, help_text="Finance's signatory.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(
        summary="综合绩效评价列表",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("state", str, enum=ComprehensiveState.values),
            OpenApiParameter("project", int),
        ],
    ),
    retrieve=extend_schema(
        summary="综合绩效评价", responses={200: ComprehensiveSerializer, 404: ERRORS[404]}
    ),
)
class ComprehensiveViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ComprehensiveSerializer

    def get_queryset(self):
        qs = _filter(
            visible_comprehensive(self.request.user),
            self.request.query_params,
            state_values=ComprehensiveState.values,
        )
        return qs.select_related("project__fund_year").order_by("-id")

    @extend_schema(
        summary="提出（或退回后重新提出）综合绩效评价",
        request=ComprehensiveCreateSerializer,
        responses={201: ComprehensiveSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(ComprehensiveCreateSerializer)
        project = get_object_or_404(visible_projects(request.user), pk=d["project"])
        ce = services.propose_comprehensive(
            project,
            actor=request.user,
            scores={p: d[f"{p}_score"] for p in COMPREHENSIVE_PARTS},
            opinions={p: d[f"{p}_opinion"] for p in COMPREHENSIVE_PARTS},
            conclusion=d["conclusion"],
            signatory=d["signatory"],
        )
        return self.result(ce, 201)

    @extend_schema(
        summary="财政部门确认综合绩效评价（项目验收完成）",
        request=ConfirmSerializer,
        responses={200: ComprehensiveSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        ce = self.get_object()
        d = self.validated(ConfirmSerializer)
        services.confirm_comprehensive(ce, actor=request.user, signatory=d["signatory"], note=d["note"])
        return self.result(ce)

    @extend_schema(
        summary="财政部门退回综合绩效评价",
        request=ReasonSerializer,
        responses={200: ComprehensiveSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        ce = self.get_object()
        services.return_comprehensive(ce, actor=request.user, reason=self.reason())
        return self.result(ce)


# ---------------------------------------------------------------- grades


class GradeSerializer(serializers.ModelSerializer):
    project_number = PROJECT_FIELDS["project_number"]
    project_title = PROJECT_FIELDS["project_title"]
    year = serializers.IntegerField(source="project.fund_year.year", read_only=True)
    organisation = serializers.CharField(source="project.organisation.name", read_only=True)
    department = serializers.CharField(source="project.department.code", read_only=True)
    department_name = serializers.CharField(source="project.department.name", read_only=True)
    focus_area = serializers.CharField(source="project.focus_area.code", read_only=True)
    focus_area_name = serializers.CharField(source="project.focus_area.name", read_only=True)
    amount = serializers.DecimalField(source="project.amount", **MONEY, read_only=True)
    emergency = serializers.BooleanField(source="project.emergency", read_only=True)
    self_evaluation_total = serializers.DecimalField(source="self_evaluation.total", **SCORE, read_only=True)

    class Meta:
        model = ComprehensiveEvaluation
        fields = [
            "id",
            "project",
            "project_number",
            "project_title",
            "year",
            "organisation",
            "department",
            "department_name",
            "focus_area",
            "focus_area_name",
            "amount",
            "emergency",
            "self_evaluation_total",
            "total",
            "grade",
            "profile_version",
            "confirmed_on",
        ]
        read_only_fields = fields


class GradeCountRowSerializer(serializers.Serializer):
    code = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    n = serializers.IntegerField()
    grades = serializers.DictField(child=serializers.IntegerField(), help_text="Counts by grade code.")
    average = serializers.DecimalField(**SCORE, allow_null=True)
    amount = serializers.DecimalField(**MONEY)


class GradeCountsSerializer(serializers.Serializer):
    rows = GradeCountRowSerializer(many=True)
    total = GradeCountRowSerializer()


class GradeSummarySerializer(serializers.Serializer):
    by_department = GradeCountsSerializer()
    by_focus_area = GradeCountsSerializer()


GRADE_FILTERS = [
    YEAR_FILTER,
    OpenApiParameter("focus_area", str, description="A focus area code."),
    OpenApiParameter("department", str, description="A department code."),
    OpenApiParameter("grade", str, enum=Grade.values),
]


@extend_schema_view(
    list=extend_schema(summary="项目绩效评价结果（已确认）", parameters=GRADE_FILTERS),
    retrieve=extend_schema(summary="项目绩效评价结果", responses={200: GradeSerializer, 404: ERRORS[404]}),
)
class GradeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = GradeSerializer

    def _base(self):
        user = self.request.user
        qs = services.graded(user)
        return qs if sees_grades(user) else qs.none()

    def _filters(self) -> dict:
        p = self.request.query_params
        return {
            "year": int(p["year"]) if p.get("year", "").isdigit() else None,
            "focus_area": p.get("focus_area", "").strip(),
            "department": p.get("department", "").strip(),
            "grade": p.get("grade", ""),
        }

    def get_queryset(self):
        return services.grade_rows(services.filter_grades(self._base(), **self._filters()))

    @extend_schema(
        summary="按主管部门、重点领域汇总评价等级（优/良/中/差的项目数、平均分、金额）",
        parameters=[YEAR_FILTER],
        responses={200: GradeSummarySerializer},
    )
    @action(detail=False, methods=["get"])
    def summary(self, request):
        qs = services.filter_grades(self._base(), year=self._filters()["year"])
        data = {
            "by_department": services.grade_summary(qs, by="department"),
            "by_focus_area": services.grade_summary(qs, by="focus_area"),
        }
        return Response(GradeSummarySerializer(data).data)


# ---------------------------------------------------------------- next year


class NextYearLineSerializer(serializers.ModelSerializer):
    focus_area = serializers.CharField(source="focus_area.code", read_only=True)
    focus_area_name = serializers.CharField(source="focus_area.name", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    actions = serializers.SerializerMethodField(help_text="The suggested action of each group of projects.")

    class Meta:
        model = NextYearLine
        fields = [
            "id",
            "focus_area",
            "focus_area_name",
            "department",
            "department_name",
            "projects",
            "excellent",
            "good",
            "fair",
            "poor",
            "unevaluated",
            "terminated",
            "base_amount",
            "suggested_amount",
            "amount",
            "adjust_reason",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, obj) -> list[str]:
        return line_actions(obj, obj.proposal.actions)


class NextYearSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    lines = NextYearLineSerializer(many=True, read_only=True)
    total = serializers.SerializerMethodField()

    class Meta:
        model = NextYearProposal
        fields = [
            "id",
            "year",
            "target_year",
            "state",
            "note",
            "profile_version",
            "total",
            "lines",
            "proposed_on",
            "submitted_at",
            "framework",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_total(self, obj) -> str:
        return f"{sum((line.amount for line in obj.lines.all()), 0):.2f}"


class NextYearCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="The evaluated fund year.")
    target_year = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Default: year + 1."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LineAdjustSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    amount = AmountField(help_text="The proposed amount in yuan (0 allowed).")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AdjustSerializer(serializers.Serializer):
    lines = LineAdjustSerializer(many=True)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="For the changed lines without their own reason.",
    )


class SubmitSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(
        summary="下一年度框架建议列表",
        parameters=[YEAR_FILTER, OpenApiParameter("state", str, enum=NextYearState.values)],
    ),
    retrieve=extend_schema(summary="下一年度框架建议", responses={200: NextYearSerializer, 404: ERRORS[404]}),
)
class NextYearViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = NextYearSerializer

    def get_queryset(self):
        lines = NextYearLine.objects.select_related("focus_area", "department", "proposal").order_by(
            "focus_area__order", "department__code"
        )
        qs = (
            visible_next_year(self.request.user)
            .select_related("fund_year")
            .prefetch_related(Prefetch("lines", queryset=lines))
        )
        p = self.request.query_params
        if p.get("year", "").isdigit():
            qs = qs.filter(fund_year__year=int(p["year"]))
        if p.get("state") in NextYearState.values:
            qs = qs.filter(state=p["state"])
        return qs.order_by("-id")

    @extend_schema(
        summary="依据评价结果提出下一年度框架建议",
        request=NextYearCreateSerializer,
        responses={201: NextYearSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(NextYearCreateSerializer)
        fy = get_object_or_404(visible_fund_years(request.user), year=d["year"])
        proposal = services.propose_next_year(
            fy, actor=request.user, target_year=d["target_year"], note=d["note"]
        )
        return self.result(proposal, 201)

    @extend_schema(
        summary="调整框架建议金额（须说明理由）",
        request=AdjustSerializer,
        responses={200: NextYearSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        proposal = self.get_object()
        d = self.validated(AdjustSerializer)
        services.adjust_next_year(
            proposal,
            actor=request.user,
            amounts={row["line"]: row["amount"] for row in d["lines"]},
            reasons={row["line"]: row["reason"] for row in d["lines"]},
            reason=d["reason"],
        )
        return self.result(proposal)

    @extend_schema(
        summary="形成下一年度框架配置并报领导小组审定",
        request=SubmitSerializer,
        responses={200: NextYearSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        proposal = self.get_object()
        d = self.validated(SubmitSerializer)
        services.submit_next_year(proposal, actor=request.user, title=d["title"], note=d["note"])
        return self.result(proposal)
