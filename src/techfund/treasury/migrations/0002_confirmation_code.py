from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("treasury", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="confirmation",
            name="code",
            field=models.CharField(blank=True, max_length=20, verbose_name="问题类型"),
        ),
    ]
