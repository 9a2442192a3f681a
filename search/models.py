"""The search index kept in the database: one document per thread, post and need."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        THREAD = "thread", "thread"
        POST = "post", "post"
        NEED = "need", "need"

    kind = models.CharField(max_length=8, choices=Kind)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    terms = models.TextField(blank=True, help_text="Stemmed words of title and body.")
    # PostgreSQL only: the terms as a stored tsvector, kept by search.backends.
    vector = SearchVectorField(null=True, editable=False)
    url = models.CharField(max_length=300)
    category_id = models.PositiveBigIntegerField(null=True, db_index=True)
    thread_id = models.PositiveBigIntegerField(null=True)
    publicity = models.CharField(max_length=16, blank=True)
    is_hidden = models.BooleanField(default=False)
    # Of a confidential thread or post: who may read it, as space-separated keys
    # (``forum.permissions.audience_keys``), with a space at either end.
    audience = models.TextField(blank=True)
    need_status = models.CharField(max_length=16, blank=True)
    draft_organisation_id = models.PositiveBigIntegerField(null=True)
    domain = models.CharField(max_length=32, blank=True)
    organisation_id = models.PositiveBigIntegerField(null=True)
    organisation_slug = models.CharField(max_length=50, blank=True)
    author_id = models.PositiveBigIntegerField(null=True)
    author_name = models.CharField(max_length=150, blank=True)
    tags = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class PendingIndexUpdate(models.Model):
    """An index update Meilisearch missed while it was down, replayed when it is back."""

    kind = models.CharField(max_length=8)
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="pending_update_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
