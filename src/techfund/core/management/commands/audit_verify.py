"""Recompute the audit chain and name the first broken link.

    manage.py audit_verify            # "OK: N events verified", exit 0; or the first bad event, exit 1
    manage.py audit_verify --quiet    # nothing on success (for cron); a failure is still reported

Reads only; it records nothing (so it can run against a replica or a restored backup).
"""

from django.core.management.base import BaseCommand, CommandError

from techfund.core.services import audit


class Command(BaseCommand):
    help = "Verify the hash-chained audit trail; exit 1 and name the first bad event if it was tampered with."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="print nothing when the chain is intact")
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="events read per query (default 5000)"
        )

    def handle(self, *args, quiet=False, batch_size=5000, **options):
        result = audit.verify(batch_size=max(1, batch_size))
        if result.ok:
            if not quiet:
                self.stdout.write(self.style.SUCCESS(f"OK: {result.checked} events verified"))
            return
        event_id = result.first_bad_id if result.first_bad_id is not None else "-"
        raise CommandError(
            f"FAILED: first bad event seq {result.first_bad_seq} (id {event_id}): {result.problem}",
            returncode=1,
        )
