"""The database backs the invariants the services keep, so no other code path can break them."""

import pytest
from django.db import IntegrityError, transaction

from techfund.applications.models import Application, Attachment, FormalCheck, Prescreen
from techfund.calls.models import Call
from tests.calls.builders import make_application


def breaks(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_application_invariants(call, applicant, st_officer):
    app = make_application(call, applicant, submit=True)
    qs = Application.objects.filter(pk=app.pk)
    breaks(lambda: qs.update(state="forwarded", batch=None))  # forwarded only in a batch
    breaks(lambda: qs.update(state="returned", return_reason=""))  # returned with a reason
    breaks(lambda: qs.update(state="recommended", submitted_at=None))  # beyond draft: submitted at a time
    breaks(
        lambda: Prescreen.objects.create(application=app, decision="reject", reason="", decided_by=st_officer)
    )
    breaks(
        lambda: FormalCheck.objects.create(application=app, result="failed", reason="", checked_by=st_officer)
    )
    breaks(
        lambda: Attachment.objects.create(
            application=app, name="x.pdf", size=0, sha256="0" * 64, uploaded_by=applicant
        )
    )


def test_call_invariants(call):
    qs = Call.objects.filter(pk=call.pk)
    breaks(lambda: qs.update(closes_at=call.opens_at))
    breaks(lambda: qs.update(ceiling=0))
    breaks(lambda: qs.update(per_org_limit=0))
    breaks(lambda: qs.update(establishment_mode="challenge", challenge_targets=""))
    breaks(lambda: qs.update(published_at=None))
