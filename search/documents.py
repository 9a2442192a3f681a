"""What the search index holds for each thread, post and need."""

import re
from html import unescape
from typing import TYPE_CHECKING, Any

from forum import permissions
from search.models import SearchDocument
from search.text import index_terms

if TYPE_CHECKING:
    from forum.models import Thread

TAG_RE = re.compile(r"<[^>]+>")


def plain_text(html: str) -> str:
    return unescape(TAG_RE.sub(" ", html or "")).strip()


def audience(thread: "Thread") -> str:
    """Who may read a confidential thread's documents, as the backends match it."""
    if not thread.is_confidential:
        return ""
    return " " + " ".join(sorted(permissions.audience_keys(thread))) + " "


def document_for(kind: str, object_id: int) -> dict[str, Any] | None:
    """The indexed fields of one object, or None when it is gone (or a deleted or
    hidden post: their text is shown to nobody)."""
    from forum.models import Post, Thread
    from needs_registry.models import Need

    if kind == SearchDocument.Kind.THREAD:
        thread = (
            Thread.objects.select_related("author", "organisation", "category")
            .prefetch_related(  # type: ignore[misc]  # taggit managers are invisible to django-stubs
                "tags", "audience_organisations", "category__read_organisations"
            )
            .filter(pk=object_id)
            .first()
        )
        if thread is None:
            return None
        return {
            "title": thread.title,
            "body": "",
            "url": thread.get_absolute_url(),
            "category_id": thread.category_id,
            "thread_id": thread.pk,
            "publicity": thread.publicity,
            "is_hidden": thread.is_hidden,
            "audience": audience(thread),
            "domain": thread.category.domain,
            "organisation_id": thread.organisation_id,
            "organisation_slug": thread.organisation.slug if thread.organisation else "",
            "author_id": thread.author_id,
            "author_name": thread.author.public_name,
            "tags": " ".join(t.name for t in thread.tags.all()),
            "created_at": thread.created_at,
        }
    if kind == SearchDocument.Kind.POST:
        post = (
            Post.objects.select_related("thread", "thread__category", "author", "organisation")
            .prefetch_related(
                "thread__audience_organisations", "thread__category__read_organisations"
            )
            .filter(pk=object_id)
            .first()
        )
        if post is None or post.is_deleted or post.is_hidden:
            return None
        thread = post.thread
        return {
            "title": thread.title,
            "body": plain_text(post.html),
            "url": post.get_absolute_url(),
            "category_id": thread.category_id,
            "thread_id": thread.pk,
            "publicity": thread.publicity,
            "is_hidden": thread.is_hidden,
            "audience": audience(thread),
            "domain": thread.category.domain,
            "organisation_id": post.organisation_id,
            "organisation_slug": post.organisation.slug if post.organisation else "",
            "author_id": post.author_id,
            "author_name": post.author.public_name,
            "tags": "",
            "created_at": post.created_at,
        }
    if kind == SearchDocument.Kind.NEED:
        need = (
            Need.objects.select_related("organisation", "contact")
            .prefetch_related("tags")  # type: ignore[misc]  # taggit manager
            .filter(pk=object_id)
            .first()
        )
        if need is None:
            return None
        return {
            "title": need.title,
            "body": "\n".join(
                [
                    need.problem,
                    need.desired_outcome,
                    need.affected_processes,
                    need.current_systems,
                    need.open_source_candidates,
                ]
            ),
            "url": need.get_absolute_url(),
            "need_status": need.status,
            "draft_organisation_id": need.organisation_id if need.is_draft else None,
            "domain": need.domain,
            "organisation_id": need.organisation_id,
            "organisation_slug": need.organisation.slug,
            "author_id": need.created_by_id,
            "author_name": need.contact.public_name,
            "tags": " ".join(t.name for t in need.tags.all()),
            "created_at": need.created_at,
        }
    raise ValueError(f"unknown kind {kind!r}")


def document_store(kind: str, object_id: int) -> SearchDocument | None:
    """Bring the database index's document of one object up to date."""
    fields = document_for(kind, object_id)
    if fields is None:
        SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()
        return None
    # A post is found by its own words; its thread's title finds the thread.
    title = "" if kind == SearchDocument.Kind.POST else fields["title"]
    fields["terms"] = index_terms(title, fields["body"], fields["tags"])
    document, _ = SearchDocument.objects.update_or_create(
        kind=kind, object_id=object_id, defaults=fields
    )
    return document
