from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0009_tracking_levels"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(
                fields=["-is_pinned", "-last_activity_at", "-id"], name="thread_pinned_activity"
            ),
        ),
    ]
