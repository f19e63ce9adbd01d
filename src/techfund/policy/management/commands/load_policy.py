"""manage.py load_policy rizhao|taian|<path> [--year N]

Loads a shipped preset or a policy file as a new version of the city's profile and makes it the
active profile of its year (running it again with the same content changes nothing). A bad file is
refused as a whole: every error is printed with its line and field, and the command exits non-zero.
The load is recorded as done by the system (the installation bootstrap).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.policy.loader import load_file, load_preset, preset_codes


class Command(BaseCommand):
    help = "载入城市政策配置：预置配置（rizhao、taian）或 YAML 文件。"

    def add_arguments(self, parser):
        codes = "、".join(preset_codes())
        parser.add_argument("source", help=f"预置配置代码（{codes}）或配置文件路径")
        parser.add_argument("--year", type=int, default=None, help="载入到该年度（默认用文件中的年度）")

    def handle(self, *args, source: str, year: int | None, **options):
        try:
            if source in preset_codes():
                profile = load_preset(source, actor=None, year=year)
            elif Path(source).is_file():
                profile = load_file(source, actor=None, year=year)
            else:
                raise CommandError(
                    _("“%(source)s”既不是预置配置（%(codes)s），也不是存在的文件。")
                    % {"source": source, "codes": "、".join(preset_codes())}
                )
        except ServiceError as exc:
            for field, messages in exc.errors.items():
                for message in messages:
                    self.stderr.write(
                        f"{source}: {message}" if field == "file" else f"{source}: {field}: {message}"
                    )
            raise CommandError(str(exc.message), returncode=2) from exc

        counts = {
            "city": profile.city,
            "year": profile.year,
            "version": profile.version,
            "areas": profile.focus_areas.count(),
            "sources": profile.source_types.count(),
            "digest": profile.source_digest[:12],
        }
        if profile.was_created:
            line = _(
                "已载入%(city)s%(year)s年度政策配置第%(version)d版：%(areas)d个重点领域，%(sources)d类资金来源（SHA-256 %(digest)s）。"
            )
        else:
            line = _(
                "未变化：%(city)s%(year)s年度政策配置第%(version)d版已是生效版本（SHA-256 %(digest)s）。"
            )
        self.stdout.write(line % counts)
