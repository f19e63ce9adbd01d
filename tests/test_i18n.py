"""Chinese is the source language; the English catalogue must be complete and compiled.

The check extracts every translatable string from the code and templates the way `make messages`
does (Django's makemessages, on a copy of the package), then requires each one to have a non-empty,
non-fuzzy English translation in `src/techfund/locale/en/LC_MESSAGES/django.po`, and the committed
`.mo` to match the `.po`.
"""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "techfund"
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

_ENTRY = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(.*)"$')


def parse_po(text: str) -> list[dict]:
    """A small .po reader: entries with msgctxt/msgid/msgstr (continued lines joined) and flags."""
    entries, cur, key, flags = [], {}, None, set()
    for raw in text.splitlines() + [""]:
        line = raw.strip()
        if not line:
            if cur:
                cur["flags"] = flags
                entries.append(cur)
            cur, key, flags = {}, None, set()
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        m = _ENTRY.match(line)
        if m:
            key = m.group(1)
            cur[key] = _unescape(m.group(2))
        elif line.startswith('"') and key:
            cur[key] += _unescape(line[1:-1])
    return [e for e in entries if e.get("msgid")]


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(s: str) -> str:
    """The C escapes a .po string may hold (the text itself is UTF-8, already decoded)."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), s)


def _translated(e: dict) -> bool:
    strs = [v for k, v in e.items() if k.startswith("msgstr")]
    return bool(strs) and all(s.strip() for s in strs) and "fuzzy" not in e["flags"]


def test_catalogue_entries_are_all_translated():
    entries = parse_po(PO.read_text(encoding="utf-8"))
    assert len(entries) > 100
    missing = [e["msgid"] for e in entries if not _translated(e)]
    assert missing == [], f"{len(missing)} untranslated, e.g. {missing[:10]}"


def test_compiled_catalogue_matches_the_po():
    entries = parse_po(PO.read_text(encoding="utf-8"))
    with MO.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    wrong = []
    for e in entries:
        if "msgid_plural" in e:
            continue
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if mo._catalog.get(key) != e.get("msgstr"):
            wrong.append(e["msgid"])
    assert wrong == [], f"the .mo is stale ({len(wrong)} differ): run `make messages`; e.g. {wrong[:5]}"


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    assert shutil.which("xgettext"), "GNU gettext is needed (Debian package gettext; `make install` adds it)"
    copy = tmp_path / "techfund"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "vendor"))
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-location", "-v", "0"],
        cwd=copy,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""},
    )
    extracted = {e["msgid"] for e in parse_po((copy / "locale/en/LC_MESSAGES/django.po").read_text("utf-8"))}
    ours = {e["msgid"]: e for e in parse_po(PO.read_text(encoding="utf-8"))}
    missing = sorted(m for m in extracted if m not in ours or not _translated(ours[m]))
    assert missing == [], (
        f"{len(missing)} strings lack an English translation (run `make messages`), e.g. {missing[:10]}"
    )


def test_english_is_served_when_asked(client, db):
    """`Accept-Language: en` gets the login page in English: the html element says so, and the
    heading is the catalogue's English for 用户登录 rather than the Chinese (which zh-hans still gets)."""
    english = {e["msgid"]: e for e in parse_po(PO.read_text(encoding="utf-8"))}["用户登录"]["msgstr"]
    assert english.strip() and english != "用户登录"

    resp = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert re.search(r'<html[^>]*\blang="en"', body)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    assert heading and heading.group(1).strip() == english
    assert "用户登录" not in body

    resp = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = resp.content.decode()
    assert re.search(r'<html[^>]*\blang="zh-CN"', body)
    assert "用户登录" in body and english not in body
