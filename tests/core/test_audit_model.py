"""The audit trail refuses change through the ORM (the model) — see test_audit_tamper for raw SQL."""

import pytest

from techfund.core.models import AuditEvent
from techfund.core.models.audit import AppendOnlyError


@pytest.fixture
def event(db, office):
    return AuditEvent.objects.order_by("seq").last()


def test_save_of_an_existing_event_is_refused(event):
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    event.refresh_from_db()
    assert event.reason == ""


def test_delete_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()
