"""Stored names become random: files stored before under the uploader's name
(at a guessable path) move to ``needs/<uuid>.<ext>``."""

import downloads.storage
from django.db import migrations, models


def rename_stored_files(apps, schema_editor):
    model = apps.get_model("needs_registry", "needattachment")
    downloads.storage.rename_to_random(model.objects.all(), "file", "needs")


class Migration(migrations.Migration):

    dependencies = [
        ('needs_registry', '0002_audit_city_history'),
    ]

    operations = [
        migrations.AlterField(
            model_name='needattachment',
            name='file',
            field=models.FileField(max_length=300, upload_to=downloads.storage.RandomName('needs')),
        ),
        migrations.RunPython(rename_stored_files, migrations.RunPython.noop),
    ]
