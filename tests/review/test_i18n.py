"""The stage's English: every string of ``techfund.review`` has a translation in
``review/translations/en.po`` (to be merged into the project catalogue), and a page reads in English."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from tests.review.conftest import assignment_of

REVIEW = Path(__file__).resolve().parents[2] / "src" / "techfund" / "review"
PO = REVIEW / "translations" / "en.po"
_ENTRY = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(.*)"$')


def parse_po(text: str) -> dict[str, list[str]]:
    """msgid → its msgstr(s), for entries that are not fuzzy."""
    out, cur, key, fuzzy = {}, {}, None, False
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if not line:
            if cur.get("msgid") and not fuzzy:
                out[cur["msgid"]] = [v for k, v in cur.items() if k.startswith("msgstr")]
            cur, key, fuzzy = {}, None, False
        elif line.startswith("#,"):
            fuzzy = fuzzy or "fuzzy" in line
        elif not line.startswith("#"):
            m = _ENTRY.match(line)
            if m:
                key, cur[m.group(1)] = m.group(1), m.group(2)
            elif line.startswith('"') and key:
                cur[key] += line[1:-1]
    return out


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_every_review_string_has_an_english_translation(tmp_path):
    copy = tmp_path / "review"
    shutil.copytree(REVIEW, copy, ignore=shutil.ignore_patterns("translations", "__pycache__"))
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-location", "-v", "0"],
        cwd=copy,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""},
    )
    extracted = parse_po((copy / "locale/en/LC_MESSAGES/django.po").read_text("utf-8"))
    ours = parse_po(PO.read_text("utf-8"))
    missing = sorted(m for m in extracted if m and not all(s.strip() for s in ours.get(m, [""])))
    assert missing == [], f"{len(missing)} untranslated, e.g. {missing[:5]}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext")
def test_the_task_page_reads_in_english(open_round, app1, expert_a, client, settings, tmp_path):
    mo = tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    mo.parent.mkdir(parents=True)
    subprocess.run(["msgfmt", "--check", "-o", str(mo), str(PO)], check=True)
    settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]
    client.force_login(expert_a.user)
    a = assignment_of(open_round, app1, expert_a)
    with translation.override("en"):
        page = client.get(f"/review/tasks/{a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Weighted score (out of 100)" in page and "Submit scores" in page and "Budget lines" in page
