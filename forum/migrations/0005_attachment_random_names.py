"""Stored names become random: files stored before under the uploader's name
(at a guessable path) move to ``attachments/<uuid>.<ext>``; uploads never
attached to a post are removed."""

import downloads.storage
from django.db import migrations, models


def rename_stored_files(apps, schema_editor):
    model = apps.get_model("forum", "attachment")
    # Uploads that were stored but never attached to a post (the post was refused)
    # are read by nobody: they go, files and all.
    for unattached in model.objects.filter(post__isnull=True):
        if unattached.file.name:
            unattached.file.storage.delete(unattached.file.name)
        unattached.delete()
    downloads.storage.rename_to_random(model.objects.all(), "file", "attachments")


class Migration(migrations.Migration):

    dependencies = [
        ('forum', '0004_thread_event_log_tombstones'),
    ]

    operations = [
        migrations.AlterField(
            model_name='attachment',
            name='file',
            field=models.FileField(max_length=300, upload_to=downloads.storage.RandomName('attachments')),
        ),
        migrations.RunPython(rename_stored_files, migrations.RunPython.noop),
    ]
