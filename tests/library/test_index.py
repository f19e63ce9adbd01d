"""The index stays fresh whatever saves an application, can be rebuilt, and has its GIN index on
PostgreSQL."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from techfund.applications.enums import TeamRole
from techfund.applications.models import TeamMember
from techfund.library.models import SearchEntry
from techfund.library.search import index_application, reindex_all, search
from tests.library.conftest import file_application


def titles(user, q) -> list[str]:
    return [a.title for a in search(user, q)]


def test_saving_an_application_reindexes_it_after_commit(world, office, django_capture_on_commit_callbacks):
    app = file_application(world, "旧的项目名称")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        app.title = "海洋牧场智能监测系统"
        app.save()
    assert len(callbacks) == 1
    assert titles(office, "海洋牧场") == ["海洋牧场智能监测系统"]
    assert titles(office, "旧的") == []


def test_a_rolled_back_save_indexes_nothing(world, office, django_capture_on_commit_callbacks):
    app = file_application(world, "原来的名称")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                app.title = "回滚的名称"
                app.save()
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert callbacks == []
    assert SearchEntry.objects.get(pk=app.pk).title_tokens.strip().split() == ["原来", "的", "名称"]


def test_many_saves_in_one_transaction_index_once_after_commit(
    world, office, django_capture_on_commit_callbacks
):
    one, two = file_application(world, "项目一"), file_application(world, "项目二")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for app, title in [(one, "海洋甲"), (two, "海洋乙"), (one, "海洋丙")]:
            app.title = title
            app.save()
    assert len(callbacks) == 1
    assert sorted(titles(office, "海洋")) == ["海洋丙", "海洋乙"]


def test_after_a_rollback_the_next_transaction_still_indexes(
    world, office, django_capture_on_commit_callbacks
):
    app = file_application(world, "原来的名称")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                app.title = "回滚的名称"
                app.save()
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
        with transaction.atomic():
            app.title = "海洋牧场"
            app.save()
    assert titles(office, "海洋牧场") == ["海洋牧场"]


def test_team_lead_changes_reindex(world, office, django_capture_on_commit_callbacks):
    app = file_application(world, "海洋项目")
    with django_capture_on_commit_callbacks(execute=True):
        TeamMember.objects.create(
            application=app, name="王海涛", id_number="371100198001010011", role=TeamRole.LEAD
        )
    assert titles(office, "王海涛") == ["海洋项目"]


def test_index_application_is_idempotent_and_takes_an_id(world, office):
    app = file_application(world, "海洋项目")
    index_application(app.pk)
    index_application(app)
    assert SearchEntry.objects.filter(pk=app.pk).count() == 1
    assert index_application(10**9) is None


def test_reindex_all_and_the_command(world, office):
    apps = [file_application(world, f"海洋项目{i}") for i in range(5)]
    SearchEntry.objects.all().delete()
    assert titles(office, "海洋") == []
    assert reindex_all(batch_size=2) == 5
    assert len(titles(office, "海洋")) == 5

    SearchEntry.objects.filter(pk=apps[0].pk).delete()
    out = io.StringIO()
    call_command("reindex_library", "--batch-size", "2", stdout=out)
    text = out.getvalue()
    assert "已索引 2/5" in text and "已索引 5/5" in text and "完成：5 条" in text
    assert len(titles(office, "海洋")) == 5
    with pytest.raises(CommandError):
        call_command("reindex_library", "--batch-size", "0")


def test_the_full_text_index_fits_the_database(world, office):
    """PostgreSQL: a GIN index over a tsvector of the jieba tokens ('simple' config). SQLite: the same
    tokens, searched by the fallback (no tsvector)."""
    app = file_application(world, "海洋牧场", keywords=["深海"])
    entry = SearchEntry.objects.get(pk=app.pk)
    assert "海洋" in entry.tokens.split() and "深海" in entry.tokens.split()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'library_searchentry' AND indexname = %s",
                ["library_searchentry_vector_gin"],
            )
            (indexdef,) = cur.fetchone()
        assert "USING gin (vector)" in indexdef
        vector = SearchEntry.objects.values_list("vector", flat=True).get(pk=app.pk)
        assert "'海洋':1A" in vector and "'深海'" in vector
    else:
        assert entry.vector is None
    assert titles(office, "深海") == ["海洋牧场"]


def test_renaming_an_organisation_reindexes_its_applications(
    world, office, django_capture_on_commit_callbacks
):
    file_application(world, "海洋项目", org=world.org_b)
    with django_capture_on_commit_callbacks(execute=True):
        world.org_b.name = "日照黄海芯片研究院"  # TEST SETUP: no rename service yet
        world.org_b.save()
    assert titles(office, "黄海") == ["海洋项目"]
    assert titles(office, "岚山") == []
