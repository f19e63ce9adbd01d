"""REST API of project monitoring (mounted at ``/api/monitoring/``).

Serializers check the shape of what comes in; the services do everything else, so the API and the
web pages refuse the same things with the same messages. Querysets are filtered by scope (404 outside
it); an action the caller may not take answers 403; a service refusal answers 400 ``{detail, code, errors}``.
Dates are judged against today (the server's date in the site's time zone).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from techfund.core.api import ERRORS, AmountField, ServiceViewSetMixin, filter_by_params
from techfund.core.permissions import require
from techfund.monitoring import schedule, services
from techfund.monitoring.enums import (
    EscalationState,
    PeriodStatus,
    RectificationState,
    ReportState,
    ReviewDecision,
    SuggestedAction,
    VerifyDecision,
)
from techfund.monitoring.models import Escalation, ProgressReport, Rectification
from techfund.monitoring.scopes import (
    visible_escalations,
    visible_rectifications,
    visible_reports,
)
from techfund.projects.scopes import visible_projects

PROJECT_FILTER = OpenApiParameter("project", int, description="Only this project's records.")

# ---------------------------------------------------------------- progress reports


class ReportSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    late = serializers.BooleanField(read_only=True, help_text="Submitted after its due date.")
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "project",
            "project_number",
            "project_title",
            "period",
            "period_start",
            "period_end",
            "due_date",
            "progress",
            "milestones",
            "funds_spent",
            "paid_to_date",
            "problems",
            "state",
            "late",
            "submitted_by",
            "submitted_on",
            "submitted_at",
            "reviewed_by",
            "reviewed_on",
            "reviewed_at",
            "review_opinion",
        ]
        read_only_fields = fields


class ReportSubmitSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="The project's id (in progress or suspended).")
    period = serializers.IntegerField(help_text="The period number from the project's schedule (1, 2, …).")
    progress = serializers.CharField(allow_blank=True, help_text="What was done in the period.")
    milestones = serializers.CharField(allow_blank=True, help_text="Status of the contract's milestones.")
    funds_spent = AmountField(help_text="Fiscal money used to date, yuan; ≥ 0 and ≤ what was paid to date.")
    problems = serializers.CharField(required=False, allow_blank=True, default="")


class RectificationInputSerializer(serializers.Serializer):
    issue = serializers.CharField(allow_blank=True)
    requirement = serializers.CharField(allow_blank=True)
    deadline = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="YYYY-MM-DD; default today + the policy's rectification_days, at most max_rectification_days.",
    )


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    opinion = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when returning the report."
    )
    rectification = RectificationInputSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text="Issue a rectification order in the same step.",
    )


REPORT_RELATED = ("project", "submitted_by", "reviewed_by")


@extend_schema_view(
    list=extend_schema(
        summary="进展报告列表",
        parameters=[PROJECT_FILTER, OpenApiParameter("state", str, enum=ReportState.values)],
    ),
    retrieve=extend_schema(summary="进展报告", responses={200: ReportSerializer, 404: ERRORS[404]}),
)
class ReportViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ReportSerializer

    def get_queryset(self):
        qs = visible_reports(self.request.user).select_related(*REPORT_RELATED)
        qs = filter_by_params(
            qs, self.request.query_params, ids=["project"], choices={"state": ReportState.values}
        )
        return qs.order_by("project__number", "period", "submitted_at", "id")

    @extend_schema(
        summary="承担单位报送进展报告",
        request=ReportSubmitSerializer,
        responses={201: ReportSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(ReportSubmitSerializer)
        project = get_object_or_404(visible_projects(request.user), pk=d["project"])
        report = services.submit_progress_report(
            project,
            actor=request.user,
            period=d["period"],
            progress=d["progress"],
            milestones=d["milestones"],
            funds_spent=d["funds_spent"],
            problems=d["problems"],
        )
        return self.result(report, 201)

    @extend_schema(
        summary="审核进展报告（通过 / 退回，可同时下达整改通知）",
        request=ReviewSerializer,
        responses={200: ReportSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        report = self.get_object()
        require(request.user, "monitoring.review_report", report)
        d = self.validated(ReviewSerializer)
        rect = d["rectification"]
        services.review_progress_report(
            report,
            actor=request.user,
            decision=d["decision"],
            opinion=d["opinion"],
            rectification=dict(rect) if rect is not None else None,
        )
        return self.result(report)


# ---------------------------------------------------------------- rectifications


class RectificationSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    project_number = serializers.CharField(source="project.number", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="Past its deadline with no response from the unit.")
    issued_by = serializers.CharField(source="issued_by.username", read_only=True)
    responded_by = serializers.CharField(source="responded_by.username", read_only=True, allow_null=True)
    verified_by = serializers.CharField(source="verified_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "number",
            "project",
            "project_number",
            "project_title",
            "seq",
            "report",
            "issue",
            "requirement",
            "deadline",
            "state",
            "round",
            "overdue",
            "issued_by",
            "issued_on",
            "issued_at",
            "response",
            "responded_by",
            "responded_on",
            "responded_at",
            "verified_by",
            "verified_on",
            "verified_at",
            "verification_opinion",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return obj.overdue_on(schedule.current_date())


class RectificationCreateSerializer(RectificationInputSerializer):
    project = serializers.IntegerField(help_text="The project's id (in progress or suspended).")
    report = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The progress report it concerns, if any."
    )


class RespondSerializer(serializers.Serializer):
    response = serializers.CharField(allow_blank=True, help_text="What the unit has done.")


class VerifySerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=VerifyDecision.choices)
    opinion = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when rejecting the response."
    )
    deadline = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="On reject: the new deadline (YYYY-MM-DD); default today + rectification_days.",
    )


RECT_RELATED = ("project", "issued_by", "responded_by", "verified_by")


@extend_schema_view(
    list=extend_schema(
        summary="整改通知列表",
        parameters=[PROJECT_FILTER, OpenApiParameter("state", str, enum=RectificationState.values)],
    ),
    retrieve=extend_schema(summary="整改通知", responses={200: RectificationSerializer, 404: ERRORS[404]}),
)
class RectificationViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = RectificationSerializer

    def get_queryset(self):
        qs = visible_rectifications(self.request.user).select_related(*RECT_RELATED)
        qs = filter_by_params(
            qs, self.request.query_params, ids=["project"], choices={"state": RectificationState.values}
        )
        return qs.order_by("project__number", "seq")

    @extend_schema(
        summary="下达整改通知",
        request=RectificationCreateSerializer,
        responses={201: RectificationSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(RectificationCreateSerializer)
        project = get_object_or_404(visible_projects(request.user), pk=d["project"])
        rect = services.issue_rectification(
            project,
            actor=request.user,
            issue=d["issue"],
            requirement=d["requirement"],
            deadline=d["deadline"] or None,
            report=d["report"],
        )
        return self.result(rect, 201)

    @extend_schema(
        summary="承担单位报送整改情况",
        request=RespondSerializer,
        responses={200: RectificationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        rect = self.get_object()
        require(request.user, "monitoring.respond_rectification", rect)
        d = self.validated(RespondSerializer)
        services.respond_rectification(rect, actor=request.user, response=d["response"])
        return self.result(rect)

    @extend_schema(
        summary="核验整改（销号 / 重新整改）",
        request=VerifySerializer,
        responses={200: RectificationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        rect = self.get_object()
        require(request.user, "monitoring.verify_rectification", rect)
        d = self.validated(VerifySerializer)
        services.verify_rectification(
            rect,
            actor=request.user,
            decision=d["decision"],
            opinion=d["opinion"],
            deadline=d["deadline"] or None,
        )
        return self.result(rect)


# ---------------------------------------------------------------- escalations


class EscalationSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    raised_by = serializers.CharField(source="raised_by.username", read_only=True)
    handled_by = serializers.CharField(source="handled_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "project",
            "project_number",
            "project_title",
            "report",
            "rectification",
            "summary",
            "suggested_action",
            "state",
            "raised_by",
            "raised_on",
            "raised_at",
            "decided_action",
            "decision",
            "handled_by",
            "handled_on",
            "handled_at",
        ]
        read_only_fields = fields


class EscalationCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="The project's id (in progress or suspended).")
    summary = serializers.CharField(allow_blank=True)
    suggested_action = serializers.ChoiceField(choices=SuggestedAction.choices)
    report = serializers.IntegerField(required=False, allow_null=True, default=None)
    rectification = serializers.IntegerField(required=False, allow_null=True, default=None)


class HandleSerializer(serializers.Serializer):
    decision = serializers.CharField(allow_blank=True, help_text="The office's decision.")
    action = serializers.ChoiceField(
        choices=SuggestedAction.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="The action decided; default the one suggested. Sanctions are then taken in that stage.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="重大问题报告列表",
        parameters=[PROJECT_FILTER, OpenApiParameter("state", str, enum=EscalationState.values)],
    ),
    retrieve=extend_schema(summary="重大问题报告", responses={200: EscalationSerializer, 404: ERRORS[404]}),
)
class EscalationViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = EscalationSerializer

    def get_queryset(self):
        qs = visible_escalations(self.request.user).select_related("project", "raised_by", "handled_by")
        qs = filter_by_params(
            qs, self.request.query_params, ids=["project"], choices={"state": EscalationState.values}
        )
        return qs.order_by("raised_at", "id")

    @extend_schema(
        summary="主管部门向办公室报告重大问题",
        request=EscalationCreateSerializer,
        responses={201: EscalationSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(EscalationCreateSerializer)
        project = get_object_or_404(visible_projects(request.user), pk=d["project"])
        esc = services.escalate(
            project,
            actor=request.user,
            summary=d["summary"],
            suggested_action=d["suggested_action"],
            report=d["report"],
            rectification=d["rectification"],
        )
        return self.result(esc, 201)

    @extend_schema(
        summary="办公室处理重大问题",
        request=HandleSerializer,
        responses={200: EscalationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        esc = self.get_object()
        require(request.user, "monitoring.handle_escalation", esc)
        d = self.validated(HandleSerializer)
        services.handle_escalation(esc, actor=request.user, decision=d["decision"], action=d["action"])
        return self.result(esc)


# ---------------------------------------------------------------- schedules and the overdue list


class PeriodSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    due = serializers.DateField()
    status = serializers.ChoiceField(choices=PeriodStatus.choices)
    days_overdue = serializers.IntegerField()
    report = serializers.SerializerMethodField(help_text="The report that counts for the period, if any.")
    returned = serializers.SerializerMethodField(help_text="Ids of reports returned for the period.")

    def get_report(self, obj) -> int | None:
        return obj.report.pk if obj.report else None

    def get_returned(self, obj) -> list[int]:
        return [r.pk for r in obj.returned]


class ScheduleSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    project_number = serializers.CharField(source="project.number")
    project_title = serializers.CharField(source="project.title")
    periods = PeriodSerializer(many=True)


class OverdueReportSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    project_number = serializers.CharField(source="project.number")
    project_title = serializers.CharField(source="project.title")
    organisation = serializers.CharField(source="project.organisation.name")
    department = serializers.CharField(source="project.department.name")
    period = PeriodSerializer()


class OverdueSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="The day the list is taken for (today).")
    reports = OverdueReportSerializer(many=True)
    rectifications = RectificationSerializer(many=True)


class Schedule:
    def __init__(self, project, periods):
        self.project, self.periods = project, periods


@extend_schema_view(
    list=extend_schema(summary="在监管项目的进展报告计划", responses={200: ScheduleSerializer(many=True)}),
    retrieve=extend_schema(
        summary="项目的进展报告计划（各期状态）", responses={200: ScheduleSerializer, 404: ERRORS[404]}
    ),
)
class ScheduleViewSet(viewsets.GenericViewSet):
    """Reporting schedules: the list covers the projects in progress (or suspended) in the caller's
    scope; a project that does not report has an empty schedule."""

    serializer_class = ScheduleSerializer
    pagination_class = None

    def get_queryset(self):
        return (
            visible_projects(self.request.user)
            .select_related("contract", "fund_year__profile")
            .prefetch_related("progress_reports")
        )

    def list(self, request):
        day = schedule.current_date()
        projects = schedule.monitored_projects(request.user)
        rows = [Schedule(p, schedule.report_schedule(p, today=day)) for p in projects]
        return Response(ScheduleSerializer(rows, many=True).data)

    def retrieve(self, request, pk=None):
        project = self.get_object()
        periods = schedule.report_schedule(project, today=schedule.current_date())
        return Response(ScheduleSerializer(Schedule(project, periods)).data)


class OverdueView(APIView):
    @extend_schema(
        summary="逾期清单：逾期未报进展报告与逾期未整改（调用者可见范围内）",
        responses={200: OverdueSerializer},
    )
    def get(self, request):
        data = schedule.overdue(request.user)
        return Response(OverdueSerializer(data).data)


__all__ = ["EscalationViewSet", "OverdueView", "RectificationViewSet", "ReportViewSet", "ScheduleViewSet"]
