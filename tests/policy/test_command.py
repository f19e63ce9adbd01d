"""manage.py load_policy."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from techfund.policy.models import PolicyProfile
from tests.policy.helpers import counts, mutate, preset_text

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_policy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_loads_a_preset_then_changes_nothing():
    out, _ = run("rizhao")
    assert out.strip().startswith("已载入日照市2026年度政策配置第1版：6个重点领域，10类资金来源")
    assert out.count("\n") == 1
    out, _ = run("rizhao")
    assert out.startswith("未变化：日照市2026年度政策配置第1版已是生效版本")
    assert PolicyProfile.objects.count() == 1


def test_loads_a_file_for_another_year(tmp_path):
    path = tmp_path / "taian.yaml"
    path.write_text(preset_text("taian"), encoding="utf-8")
    out, _ = run(str(path), "--year", "2027")
    assert "泰安市2027年度政策配置第1版" in out
    profile = PolicyProfile.objects.get()
    assert (profile.year, profile.source_name, profile.loaded_by) == (2027, "taian.yaml", None)


def test_bad_file_prints_every_error_and_fails(tmp_path):
    text, line_year = mutate(preset_text(), "year: 2026", "year: '2026'")
    text, line_code = mutate(text, "  - code: agri_tech", "  - code: talent")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("load_policy", str(path), stdout=io.StringIO(), stderr=err)
    assert exc.value.returncode == 2
    assert "有2处错误" in str(exc.value)
    lines = err.getvalue().splitlines()
    assert lines == [
        f"{path}: 第{line_year}行 year：应为整数，实际是文本“2026”。",
        f"{path}: 第{line_code}行 source_types[5].code：“talent”重复（已在第{line_code - 18}行使用）。",
    ]
    assert counts() == before


def test_unknown_source():
    with pytest.raises(CommandError, match="既不是预置配置"):
        run("hangzhou")


def test_exit_status_of_the_real_command(tmp_path):
    """The process exits non-zero and writes the errors to stderr (a bad file never opens the database)."""
    path = tmp_path / "bad.yaml"
    path.write_text(mutate(preset_text(), "    level: central", "    level: national")[0], encoding="utf-8")
    env = {**os.environ, "TECHFUND_VAR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "load_policy", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert "source_types[9].level：“national”不是可选值" in done.stderr
    assert done.stdout == ""
