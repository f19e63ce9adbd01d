"""Database triggers that refuse UPDATE and DELETE (and TRUNCATE) on the audit trail and the ledger.

The application already refuses them (see the models); the triggers make the database refuse them
too, so a stray script or a console session cannot rewrite history. Someone with the rights to drop
a trigger can still tamper — which is what ``manage.py audit_verify`` detects.
"""

from django.db import migrations

from techfund.core import dbtriggers


def forwards(apps, schema_editor):
    dbtriggers.install(schema_editor.connection)


def backwards(apps, schema_editor):
    dbtriggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
