"""后台任务 pages: a job's progress (polled by htmx to draw the progress bar). Owned by the jobs work.

- ``/jobs/<pk>/``          the job: what it is, who started it, its progress bar, its outcome;
- ``/jobs/<pk>/progress/`` the progress bar alone (htmx polls it every second while the job runs and
  stops when it has ended; ``?then=reload`` makes the page reload itself when the job ends, so a page
  that shows the job's result can include the bar);
- ``/jobs/<pk>/status/``   the same as JSON.

A person sees their own jobs; the office and auditors every job (``core.jobs.visible_jobs``); others 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext

from techfund.core.jobs import visible_jobs
from techfund.core.models import Job, JobState

FINISHED = (JobState.DONE, JobState.FAILED)


def _job(request, pk: int) -> Job:
    return get_object_or_404(visible_jobs(request.user).select_related("created_by"), pk=pk)


def progress_context(job: Job, *, then: str = "", refresh_url: str = "") -> dict:
    """What ``core/jobs/_progress.html`` needs (other pages include the bar with this context).

    ``refresh_url`` is the page a person without JavaScript reloads to see the progress move."""
    return {"job": job, "finished": job.state in FINISHED, "then": then, "refresh_url": refresh_url}


@login_required
def job_detail(request, pk: int):
    job = _job(request, pk)
    return render(request, "core/jobs/detail.html", progress_context(job, refresh_url=request.path))


@login_required
def job_progress(request, pk: int):
    job = _job(request, pk)
    then = "reload" if request.GET.get("then") == "reload" else ""
    if not request.htmx:  # without JavaScript the refresh link lands here: show the whole page
        return render(request, "core/jobs/detail.html", progress_context(job, refresh_url=request.path))
    ctx = progress_context(job, then=then, refresh_url=request.htmx.current_url_abs_path or "")
    response = render(request, "core/jobs/_progress.html", ctx)
    if then == "reload" and ctx["finished"]:
        response["HX-Refresh"] = "true"
    return response


def status_data(job: Job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "label": job.label,
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "finished": job.state in FINISHED,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": gettext(job.message) if job.message else "",
        "error": job.error,
        "target": job.target,
        "result": job.result,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@login_required
def job_status(request, pk: int):
    return JsonResponse(status_data(_job(request, pk)), json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("jobs/<int:pk>/", job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", job_progress, name="job_progress"),
    path("jobs/<int:pk>/status/", job_status, name="job_status"),
]
