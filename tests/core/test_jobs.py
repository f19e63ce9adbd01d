"""Background jobs: start, progress, result, failure; the thread, eager and RQ backends; the job page,
its progress bar and its JSON; who may see a job."""

import io
import uuid

import pytest
from django.db import connection

from techfund.core import jobs
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.core.models import Job
from tests import factories

# ---------------------------------------------------------------- job functions (dotted paths below)


def _require_redis() -> None:
    """Redis is one of the product's components (the worker queue; `.ci/run` starts it when it is
    down): an unreachable Redis fails these tests rather than skipping them."""
    import redis

    try:
        redis.Redis.from_url(jobs.redis_url(), socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable at {jobs.redis_url()} ({exc}); start it as .ci/run does")


def counting_job(job_id, *, n, fail_at=None):
    """Counts to ``n``, reporting each step; raises at ``fail_at``."""
    for i in range(1, n + 1):
        if i == fail_at:
            raise ValueError(f"第 {i} 步出错")
        jobs.report(job_id, i, n, f"第 {i} 步")
    return {"counted": n, "url": "/somewhere/"}


def refusing_job(job_id):
    raise ServiceError("方案已过时，请重新计算。", code="stale")


def progress_seen_from_outside(job_id):
    """Reports, then checks from another connection that the progress is already visible."""
    from django.db import connections

    jobs.report(job_id, 1, 2, "一半")
    other = connections.create_connection("default")
    try:
        with other.cursor() as cur:
            cur.execute("SELECT done, total, message FROM core_job WHERE id = %s", [job_id])
            seen = cur.fetchone()
    finally:
        other.close()
    return {"seen": list(seen)}


COUNTING = "tests.core.test_jobs.counting_job"


@pytest.fixture
def eager(settings):
    settings.TECHFUND_JOBS = "eager"


def start_and_run(django_capture_on_commit_callbacks, actor, func=COUNTING, **params):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start("test.count", "测试任务", func, actor=actor, params=params, target="x.y:1")
    job.refresh_from_db()
    return job


# ---------------------------------------------------------------- running


def test_an_eager_job_runs_after_the_commit_and_keeps_its_result(
    eager, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = jobs.start("test.count", "测试任务", COUNTING, actor=office, params={"n": 3}, target="x.y:1")
        assert Job.objects.get(pk=job.pk).state == "queued"  # nothing runs before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert job.state == "done" and job.done == 3 and job.total == 3 and job.percent == 100
    assert job.message == "第 3 步" and job.result == {"counted": 3, "url": "/somewhere/"}
    assert job.started_at and job.finished_at and job.error == ""
    assert job.params == {"func": COUNTING, "kwargs": {"n": 3}, "backend": "eager", "on_failure": ""}
    assert job.created_by == office and job.target == "x.y:1"


def test_a_failing_job_is_marked_failed_with_a_readable_error(
    eager, office, django_capture_on_commit_callbacks, caplog
):
    job = start_and_run(django_capture_on_commit_callbacks, office, n=5, fail_at=3)
    assert job.state == "failed" and job.finished_at is not None
    assert job.error == "后台任务出错（ValueError）：第 3 步出错。详细信息已记入系统日志。"
    assert job.done == 2 and job.total == 5 and job.percent == 40  # where it stopped
    assert f"job {job.pk} (test.count) failed" in caplog.text and "Traceback" in caplog.text


def test_a_service_refusal_reads_as_its_own_message(eager, office, django_capture_on_commit_callbacks):
    job = start_and_run(django_capture_on_commit_callbacks, office, func="tests.core.test_jobs.refusing_job")
    assert job.state == "failed" and job.error == "方案已过时，请重新计算。"


def test_an_unknown_function_is_refused_at_start(eager, office):
    with pytest.raises(ValueError):
        jobs.start("test", "x", "tests.core.test_jobs.no_such_job", actor=office, params={})
    assert not Job.objects.exists()


def test_a_job_runs_once(eager, office, django_capture_on_commit_callbacks):
    job = start_and_run(django_capture_on_commit_callbacks, office, n=1)
    finished = job.finished_at
    jobs.run(job.pk)  # a second delivery (a retried queue message) does nothing
    job.refresh_from_db()
    assert job.state == "done" and job.finished_at == finished


def test_report_clamps_and_trims(office):
    job = Job.objects.create(kind="t", label="t", created_by=office)
    jobs.report(job.pk, 12, 10, "长" * 400)
    job.refresh_from_db()
    assert job.done == 10 and job.total == 10 and len(job.message) == 300
    assert job.percent == 99  # only a finished job shows 100 %


def test_the_thread_backend_runs_in_the_background_and_progress_is_seen_meanwhile(committing_db, settings):
    settings.TECHFUND_JOBS = "thread"
    office = factories.user(Role.OFFICE)
    job = jobs.start(
        "test", "线程任务", "tests.core.test_jobs.progress_seen_from_outside", actor=office, params={}
    )  # autocommit: the thread starts at once
    assert jobs.wait(job.pk, timeout=60)
    job.refresh_from_db()
    assert job.state == "done" and job.result == {"seen": [1, 2, "一半"]}
    assert job.params["backend"] == "thread"


def test_the_rq_backend_with_a_real_redis(settings, office, django_capture_on_commit_callbacks):
    from rq import SimpleWorker

    settings.TECHFUND_JOBS = "rq"
    settings.TECHFUND_JOBS_QUEUE = f"techfund-test-{uuid.uuid4().hex[:8]}"  # never a live worker's queue
    _require_redis()
    queue = jobs.get_queue()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job = jobs.start("test.count", "队列任务", COUNTING, actor=office, params={"n": 4})
        assert queue.count == 1 and Job.objects.get(pk=job.pk).state == "queued"
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        job.refresh_from_db()
        assert job.state == "done" and job.done == 4 and job.result["counted"] == 4
        assert queue.count == 0
    finally:
        queue.delete(delete_jobs=True)


def test_the_worker_command_runs_queued_jobs(committing_db, settings):
    from django.core.management import call_command

    settings.TECHFUND_JOBS = "rq"
    settings.TECHFUND_JOBS_QUEUE = f"techfund-test-{uuid.uuid4().hex[:8]}"
    _require_redis()
    office = factories.user(Role.OFFICE)
    job = jobs.start(
        "test.count", "队列任务", COUNTING, actor=office, params={"n": 2}
    )  # autocommit: enqueued
    try:
        call_command("jobs_worker", "--burst", "--simple", stdout=io.StringIO())
        job.refresh_from_db()
        assert job.state == "done" and job.result["counted"] == 2
    finally:
        jobs.get_queue().delete(delete_jobs=True)


def test_the_backend_setting_is_checked(settings):
    settings.TECHFUND_JOBS = "celery"
    with pytest.raises(ValueError):
        jobs.backend()


def test_jobs_run_outside_a_transaction_in_autocommit(eager, office, django_capture_on_commit_callbacks):
    # in tests the eager job runs inside the test's transaction, in a savepoint of its own
    job = start_and_run(django_capture_on_commit_callbacks, office, n=1)
    assert job.state == "done" and connection.in_atomic_block


# ---------------------------------------------------------------- pages


@pytest.fixture
def running_job(office):
    return Job.objects.create(
        kind="test",
        label="计算专家分配方案",
        state="running",
        done=3,
        total=12,
        message="求解中",
        created_by=office,
    )


def test_the_job_page_shows_a_polling_progress_bar(client, office, running_job):
    client.force_login(office)
    r = client.get(f"/jobs/{running_job.pk}/")
    html = r.content.decode()
    assert r.status_code == 200 and "计算专家分配方案" in html and "求解中" in html
    assert f'hx-get="/jobs/{running_job.pk}/progress/"' in html and 'hx-trigger="every 1s"' in html
    assert '<progress max="100" value="25"' in html
    assert f'href="/jobs/{running_job.pk}/"' in html  # the refresh link works without JavaScript


def test_the_progress_partial_stops_polling_when_done(client, office, running_job):
    client.force_login(office)
    url = f"/jobs/{running_job.pk}/progress/"
    r = client.get(url, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.content.decode()
    assert 'hx-trigger="every 1s"' in r.content.decode() and "HX-Refresh" not in r
    Job.objects.filter(pk=running_job.pk).update(
        state="done", finished_at="2026-01-01T00:00:00Z", result={"url": "/x/"}
    )
    r = client.get(url + "?then=reload", headers={"HX-Request": "true"})
    html = r.content.decode()
    assert "hx-trigger" not in html and 'href="/x/"' in html and "100%" in html
    assert r["HX-Refresh"] == "true"  # the page that shows the result reloads itself
    # without htmx the refresh link lands on the whole page
    assert "<html" in client.get(url).content.decode()


def test_the_status_json(client, office, running_job):
    client.force_login(office)
    data = client.get(f"/jobs/{running_job.pk}/status/").json()
    assert data["state"] == "running" and data["state_label"] == "进行中" and data["finished"] is False
    assert (data["done"], data["total"], data["percent"], data["message"]) == (3, 12, 25, "求解中")


@pytest.mark.parametrize("who", ["office", "auditor"])
def test_the_office_and_auditors_see_every_job(who, request, client, running_job):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/jobs/{running_job.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["leader", "expert", "applicant", "officer", "finance"])
def test_others_do_not_see_someone_elses_job(who, request, client, running_job):
    client.force_login(request.getfixturevalue(who))
    for suffix in ("", "progress/", "status/"):
        assert client.get(f"/jobs/{running_job.pk}/{suffix}").status_code == 404


def test_the_creator_sees_their_own_job(client, expert):
    job = Job.objects.create(kind="test", label="导出", created_by=expert)
    client.force_login(expert)
    assert client.get(f"/jobs/{job.pk}/status/").json()["label"] == "导出"


def test_anonymous_is_sent_to_login(client, running_job):
    r = client.get(f"/jobs/{running_job.pk}/status/")
    assert r.status_code == 302 and "/login/" in r["Location"]
