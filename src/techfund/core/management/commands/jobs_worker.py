"""Run background jobs from Redis (with ``TECHFUND_JOBS=rq``).

    manage.py jobs_worker              # an RQ worker on the "techfund" queue, until stopped
    manage.py jobs_worker --burst      # run what is queued, then exit (cron, tests)

Redis is ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``). Equivalent without manage.py:
``PYTHONPATH=src DJANGO_SETTINGS_MODULE=techfund.settings rq worker techfund``. Each job runs in a
forked work horse, so the worker's own database connections are closed before it takes jobs.
"""

from django.core.management.base import BaseCommand
from django.db import connections

from techfund.core import jobs


class Command(BaseCommand):
    help = "Run an RQ worker for techfund's background jobs (queue 'techfund' on REDIS_URL)."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="run the queued jobs, then exit")
        parser.add_argument(
            "--simple", action="store_true", help="run jobs in this process instead of a forked one"
        )

    def handle(self, *args, burst=False, simple=False, **options):
        from rq import SimpleWorker, Worker

        queue = jobs.get_queue()
        connections.close_all()  # a forked work horse must not share this process's connections
        worker_class = SimpleWorker if simple else Worker
        worker = worker_class([queue], connection=queue.connection)
        self.stdout.write(f"techfund jobs worker on {jobs.redis_url()} queue {queue.name!r}")
        worker.work(burst=burst, with_scheduler=False)
