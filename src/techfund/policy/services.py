"""Reading (and, in ``loader.py``, loading) the active policy profile."""

from django.utils import timezone

from techfund.policy.models import PolicyProfile


def active_profile(year: int | None = None) -> PolicyProfile | None:
    """The active profile for ``year`` (default: this year, else the latest active one)."""
    qs = PolicyProfile.objects.filter(is_active=True)
    if year is None:
        year = timezone.localdate().year
    return (
        qs.filter(year=year).first()
        or qs.filter(year__lte=year).order_by("-year").first()
        or qs.order_by("-year").first()
    )
