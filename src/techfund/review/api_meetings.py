"""REST API of meeting review (会议论证) and site visits (现场考核), registered by ``register(router)``
under ``/api/review/``: panels, meetings (schedule, record, cancel), site visits (record with files,
add a file) and their attachments (download).

Scopes as on the web: the fund's readers read everything; an expert their own panels' meetings (the
agenda; after recording the tallies and only their own votes) and the visits they made; a visit's
files only the office, auditors and the visit's experts. Others get 404. The services refuse with
400 ``{detail, code, errors}``.
"""

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from techfund.applications.models import Application
from techfund.core.api import ERRORS, ReasonSerializer, ServiceViewSetMixin, filter_by_params
from techfund.review.enums import AgendaReason, MeetingState, PanelRole, Recommendation
from techfund.review.models import AgendaItem, Meeting, Panel, SiteVisit, SiteVisitAttachment
from techfund.review.scopes import (
    expert_id_of,
    reads_everything,
    visible_meetings,
    visible_panels,
    visible_rounds,
    visible_site_visit_attachments,
    visible_site_visits,
)
from techfund.review.services import meetings, site_visits

# ---------------------------------------------------------------- panels


class PanelMemberSerializer(serializers.Serializer):
    expert = serializers.IntegerField(source="expert_id")
    name = serializers.CharField(source="expert.name")
    role = serializers.ChoiceField(choices=PanelRole.choices)


class PanelSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()
    chair = serializers.SerializerMethodField()

    class Meta:
        model = Panel
        fields = ["id", "round", "name", "chair", "members", "created_at"]
        read_only_fields = fields

    @extend_schema_field(PanelMemberSerializer(many=True))
    def get_members(self, obj):
        seats = sorted(obj.members.all(), key=lambda s: (s.role, s.pk))
        return PanelMemberSerializer(seats, many=True).data

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_chair(self, obj):
        return next((s.expert_id for s in obj.members.all() if s.role == PanelRole.CHAIR), None)


class PanelCreateSerializer(serializers.Serializer):
    round = serializers.IntegerField(help_text="A meeting round.")
    name = serializers.CharField(max_length=200, allow_blank=True)
    members = serializers.ListField(child=serializers.IntegerField(), help_text="Expert ids.")
    chair = serializers.IntegerField(allow_null=True, help_text="An expert id (joins the members).")


class PanelChangeSerializer(serializers.Serializer):
    members = serializers.ListField(child=serializers.IntegerField(), help_text="Expert ids.")
    chair = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="会议论证专家组", parameters=[OpenApiParameter("round", int)]),
    retrieve=extend_schema(summary="专家组", responses={200: PanelSerializer, 404: ERRORS[404]}),
)
class PanelViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = PanelSerializer

    def get_queryset(self):
        qs = visible_panels(self.request.user).prefetch_related("members__expert")
        return filter_by_params(qs, self.request.query_params, ids=["round"]).order_by("round_id", "id")

    @extend_schema(
        summary="组建专家组", request=PanelCreateSerializer, responses={201: PanelSerializer, **ERRORS}
    )
    def create(self, request):
        d = self.validated(PanelCreateSerializer)
        r = get_object_or_404(visible_rounds(request.user), pk=d["round"])
        p = meetings.create_panel(
            r, actor=request.user, name=d["name"], members=d["members"], chair=d["chair"]
        )
        return self.result(p, 201)

    @extend_schema(
        summary="调整专家组成员（须说明理由）",
        request=PanelChangeSerializer,
        responses={200: PanelSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        p = self.get_object()
        d = self.validated(PanelChangeSerializer)
        meetings.change_panel(
            p, actor=request.user, members=d["members"], chair=d["chair"], reason=d["reason"]
        )
        return self.result(p)


# ---------------------------------------------------------------- meetings


class VoteSerializer(serializers.Serializer):
    expert = serializers.IntegerField(source="expert_id")
    expert_name = serializers.CharField(source="expert.name")
    choice = serializers.ChoiceField(choices=Recommendation.choices)
    comment = serializers.CharField()


class AgendaItemSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number", read_only=True)
    application_title = serializers.CharField(source="application.title", read_only=True)
    reason = serializers.ChoiceField(choices=AgendaReason.choices, read_only=True)
    votes = serializers.SerializerMethodField()
    tally = serializers.SerializerMethodField()
    recommendation = serializers.SerializerMethodField()

    class Meta:
        model = AgendaItem
        fields = [
            "application",
            "application_number",
            "application_title",
            "reason",
            "note",
            "recommendation",
            "tally",
            "votes",
        ]
        read_only_fields = fields

    def _choices(self, obj) -> list[str]:
        return [v.choice for v in obj.votes.all()]

    @extend_schema_field(
        VoteSerializer(many=True, help_text="Readers: every vote. An expert: only their own.")
    )
    def get_votes(self, obj):
        user = self.context["request"].user
        votes = list(obj.votes.all())
        if not reads_everything(user):
            mine = expert_id_of(user)
            votes = [v for v in votes if v.expert_id == mine]
        return VoteSerializer(votes, many=True).data

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_tally(self, obj):
        choices = self._choices(obj)
        return {c: choices.count(c) for c in Recommendation.values} if choices else {}

    @extend_schema_field(serializers.ChoiceField(choices=Recommendation.choices, allow_null=True))
    def get_recommendation(self, obj):
        choices = self._choices(obj)
        return meetings.tally(choices)[0] if choices else None


class AttendanceSerializer(serializers.Serializer):
    expert = serializers.IntegerField(source="expert_id")
    expert_name = serializers.CharField(source="expert.name")
    present = serializers.BooleanField()
    note = serializers.CharField()


class MeetingSerializer(serializers.ModelSerializer):
    round = serializers.IntegerField(source="panel.round_id", read_only=True)
    panel_name = serializers.CharField(source="panel.name", read_only=True)
    state = serializers.ChoiceField(choices=MeetingState.choices, read_only=True)
    agenda = AgendaItemSerializer(many=True, read_only=True)
    attendance = AttendanceSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "round",
            "panel",
            "panel_name",
            "held_at",
            "place",
            "state",
            "agenda",
            "attendance",
            "minutes",
            "recorded_at",
        ]
        read_only_fields = fields


class AgendaEntrySerializer(serializers.Serializer):
    application = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class MeetingCreateSerializer(serializers.Serializer):
    panel = serializers.IntegerField()
    held_at = serializers.CharField(max_length=40, allow_blank=True, help_text="e.g. 2026-06-18T09:00+08:00")
    place = serializers.CharField(max_length=300, allow_blank=True)
    applications = AgendaEntrySerializer(
        many=True, required=False, default=list, help_text="Applications the office adds (a note each)."
    )
    include_disputed = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Put the previous round's disputed applications on the agenda.",
    )


class VoteInputSerializer(serializers.Serializer):
    choice = serializers.CharField(
        max_length=40, allow_blank=True, help_text=f"One of {', '.join(Recommendation.values)}."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class MeetingRecordSerializer(serializers.Serializer):
    attendance = serializers.DictField(child=serializers.BooleanField(), help_text="Expert id → present.")
    minutes = serializers.CharField(allow_blank=True)
    votes = serializers.DictField(
        child=serializers.DictField(child=VoteInputSerializer()),
        help_text="Application id → expert id → {choice, comment}: every present member on every item.",
    )


def _meetings(user):
    return (
        visible_meetings(user)
        .select_related("panel")
        .prefetch_related("agenda__application", "agenda__votes__expert", "attendance__expert")
    )


@extend_schema_view(
    list=extend_schema(
        summary="论证会议（专家只见本人所在专家组的会议）",
        parameters=[
            OpenApiParameter("panel", int),
            OpenApiParameter("state", str, enum=MeetingState.values),
        ],
    ),
    retrieve=extend_schema(summary="论证会议", responses={200: MeetingSerializer, 404: ERRORS[404]}),
)
class MeetingViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = MeetingSerializer

    def get_queryset(self):
        qs = filter_by_params(
            _meetings(self.request.user), self.request.query_params, ids=["panel"], choices={"state": None}
        )
        return qs.order_by("held_at", "id")

    def result(self, obj, code=200):
        return Response(
            MeetingSerializer(self.get_queryset().get(pk=obj.pk), context=self.get_serializer_context()).data,
            status=code,
        )

    @extend_schema(
        summary="安排论证会议（议程：上一轮分歧项目 + 办公室选定项目）",
        request=MeetingCreateSerializer,
        responses={201: MeetingSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(MeetingCreateSerializer)
        p = get_object_or_404(visible_panels(request.user), pk=d["panel"])
        m = meetings.schedule_meeting(
            p,
            actor=request.user,
            held_at=d["held_at"],
            place=d["place"],
            applications=[(a["application"], a["note"]) for a in d["applications"]],
            include_disputed=d["include_disputed"],
        )
        return self.result(m, 201)

    @extend_schema(
        summary="录入会议结果（出席、纪要、表决；录入后不能修改）",
        request=MeetingRecordSerializer,
        responses={200: MeetingSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        m = self.get_object()
        d = self.validated(MeetingRecordSerializer)
        votes = {
            app: {expert: (v["choice"], v["comment"]) for expert, v in row.items()}
            for app, row in d["votes"].items()
        }
        meetings.record_meeting(
            m, actor=request.user, attendance=dict(d["attendance"]), minutes=d["minutes"], votes=votes
        )
        return self.result(m)

    @extend_schema(
        summary="取消论证会议（未召开，须说明理由）",
        request=ReasonSerializer,
        responses={204: None, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        meetings.cancel_meeting(self.get_object(), actor=request.user, reason=self.reason())
        return Response(status=204)


# ---------------------------------------------------------------- site visits


class SiteVisitAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = SiteVisitAttachment
        fields = ["id", "visit", "name", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class SiteVisitSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number", read_only=True)
    experts = serializers.SerializerMethodField()
    conclusion = serializers.ChoiceField(choices=Recommendation.choices, read_only=True)
    attachments = SiteVisitAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = SiteVisit
        fields = [
            "id",
            "round",
            "application",
            "application_number",
            "visited_on",
            "place",
            "experts",
            "findings",
            "conclusion",
            "attachments",
            "recorded_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_experts(self, obj):
        return [{"id": e.pk, "name": e.name} for e in sorted(obj.experts.all(), key=lambda e: e.name)]


class SiteVisitCreateSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    application = serializers.IntegerField()
    visited_on = serializers.CharField(max_length=20, allow_blank=True, help_text="YYYY-MM-DD")
    place = serializers.CharField(max_length=300, allow_blank=True)
    experts = serializers.ListField(child=serializers.IntegerField(), help_text="Expert ids (at least 2).")
    findings = serializers.CharField(allow_blank=True)
    conclusion = serializers.CharField(
        max_length=40, allow_blank=True, help_text=f"One of {', '.join(Recommendation.values)}."
    )
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, default=list
    )


class SiteVisitFileSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


@extend_schema_view(
    list=extend_schema(
        summary="现场考核记录（专家只见本人参加的考核）",
        parameters=[OpenApiParameter("round", int), OpenApiParameter("application", int)],
    ),
    retrieve=extend_schema(summary="现场考核记录", responses={200: SiteVisitSerializer, 404: ERRORS[404]}),
)
class SiteVisitViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = SiteVisitSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = (
            visible_site_visits(self.request.user)
            .select_related("application")
            .prefetch_related("experts", "attachments")
        )
        return filter_by_params(qs, self.request.query_params, ids=["round", "application"]).order_by(
            "round_id", "id"
        )

    @extend_schema(
        summary="录入现场考核（可附 PDF/JPG/PNG/DOCX，单个不超过 20 MB）",
        request={
            "multipart/form-data": SiteVisitCreateSerializer,
            "application/json": SiteVisitCreateSerializer,
        },
        responses={201: SiteVisitSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(SiteVisitCreateSerializer)
        r = get_object_or_404(visible_rounds(request.user), pk=d["round"])
        app = get_object_or_404(Application.objects.filter(call_id=r.call_id), pk=d["application"])
        v = site_visits.record_site_visit(
            r,
            app,
            actor=request.user,
            visited_on=d["visited_on"],
            place=d["place"],
            experts=d["experts"],
            findings=d["findings"],
            conclusion=d["conclusion"],
            attachments=d["attachments"],
        )
        return self.result(v, 201)

    @extend_schema(
        summary="补充考核附件",
        request={"multipart/form-data": SiteVisitFileSerializer},
        responses={201: SiteVisitAttachmentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def attachments(self, request, pk=None):
        v = self.get_object()
        d = self.validated(SiteVisitFileSerializer)
        att = site_visits.add_site_visit_attachment(v, actor=request.user, uploaded_file=d["file"])
        return Response(SiteVisitAttachmentSerializer(att).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="现场考核附件（办公室、审计和该考核的专家）", parameters=[OpenApiParameter("visit", int)]
    ),
    retrieve=extend_schema(
        summary="考核附件", responses={200: SiteVisitAttachmentSerializer, 404: ERRORS[404]}
    ),
)
class SiteVisitAttachmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SiteVisitAttachmentSerializer

    def get_queryset(self):
        qs = visible_site_visit_attachments(self.request.user)
        return filter_by_params(qs, self.request.query_params, ids=["visit"]).order_by("visit_id", "id")

    @extend_schema(
        summary="下载考核附件",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        att = self.get_object()
        try:
            handle = att.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(
            handle, as_attachment=True, filename=att.name, content_type=site_visits.content_type(att.name)
        )


def register(router) -> None:
    router.register("review/panels", PanelViewSet, basename="review-panel")
    router.register("review/meetings", MeetingViewSet, basename="review-meeting")
    router.register("review/site-visits", SiteVisitViewSet, basename="review-site-visit")
    router.register(
        "review/site-visit-attachments", SiteVisitAttachmentViewSet, basename="review-site-visit-attachment"
    )
