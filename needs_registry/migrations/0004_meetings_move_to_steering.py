# Meetings, decisions and stances moved to the steering app with their tables:
# only the migration state changes here; steering.0001 takes the models over.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("needs_registry", "0003_attachment_random_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="DecisionStance"),
                migrations.DeleteModel(name="Decision"),
                migrations.DeleteModel(name="Meeting"),
            ],
            database_operations=[],
        ),
    ]
