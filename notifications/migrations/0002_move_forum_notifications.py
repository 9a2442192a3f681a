"""Move the forum's notifications here.

The forum's kinds keep their meaning (rendered from their post in the reader's
language). The registry's and the steering group's were stored as a sentence
without the data to render them again, so they keep that sentence (best effort),
still pointing at their need for the read rule where they had one.
"""

from django.db import migrations

POST_KINDS = {
    "reply": "forum.reply",
    "mention": "forum.mention",
    "organisation_mention": "forum.organisation_mention",
    "quote": "forum.quote",
    "new_thread": "forum.new_thread",
}


def forward(apps, schema_editor):
    Old = apps.get_model("forum", "Notification")
    New = apps.get_model("notifications", "Notification")
    batch = []
    for old in Old.objects.order_by("pk").iterator(chunk_size=2000):
        kind, params, target_type, target_id = "legacy", {"text": old.text}, "", None
        if old.kind in POST_KINDS and old.post_id is not None:
            kind, params, target_type, target_id = POST_KINDS[old.kind], {}, "forum.post", old.post_id
        elif old.thread_id is not None:
            target_type, target_id = "forum.thread", old.thread_id
        elif old.need_id is not None:
            target_type, target_id = "needs.need", old.need_id
        batch.append(
            New(
                user_id=old.user_id,
                kind=kind,
                params=params,
                actor_id=old.actor_id,
                target_type=target_type,
                target_id=target_id,
                url=old.url,
                created_at=old.created_at,
                read_at=old.read_at,
                emailed_at=old.emailed_at,
            )
        )
        if len(batch) >= 2000:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("forum", "0007_polls"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
