"""REST API of the applications (mounted under ``/api/``). Serializers check the shape of what comes
in; the services do everything else (permission, scope, state, validation, audit), so the API and
the web pages refuse the same things with the same messages.

- ``/api/applications/``  the caller's scope; create = start, PATCH = save draft, actions submit,
  withdraw, prescreen, formal-check; ``attachments/`` upload (multipart) and ``attachments/{id}/``
  download or delete
- ``/api/batches/``       forwarded batches; create = forward recommended applications to the office
"""

from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from techfund.applications import checks, services
from techfund.applications.enums import ApplicationState, FormalResult, PrescreenDecision, TeamRole
from techfund.applications.models import (
    Application,
    Attachment,
    Batch,
    FormalCheck,
    Prescreen,
    TeamMember,
)
from techfund.applications.scopes import visible_applications, visible_batches
from techfund.calls.scopes import visible_calls
from techfund.core.api import (
    ERRORS,
    MONEY,
    AmountField,
    ReasonSerializer,
    ServiceViewSetMixin,
    filter_by_params,
)

# ---------------------------------------------------------------- reading


class TeamMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = TeamMember
        fields = ["name", "id_number", "role", "organisation_name", "title"]


class BudgetLineSerializer(serializers.Serializer):
    category = serializers.CharField()
    item = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    equipment_purchase = serializers.BooleanField()
    note = serializers.CharField()


class TargetSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    indicator_type = serializers.CharField()
    unit = serializers.CharField()
    target_value = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    target_text = serializers.CharField()


class MilestoneSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    description = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "name", "kind", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class PrescreenSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username")

    class Meta:
        model = Prescreen
        fields = ["id", "decision", "reason", "decided_by", "decided_at"]
        read_only_fields = fields


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


class FormalCheckSerializer(serializers.ModelSerializer):
    checked_by = serializers.CharField(source="checked_by.username")
    findings = FindingSerializer(many=True)

    class Meta:
        model = FormalCheck
        fields = ["id", "result", "findings", "reason", "checked_by", "checked_at"]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    call_code = serializers.CharField(source="call.code", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    batch_number = serializers.IntegerField(
        source="batch.number", read_only=True, allow_null=True, default=None
    )
    lead = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "call",
            "call_code",
            "organisation",
            "organisation_name",
            "department",
            "department_name",
            "title",
            "state",
            "requested_amount",
            "self_raised",
            "lead",
            "batch_number",
            "submitted_at",
            "return_reason",
        ]
        read_only_fields = fields

    def get_lead(self, obj) -> str:
        leads = getattr(obj, "leads", None)
        if leads is None:
            leads = [m for m in obj.team.all() if m.role == TeamRole.LEAD]
        return leads[0].name if leads else ""


class ApplicationDetailSerializer(ApplicationSerializer):
    team = TeamMemberSerializer(many=True, read_only=True)
    budget_lines = BudgetLineSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    prescreens = PrescreenSerializer(many=True, read_only=True)
    formal_checks = FormalCheckSerializer(many=True, read_only=True)

    class Meta(ApplicationSerializer.Meta):
        fields = [
            *ApplicationSerializer.Meta.fields,
            "abstract",
            "keywords",
            "subject_code",
            "support_mode",
            "basic_research",
            "start_date",
            "end_date",
            "team",
            "budget_lines",
            "targets",
            "milestones",
            "attachments",
            "prescreens",
            "formal_checks",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# ---------------------------------------------------------------- writing


class ApplicationCreateSerializer(serializers.Serializer):
    call = serializers.IntegerField(help_text="The call's id.")
    department = serializers.CharField(max_length=32, help_text="Code of the routing department (职能部门).")
    title = serializers.CharField(max_length=200)
    organisation = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Needed only when the caller represents several.",
    )


@extend_schema_field(OpenApiTypes.OBJECT)
class RowsField(serializers.ListField):
    """A list of rows (objects); the service checks each row and names the field at fault."""

    child = serializers.DictField()


class DraftSerializer(serializers.Serializer):
    """The fields sent replace the stored ones (lists replace every row); the others stay."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    abstract = serializers.CharField(required=False, allow_blank=True)
    keywords = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    subject_code = serializers.CharField(required=False, allow_blank=True)
    requested_amount = AmountField(required=False, allow_blank=True, allow_null=True)
    self_raised = AmountField(required=False, allow_blank=True, allow_null=True)
    support_mode = serializers.CharField(required=False, allow_blank=True)
    basic_research = serializers.BooleanField(required=False)
    start_date = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="YYYY-MM-DD"
    )
    end_date = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="YYYY-MM-DD"
    )
    team = RowsField(
        required=False, help_text="[{name, id_number, role: lead|member, organisation_name, title}]"
    )
    budget_lines = RowsField(
        required=False,
        help_text="[{category: equipment|business|labour|indirect, item, amount, equipment_purchase, note}]",
    )
    targets = RowsField(
        required=False,
        help_text="[{kind: output|outcome, name, indicator_type: higher|lower|zero|qualitative, unit, target_value, target_text}]",
    )
    milestones = RowsField(required=False, help_text="[{due_date, description}]")


class PrescreenRequestSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=PrescreenDecision.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class FormalCheckRequestSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=FormalResult.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Omit to let the findings decide (passed when all pass).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A PDF (checked by its content).")
    kind = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)


class ApplicationFindingsSerializer(serializers.Serializer):
    findings = FindingSerializer(many=True)


STATE_FILTER = OpenApiParameter("state", str, enum=ApplicationState.values)
CALL_FILTER = OpenApiParameter("call", int, description="Only applications to this call.")


def _details(qs):
    return qs.select_related("call", "organisation", "department", "batch").prefetch_related(
        "team",
        "budget_lines",
        "targets",
        "milestones",
        "attachments",
        Prefetch("prescreens", queryset=Prescreen.objects.select_related("decided_by")),
        Prefetch("formal_checks", queryset=FormalCheck.objects.select_related("checked_by")),
    )


@extend_schema_view(
    list=extend_schema(summary="项目申报列表", parameters=[STATE_FILTER, CALL_FILTER]),
    retrieve=extend_schema(
        summary="项目申报详情", responses={200: ApplicationDetailSerializer, 404: ERRORS[404]}
    ),
)
class ApplicationViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    result_serializer_class = ApplicationDetailSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = visible_applications(self.request.user)
        qs = filter_by_params(qs, self.request.query_params, ids=["call"], choices={"state": None})
        if self.action == "list":
            qs = qs.select_related("call", "organisation", "department", "batch").prefetch_related(
                Prefetch("team", queryset=TeamMember.objects.filter(role=TeamRole.LEAD), to_attr="leads")
            )
        return qs.order_by("-created_at", "-id")

    def get_serializer_class(self):
        return ApplicationSerializer if self.action == "list" else ApplicationDetailSerializer

    def result_queryset(self):
        return _details(visible_applications(self.request.user))

    def retrieve(self, request, pk=None):
        return self.result(self.get_object())

    @extend_schema(
        summary="开始申报（草稿）",
        request=ApplicationCreateSerializer,
        responses={201: ApplicationDetailSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(ApplicationCreateSerializer)
        call = get_object_or_404(visible_calls(request.user), pk=d["call"])
        app = services.start_application(
            call,
            actor=request.user,
            department=d["department"],
            title=d["title"],
            organisation=d["organisation"],
        )
        return self.result(app, 201)

    @extend_schema(
        summary="保存草稿（所传字段替换原值）",
        request=DraftSerializer,
        responses={200: ApplicationDetailSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        app = self.get_object()
        services.save_draft(app, actor=request.user, **self.validated(DraftSerializer))
        return self.result(app)

    @extend_schema(
        summary="提交前检查（不提交）", request=None, responses={200: ApplicationFindingsSerializer, **ERRORS}
    )
    @action(detail=True, methods=["get"])
    def findings(self, request, pk=None):
        app = self.get_object()
        rules = (
            checks.SUBMIT_RULES
            if app.state in (ApplicationState.DRAFT, ApplicationState.RETURNED)
            else checks.FORMAL_RULES
        )
        return Response({"findings": [f.as_dict() for f in checks.findings(app, rules=rules)]})

    @extend_schema(summary="提交申报", request=None, responses={200: ApplicationDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self.result(services.submit_application(self.get_object(), actor=request.user))

    @extend_schema(
        summary="撤回申报（须说明理由）",
        request=ReasonSerializer,
        responses={200: ApplicationDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        app = self.get_object()
        return self.result(services.withdraw_application(app, actor=request.user, reason=self.reason()))

    @extend_schema(
        summary="部门初审（推荐、退回修改、不予推荐）",
        request=PrescreenRequestSerializer,
        responses={200: ApplicationDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def prescreen(self, request, pk=None):
        app = self.get_object()
        services.prescreen(app, actor=request.user, **self.validated(PrescreenRequestSerializer))
        return self.result(app)

    @extend_schema(
        summary="形式审查",
        request=FormalCheckRequestSerializer,
        responses={200: ApplicationDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="formal-check", url_name="formal-check")
    def formal_check(self, request, pk=None):
        app = self.get_object()
        services.formal_check(app, actor=request.user, **self.validated(FormalCheckRequestSerializer))
        return self.result(app)

    @extend_schema(
        methods=["GET"],
        summary="附件列表",
        request=None,
        responses={200: AttachmentSerializer(many=True), 404: ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"],
        summary="上传附件（仅PDF，按内容识别）",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        app = self.get_object()
        if request.method == "GET":
            return Response(AttachmentSerializer(app.attachments.all(), many=True).data)
        d = self.validated(AttachmentUploadSerializer)
        att = services.add_attachment(app, actor=request.user, uploaded_file=d["file"], kind=d["kind"])
        return Response(AttachmentSerializer(att).data, status=201)

    @extend_schema(
        methods=["GET"],
        summary="下载附件",
        request=None,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: ERRORS[404]},
    )
    @extend_schema(methods=["DELETE"], summary="删除附件", request=None, responses={204: None, **ERRORS})
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        url_name="attachment",
    )
    def attachment(self, request, pk=None, attachment_id=None):
        app = self.get_object()
        att = get_object_or_404(app.attachments.all(), pk=attachment_id)
        if request.method == "DELETE":
            services.remove_attachment(att, actor=request.user)
            return Response(status=204)
        try:
            handle = att.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(handle, as_attachment=True, filename=att.name, content_type="application/pdf")


# ---------------------------------------------------------------- batches


class ForwardBatchSerializer(serializers.ModelSerializer):
    call_code = serializers.CharField(source="call.code", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    forwarded_by = serializers.CharField(source="forwarded_by.username", read_only=True)
    applications = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "call",
            "call_code",
            "department",
            "department_name",
            "number",
            "note",
            "forwarded_by",
            "forwarded_at",
            "applications",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_applications(self, obj) -> list[int]:
        return [a.pk for a in obj.applications.all()]


class ForwardBatchCreateSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    department = serializers.CharField(max_length=32, help_text="Code of the forwarding department.")
    applications = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of recommended applications."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


@extend_schema_view(
    list=extend_schema(summary="报送批次列表", parameters=[CALL_FILTER]),
    retrieve=extend_schema(summary="报送批次", responses={200: ForwardBatchSerializer, 404: ERRORS[404]}),
)
class BatchViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ForwardBatchSerializer

    def get_queryset(self):
        qs = (
            visible_batches(self.request.user)
            .select_related("call", "department", "forwarded_by")
            .prefetch_related(Prefetch("applications", queryset=Application.objects.only("id", "batch_id")))
            .annotate(n=Count("applications"))
        )
        qs = filter_by_params(qs, self.request.query_params, ids=["call"])
        return qs.order_by("call_id", "department_id", "number")

    @extend_schema(
        summary="分批报送（部门将已推荐的申报报送办公室）",
        request=ForwardBatchCreateSerializer,
        responses={
            201: ForwardBatchSerializer,
            403: OpenApiResponse(description="Not an officer of that department."),
            **ERRORS,
        },
    )
    def create(self, request):
        d = self.validated(ForwardBatchCreateSerializer)
        call = get_object_or_404(visible_calls(request.user), pk=d["call"])
        batch = services.forward_batch(
            call,
            actor=request.user,
            department=d["department"],
            applications=d["applications"],
            note=d["note"],
        )
        return self.result(batch, 201)


__all__ = ["ApplicationViewSet", "BatchViewSet"]
