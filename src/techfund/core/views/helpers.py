from django.core.paginator import Paginator
from django.db.models import QuerySet

PAGE_SIZE = 50


def paginate(request, qs: QuerySet, per_page: int = PAGE_SIZE):
    """The requested page (a bad or too-large page number gives the nearest page, never an error)."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))
