"""后台任务: run heavy work (an assignment plan, a large export) outside the request, with progress.

    job = jobs.start("review.plan", _("计算专家分配方案"), "techfund.review.services.plans.compute_plan",
                     actor=request.user, params={"plan_id": plan.pk}, target="review.assignmentplan:12")

creates a :class:`~techfund.core.models.Job` (queued) and, once the surrounding transaction commits,
runs ``compute_plan(job.pk, plan_id=12)``. The function reports how far it got with
``jobs.report(job_id, done, total, message)``; what it returns (a dict) is kept as the job's result;
an exception fails the job with a readable message (the traceback goes to the log).

How a job runs — the ``TECHFUND_JOBS`` setting (environment variable of the same name):

- ``thread`` (default): a daemon thread of the web process, started after the commit. Simple, nothing
  else to run; a job in flight is lost if the process stops (it stays "queued"/"running").
- ``rq``: enqueued on the Redis queue ``techfund`` (``REDIS_URL``, default
  ``redis://127.0.0.1:6379/0``) and run by a worker: ``python manage.py jobs_worker`` (an RQ worker
  with Django set up), or ``PYTHONPATH=src DJANGO_SETTINGS_MODULE=techfund.settings rq worker
  techfund`` (this module sets Django up itself when the worker runs a job).
- ``eager``: in this process, right after the commit (at once when there is no transaction). Tests.

Progress and transactions. A job function must not hold one long transaction around its work: it
reads in autocommit, calls ``report()`` (a single UPDATE, committed at once, so the page polling the
job sees it), and writes its results at the end in one short ``transaction.atomic()``. When a job
runs inside an outer transaction (eager, in tests) it runs in a savepoint, so a failure still leaves
the job marked failed.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import threading

logger = logging.getLogger(__name__)

BACKENDS = ("thread", "rq", "eager")
QUEUE = "techfund"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

#: Threads of the ``thread`` backend by job id (so a test or a command can wait for one).
_threads: dict[int, threading.Thread] = {}
#: The last progress reported by each job running in this process (re-applied if the job fails inside
#: an outer transaction, whose savepoint rollback would otherwise take the progress with it).
_last_report: dict[int, tuple[int, int, str]] = {}


def _ensure_django() -> None:
    """Set Django up when imported by a bare ``rq worker`` (no-op inside Django)."""
    from django.apps import apps

    if not apps.ready:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "techfund.settings")
        import django

        django.setup()


def backend() -> str:
    from django.conf import settings

    name = getattr(settings, "TECHFUND_JOBS", None) or os.environ.get("TECHFUND_JOBS") or "thread"
    if name not in BACKENDS:
        raise ValueError(f"TECHFUND_JOBS must be one of {BACKENDS}, not {name!r}")
    return name


def redis_url() -> str:
    from django.conf import settings

    return getattr(settings, "REDIS_URL", None) or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def queue_name() -> str:
    from django.conf import settings

    return getattr(settings, "TECHFUND_JOBS_QUEUE", None) or QUEUE


def timeout() -> int:
    """How long an RQ worker lets one job run (seconds; ``TECHFUND_JOBS_TIMEOUT``, default 4 h)."""
    from django.conf import settings

    return int(
        getattr(settings, "TECHFUND_JOBS_TIMEOUT", None) or os.environ.get("TECHFUND_JOBS_TIMEOUT", 14400)
    )


def resolve(path: str):
    """The function named by a dotted path (``package.module.function``)."""
    module, _, name = path.rpartition(".")
    if not module:
        raise ValueError(f"not a dotted path: {path!r}")
    fn = getattr(importlib.import_module(module), name, None)
    if not callable(fn):
        raise ValueError(f"{path!r} is not a function")
    return fn


def get_queue():
    from redis import Redis
    from rq import Queue

    return Queue(queue_name(), connection=Redis.from_url(redis_url()))


# ---------------------------------------------------------------- starting


def start(kind: str, label: str, func: str, *, actor, params: dict, target: str = "", on_failure: str = ""):
    """Create a job (queued) and run ``func(job.pk, **params)`` by the configured backend once the
    current transaction commits. ``params`` must be JSON (it is stored with the job).

    ``on_failure`` (a dotted path) is called as ``on_failure(job.pk, error, **params)`` after a failure
    has been recorded, outside the failed work's transaction (e.g. to mark the record the job was
    computing as failed too)."""
    from django.db import transaction

    from techfund.core.models import Job

    resolve(func)  # a typo fails here, in the request, not later in a worker
    if on_failure:
        resolve(on_failure)
    how = backend()
    job = Job.objects.create(
        kind=kind,
        label=str(label)[:200],
        target=target,
        params={"func": func, "kwargs": dict(params), "backend": how, "on_failure": on_failure},
        created_by=actor,
    )
    transaction.on_commit(lambda: dispatch(job.pk, how))
    return job


def dispatch(job_id: int, how: str | None = None) -> None:
    """Hand a queued job to a backend (called after the commit that created it)."""
    how = how or backend()
    if how == "eager":
        run(job_id)
    elif how == "rq":
        get_queue().enqueue(
            "techfund.core.jobs.run", job_id, job_timeout=timeout(), description=f"techfund job {job_id}"
        )
    else:
        t = threading.Thread(target=_thread_main, args=(job_id,), name=f"techfund-job-{job_id}", daemon=True)
        _threads[job_id] = t
        t.start()


def _thread_main(job_id: int) -> None:
    from django.db import connections

    try:
        run(job_id)
    except Exception:  # pragma: no cover - run() records failures itself; this is the last resort
        logger.exception("job %s crashed", job_id)
    finally:
        connections.close_all()  # this thread's connections; the web process keeps its own


def wait(job_id: int, timeout: float | None = None) -> bool:
    """Wait for a ``thread``-backend job to end; True when it has (or ran elsewhere)."""
    t = _threads.get(job_id)
    if t is None:
        return True
    t.join(timeout)
    if t.is_alive():
        return False
    _threads.pop(job_id, None)
    return True


# ---------------------------------------------------------------- running


def run(job_id: int) -> None:
    """Run a queued job: mark it running, call its function, record the result or the failure."""
    _ensure_django()
    from django.db import connection, transaction
    from django.utils import timezone

    from techfund.core.models import Job, JobState

    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        logger.warning("job %s is not queued (already run, or gone); skipped", job_id)
        return
    job = Job.objects.get(pk=job_id)
    try:
        fn = resolve(job.params["func"])
        # Inside an outer transaction (eager, in tests) a savepoint keeps a failure from poisoning it.
        guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
        with guard:
            result = fn(job_id, **job.params.get("kwargs", {}))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        progress = {}
        if job_id in _last_report:
            progress = dict(zip(("done", "total", "message"), _last_report.pop(job_id), strict=True))
        error = readable_error(exc)[:5000]
        Job.objects.filter(pk=job_id).update(
            state=JobState.FAILED, error=error, finished_at=timezone.now(), **progress
        )
        if job.params.get("on_failure"):
            try:
                resolve(job.params["on_failure"])(job_id, error, **job.params.get("kwargs", {}))
            except Exception:
                logger.exception("job %s: its failure handler failed", job_id)
        return
    _last_report.pop(job_id, None)
    done = Job.objects.filter(pk=job_id).values_list("total", flat=True).first() or 0
    Job.objects.filter(pk=job_id).update(
        state=JobState.DONE,
        done=done,
        result=result if isinstance(result, dict) else {},
        finished_at=timezone.now(),
    )


def readable_error(exc: BaseException) -> str:
    """What a person is told when a job fails: a service's own message, else the kind of error."""
    from django.utils.translation import gettext as _

    from techfund.core.errors import ServiceError

    if isinstance(exc, ServiceError):
        return str(exc.message)
    text = str(exc).strip()
    return _("后台任务出错（%(kind)s）：%(text)s。详细信息已记入系统日志。") % {
        "kind": type(exc).__name__,
        "text": text or "—",
    }


def report(job_id: int, done: int, total: int, message: str = "") -> None:
    """Progress: ``done`` of ``total`` with a message. One UPDATE, committed at once when the caller
    holds no transaction (job functions should not), so a page polling the job sees it."""
    from techfund.core.models import Job

    total = max(0, int(total))
    done = max(0, int(done))
    done = min(done, total) if total else done
    message = str(message)[:300]
    _last_report[job_id] = (done, total, message)
    Job.objects.filter(pk=job_id).update(done=done, total=total, message=message)


# ---------------------------------------------------------------- who sees a job


def visible_jobs(user):
    """The jobs a person may follow: their own; the office and auditors every job."""
    from techfund.core.enums import Role
    from techfund.core.models import Job

    qs = Job.objects.all()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.roles() & {Role.OFFICE, Role.AUDITOR}:
        return qs
    return qs.filter(created_by=user)
