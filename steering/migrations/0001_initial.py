# The steering group's meetings, decisions and stances, taken over from the
# needs registry with their tables and rows (state only: nothing is copied).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

STATUS_CHOICES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("under_review", "Under review"),
    ("accepted", "Accepted to the backlog"),
    ("pre_study", "Pre-study"),
    ("development", "In development"),
    ("procurement", "In procurement"),
    ("pilot", "Pilot"),
    ("production", "In production"),
    ("rejected", "Rejected"),
    ("merged", "Merged into another need"),
]


def content_types_follow(apps, schema_editor):
    """Admin history and permissions of the moved models keep pointing at them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("meeting", "decision", "decisionstance"):
        if not ContentType.objects.filter(app_label="steering", model=model).exists():
            ContentType.objects.filter(app_label="needs_registry", model=model).update(
                app_label="steering"
            )


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("meeting", "decision", "decisionstance"):
        if not ContentType.objects.filter(app_label="needs_registry", model=model).exists():
            ContentType.objects.filter(app_label="steering", model=model).update(
                app_label="needs_registry"
            )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("needs_registry", "0004_meetings_move_to_steering"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Meeting",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("held_on", models.DateField(verbose_name="date")),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "needs_registry_meeting", "ordering": ["-held_on", "-id"]},
                ),
                migrations.CreateModel(
                    name="Decision",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("agenda_item", models.CharField(max_length=20, verbose_name="agenda item")),
                        ("text", models.TextField(verbose_name="decision")),
                        ("rationale", models.TextField(blank=True, verbose_name="rationale")),
                        (
                            "resulting_status",
                            models.CharField(
                                choices=STATUS_CHOICES, max_length=16, verbose_name="resulting status"
                            ),
                        ),
                        ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "meeting",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="decisions",
                                to="steering.meeting",
                            ),
                        ),
                        (
                            "need",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="decisions",
                                to="needs_registry.need",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "needs_registry_decision",
                        "ordering": ["recorded_at", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="DecisionStance",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "stance",
                            models.CharField(
                                choices=[
                                    ("for", "For"),
                                    ("against", "Against"),
                                    ("abstained", "Abstained"),
                                    ("absent", "Absent"),
                                ],
                                max_length=16,
                            ),
                        ),
                        (
                            "decision",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="stances",
                                to="steering.decision",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "needs_registry_decisionstance",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("decision", "organisation"), name="stance_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_back, elidable=True),
    ]
