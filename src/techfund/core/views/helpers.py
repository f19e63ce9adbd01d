from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet

from techfund.core.errors import ServiceError
from techfund.core.permissions import can

PAGE_SIZE = 50


def paginate(request, qs: QuerySet, per_page: int = PAGE_SIZE):
    """The requested page (a bad or too-large page number gives the nearest page, never an error)."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def require_can(user, perm: str, obj=None) -> None:
    """403 unless ``user`` may take the action ``perm`` (on ``obj``)."""
    if not can(user, perm, obj):
        raise PermissionDenied(perm)


def run_service(request, fn, *args, success: str, **kwargs) -> bool:
    """Run the service ``fn(*args, actor=request.user, **kwargs)`` for a one-button form: a refusal
    (``ServiceError``) becomes an error message, success the message ``success``. Returns whether it
    succeeded; the caller redirects either way."""
    try:
        fn(*args, actor=request.user, **kwargs)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True
