import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

GIN_INDEX = "library_searchentry_vector_gin"


def create_gin_index(apps, schema_editor):
    """The GIN index on the tsvector exists on PostgreSQL only (SQLite has no GIN nor tsvector)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON library_searchentry USING gin (vector)"
    )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("applications", "0002_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "application",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="applications.application",
                        verbose_name="项目申报",
                    ),
                ),
                ("title_tokens", models.TextField(blank=True, verbose_name="标题分词")),
                ("keyword_tokens", models.TextField(blank=True, verbose_name="关键词分词")),
                ("tokens", models.TextField(blank=True, verbose_name="全文分词")),
                ("vector", django.contrib.postgres.search.SearchVectorField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="索引时间")),
            ],
            options={
                "verbose_name": "项目库索引",
                "verbose_name_plural": "项目库索引",
            },
        ),
        migrations.RunPython(create_gin_index, drop_gin_index),
    ]
