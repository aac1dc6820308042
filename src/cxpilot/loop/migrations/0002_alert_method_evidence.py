import datetime as dt

from django.db import migrations, models


def detected_on_of_earlier_alerts(apps, schema_editor):
    """The alerts raised before this migration are period alerts, detected at the end of their
    period: the last day of the month, or the Sunday of the week."""
    Alert = apps.get_model("loop", "Alert")
    for alert in Alert.objects.filter(detected_on__isnull=True):
        try:
            if alert.period_kind == "month":
                year, month = map(int, alert.period.split("-"))
                first_next = dt.date(year + month // 12, month % 12 + 1, 1)
                alert.detected_on = first_next - dt.timedelta(days=1)
            else:
                alert.detected_on = dt.date.fromisoformat(alert.period) + dt.timedelta(days=6)
        except ValueError:
            continue
        alert.save(update_fields=["detected_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("loop", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="alert",
            name="alert_once",
        ),
        migrations.AddField(
            model_name="alert",
            name="detected_on",
            field=models.DateField(
                blank=True,
                help_text="The last day of the data that raised it: the end of the period or week.",
                null=True,
                verbose_name="detected on",
            ),
        ),
        migrations.AddField(
            model_name="alert",
            name="evidence",
            field=models.JSONField(blank=True, default=dict, verbose_name="evidence"),
        ),
        migrations.AddField(
            model_name="alert",
            name="method",
            field=models.CharField(
                choices=[("period", "Period to period"), ("cusum", "Sustained shift (CUSUM)")],
                default="period",
                max_length=10,
                verbose_name="method",
            ),
        ),
        migrations.AlterField(
            model_name="alert",
            name="p_value",
            field=models.FloatField(blank=True, null=True, verbose_name="p-value"),
        ),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.UniqueConstraint(
                fields=("method", "metric", "touchpoint", "period_kind", "period"),
                name="alert_once",
            ),
        ),
        migrations.RunPython(detected_on_of_earlier_alerts, migrations.RunPython.noop),
    ]
