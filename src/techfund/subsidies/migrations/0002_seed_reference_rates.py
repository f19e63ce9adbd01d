"""Seed the reference-rate table with the published LPR changes and the PBOC benchmark rates
(``techfund.subsidies.published_rates``, each row marked with its source). The office enters later
rates through the rates page."""

from django.db import migrations


def seed(apps, schema_editor):
    from techfund.subsidies.published_rates import PUBLISHED

    ReferenceRate = apps.get_model("subsidies", "ReferenceRate")
    for kind, tenor, day, rate, source in PUBLISHED:
        ReferenceRate.objects.get_or_create(
            kind=kind, tenor=tenor, effective_from=day, defaults={"rate": rate, "source": source}
        )


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
