"""API plumbing shared by every app: service errors become specific 400s, scope misses 404s, and the
shapes every app's schema uses (one ``Error`` component, the amount and reason inputs, the money
output) are defined once here.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from techfund.core.errors import ServiceError

#: Keyword arguments of a ``DecimalField`` holding yuan (as stored: 18 digits, 2 places).
MONEY = {"max_digits": 18, "decimal_places": 2}


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        body = {"detail": str(exc.message), "code": exc.code}
        if exc.errors:
            body["errors"] = {k: [str(m) for m in v] for k, v in exc.errors.items()}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(_("您没有执行该操作的权限。"))
    return drf_exception_handler(exc, context)


# ---------------------------------------------------------------- shared shapes


# The body of every 400 (what ``exception_handler`` writes for a ``ServiceError``). No docstring: it
# would become the component's description in the schema.
class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(
        help_text="A message for people (Chinese by default; Accept-Language: en for English)."
    )
    code = serializers.CharField(help_text="A stable code for programs, e.g. framework_exceeds_pool.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages by field; allocation amounts as allocations.<focus area code>.",
    )


#: The error responses of a write, for ``extend_schema(responses={..., **ERRORS})``.
ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer, description="Refused: bad input or a move the state does not allow. Nothing saved."
    ),
    403: OpenApiResponse(description="The caller sees the object but may not take this action."),
    404: OpenApiResponse(description="Not found, or outside the caller's scope."),
}


#: The ``?year=`` filter of lists of records that belong to a fund year.
YEAR_FILTER = OpenApiParameter("year", int, description="Only this fund year.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_field(OpenApiTypes.STR)
class AmountField(serializers.CharField):
    """A yuan amount as a string ("1000000.00") or a number; the service checks it (> 0, ≤ 2 places)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)


# ---------------------------------------------------------------- viewset plumbing


def filter_by_params(qs, params, *, year=None, ids=(), choices=None):
    """Narrow a list queryset by the usual query parameters; malformed values are ignored.

    - ``year``: the lookup ``?year=2026`` filters on (only when the value is digits);
    - ``ids``: parameters naming a related record, ``?call=3`` → ``call_id=3`` (only digits);
    - ``choices``: ``{field: allowed values}`` for ``?state=…`` and the like; a value outside the
      allowed ones is ignored, and ``None`` allows any non-empty value.
    """
    if year and params.get("year", "").isdigit():
        qs = qs.filter(**{year: int(params["year"])})
    for key in ids:
        if params.get(key, "").isdigit():
            qs = qs.filter(**{f"{key}_id": int(params[key])})
    for field, allowed in (choices or {}).items():
        value = params.get(field)
        if (value in allowed) if allowed is not None else value:
            qs = qs.filter(**{field: value})
    return qs


# For viewsets whose writes call a service: read the request through an input serializer, and answer
# with the changed record read back through the caller's scoped queryset, so the reply is what a GET
# would show. No docstring: drf-spectacular would show it as the description of every operation of
# every viewset using the mixin.
class ServiceViewSetMixin:
    #: The serializer of the record in replies to writes.
    result_serializer_class = None

    def validated(self, serializer_class) -> dict:
        s = serializer_class(data=self.request.data)
        s.is_valid(raise_exception=True)
        return s.validated_data

    def reason(self) -> str:
        return self.validated(ReasonSerializer)["reason"]

    def result_queryset(self):
        return self.get_queryset()

    def result(self, obj, code=200):
        return Response(self.result_serializer_class(self.result_queryset().get(pk=obj.pk)).data, status=code)
