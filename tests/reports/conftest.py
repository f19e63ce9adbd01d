"""Fixtures for the periodic scheduling report (定期调度): the projects fixtures' funded Rizhao year
(sources 150,000,000 + 60,000,000 + 40,000,000; framework 10,000,000 to 重大科技创新专项 and
5,000,000 to 重点研发), project A (4,000,000, 科技局, signed 2026-10-20, first tranche 2,400,000 paid
2026-10-28), project B (3,000,000, 工信局, arranged) and the emergency fixtures (``approved_req``: a
2,000,000 一事一议 project of 海洋发展局 in 重大科技创新专项)."""

import contextlib
import datetime as dt
import re
import zlib

import pytest

from techfund.core.models import AuditEvent
from techfund.reports.models import ReportRun
from tests.emergency.conftest import *  # noqa: F403

Q4_START, Q4_END = dt.date(2026, 10, 1), dt.date(2026, 12, 31)
#: A day inside the fourth quarter, after the fixtures' payment.
TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def dataset(paid, project, project_b, approved_req):
    """A (running, paid), B (arranged) and the emergency project (arranged), in that numbering."""
    project.refresh_from_db()
    project_b.refresh_from_db()
    return project, project_b, approved_req.project


def runs_and_events() -> tuple:
    return (
        ReportRun.objects.count(),
        AuditEvent.objects.filter(action__startswith="reports.").count(),
    )


@contextlib.contextmanager
def nothing_recorded():
    before = runs_and_events()
    yield
    assert runs_and_events() == before


def pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (object streams hold the page and font objects)."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompress(m.group(1)))
    return b"\n".join(out)
