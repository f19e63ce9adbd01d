"""Rebuild the project library's search index from the applications (safe to run at any time)."""

import time

from django.core.management.base import BaseCommand, CommandError

from techfund.library.search import reindex_all


class Command(BaseCommand):
    help = "重建项目库全文检索索引（jieba 分词；PostgreSQL 上同时更新 tsvector）。"

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="每批处理的申报数（默认 500）")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size 必须为正整数。")
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            pct = 100 * done // total if total else 100
            self.stdout.write(f"已索引 {done}/{total}（{pct}%）")

        count = reindex_all(batch_size=batch_size, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"项目库索引重建完成：{count} 条，用时 {elapsed:.1f} 秒。"))
