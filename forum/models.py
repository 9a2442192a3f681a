"""Categories, threads, posts, reactions, reading state, notifications and moderation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from accounts.models import Organisation
from downloads.responses import INLINE_TYPES
from downloads.storage import RandomName

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

    from forum.permissions import PostActions


class Domain(models.TextChoices):
    """Municipal domains shared by the forum and the needs registry."""

    ADMINISTRATION = "administration", _("Administration")
    SOCIAL_HEALTH = "social_health", _("Social and health")
    EDUCATION_CULTURE = "education_culture", _("Education and culture")
    TECHNICAL_ENVIRONMENT = "technical_environment", _("Technical and environment")
    FINANCE = "finance", _("Finance")
    HR = "hr", _("HR")
    ICT = "ict", _("ICT")


class Publicity(models.TextChoices):
    """Publicity class in the sense of the Finnish Act on the Openness of Government Activities."""

    PUBLIC = "public", pgettext_lazy("publicity class", "Public")
    INTERNAL = "internal", pgettext_lazy("publicity class", "Internal to the consortium")
    CONFIDENTIAL = "confidential", pgettext_lazy("publicity class", "Confidential")


class Category(models.Model):
    # Set by forum.selectors.category_list: how deep in the tree, for the index.
    depth: int

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    slug = models.SlugField(unique=True)
    name_fi = models.CharField(_("name in Finnish"), max_length=120)
    name_sv = models.CharField(_("name in Swedish"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)
    description_fi = models.TextField(_("description in Finnish"), blank=True)
    description_sv = models.TextField(_("description in Swedish"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    domain = models.CharField(_("domain"), max_length=32, choices=Domain, blank=True)
    position = models.PositiveIntegerField(default=0)
    read_roles = models.JSONField(
        _("readable by roles"),
        default=list,
        blank=True,
        help_text=_("Empty: every member may read."),
    )
    read_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("readable by organisations"),
        blank=True,
        related_name="+",
        help_text=_("Empty: members of every organisation may read."),
    )
    start_roles = models.JSONField(
        _("threads started by roles"),
        default=list,
        blank=True,
        help_text=_("Empty: everyone who may read may start threads."),
    )
    default_publicity = models.CharField(
        _("default publicity"), max_length=16, choices=Publicity, default=Publicity.INTERNAL
    )

    class Meta:
        ordering = ["position", "name_fi"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def _localised(self, field: str) -> str:
        language = (translation.get_language() or "fi")[:2]
        return getattr(self, f"{field}_{language}", "") or getattr(self, f"{field}_fi")

    @property
    def name(self) -> str:
        return self._localised("name")

    @property
    def description(self) -> str:
        return self._localised("description")

    @property
    def is_restricted(self) -> bool:
        return bool(self.read_roles) or bool(self.restricted_organisation_ids)

    @property
    def restricted_organisation_ids(self) -> frozenset[int]:
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "read_organisations" in cache:
            return frozenset(o.pk for o in cache["read_organisations"])
        if not hasattr(self, "_read_organisation_ids"):
            from forum.category_rules import rules

            rule = rules().get(self.pk) if self.pk else None
            self._read_organisation_ids = (
                rule.organisation_ids
                if rule is not None
                else frozenset(self.read_organisations.values_list("pk", flat=True))
            )
        return self._read_organisation_ids


class TaggedThread(TaggedItemBase):
    content_object = models.ForeignKey("Thread", on_delete=models.CASCADE)


# Stands for a field a row was not read with (Attachment.stored_post_id).
NOT_READ = object()


def tag_names_of(thread_ids: list[int]) -> dict[int, list[str]]:
    """The names of each thread's tags, in alphabetical order (``sorted_tag_names``),
    in one query."""
    names: dict[int, list[str]] = {pk: [] for pk in thread_ids}
    tagged = TaggedThread.objects.filter(content_object_id__in=thread_ids).values_list(
        "content_object_id", "tag__name"
    )
    for thread_id, name in tagged:
        names[thread_id].append(name)
    return {pk: sorted_tag_names(listed) for pk, listed in names.items()}


# Å, ä and ö after z, in that order, as Finnish and Swedish alphabets have them
# (by code point ä would come before å).
_NORDIC_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}"})  # the three after z


def sorted_tag_names(names: Iterable[str]) -> list[str]:
    """Tag names as every page lists them: in alphabetical order, whatever the
    database's collation."""
    return sorted(names, key=lambda name: (name.casefold().translate(_NORDIC_ORDER), name))


class Thread(models.Model):
    # Set by forum.fragments for a thread list: this thread's row for this viewer.
    rendered_row: SafeString
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="threads"
    )
    title = models.CharField(pgettext_lazy("document title", "title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, related_name="+"
    )
    tags = TaggableManager(through=TaggedThread, verbose_name=_("tags"), blank=True)
    publicity = models.CharField(
        _("publicity"), max_length=16, choices=Publicity, default=Publicity.INTERNAL
    )
    audience_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("audience: organisations"),
        blank=True,
        related_name="+",
        help_text=_("Confidential threads: members of these organisations may read."),
    )
    audience_roles = models.JSONField(
        _("audience: roles"),
        default=list,
        blank=True,
        help_text=_("Confidential threads: members holding one of these roles may read."),
    )
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    solution = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    need = models.ForeignKey(
        "needs_registry.Need",
        verbose_name=_("need"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="threads",
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    post_count = models.PositiveIntegerField(default=0)
    last_post_number = models.PositiveIntegerField(default=0)
    event_seq = models.PositiveBigIntegerField(default=0)
    # Raised whenever who may read the thread may have changed (hidden, moved,
    # publicity or audience changed, its category's readers changed). Live
    # events carry it, so a socket re-checks access before relaying an event
    # sent after such a change.
    readers_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-is_pinned", "-last_activity_at", "-id"]
        indexes = [
            models.Index(
                fields=["category", "-is_pinned", "-last_activity_at", "-id"],
                name="thread_category_activity",
            ),
            # The forum's front page: every readable category, pinned first.
            models.Index(
                fields=["-is_pinned", "-last_activity_at", "-id"], name="thread_pinned_activity"
            ),
            models.Index(fields=["-last_activity_at", "-id"], name="thread_activity"),
        ]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("forum:thread_detail", args=[self.pk])

    @property
    def is_confidential(self) -> bool:
        return self.publicity == Publicity.CONFIDENTIAL

    @cached_property
    def tag_names(self) -> list[str]:
        """The names of the thread's tags, in alphabetical order. A thread list
        gives its page's threads theirs at once (``forum.selectors``): taggit's
        prefetch took longer to build than the rest of the list's queries."""
        return tag_names_of([self.pk])[self.pk]

    @property
    def audience_organisation_ids(self) -> frozenset[int]:
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "audience_organisations" in cache:
            return frozenset(o.pk for o in cache["audience_organisations"])
        if self.pk is None:
            return frozenset()
        if not hasattr(self, "_audience_organisation_ids"):
            self._audience_organisation_ids = frozenset(
                self.audience_organisations.values_list("pk", flat=True)
            )
        return self._audience_organisation_ids


class Post(models.Model):
    # Set per viewer by forum.selectors (_decorate) for the post partial.
    actions: PostActions
    reaction_list: list[dict[str, Any]]
    reaction_choices: list[dict[str, Any]]
    # Set by forum.fragments for the page: this post rendered for this viewer.
    rendered: SafeString

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    number = models.PositiveIntegerField()
    # The thread it was read in (Django's "customizing model loading"): a post moved
    # to another thread takes the kept pages of both with it (forum.fragments).
    stored_thread_id: int | None = None
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, related_name="+"
    )
    body = models.TextField(_("message"))
    html = models.TextField()
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    reaction_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["thread", "number"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="post_number_unique")
        ]
        verbose_name = pgettext_lazy("noun: a forum post", "post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return f"{self.thread} #{self.number}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("forum:post_permalink", args=[self.pk])

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Any, values: Any, *, fetch_mode: Any = None
    ) -> Post:
        post = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        post.stored_thread_id = post.__dict__.get("thread_id")
        return post

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class PostRevision(models.Model):
    """An earlier text of an edited post, kept and shown as its history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    html = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.post} ({self.created_at:%Y-%m-%d %H:%M})"


class ReactionKind(models.TextChoices):
    THUMBS_UP = "thumbs_up", _("Thumbs up")
    HEART = "heart", _("Thanks")
    IDEA = "idea", _("Good idea")
    CELEBRATE = "celebrate", _("Celebrate")
    SAME_HERE = "same_here", _("Same here")


REACTION_SYMBOLS = {
    ReactionKind.THUMBS_UP: "👍",
    ReactionKind.HEART: "❤️",
    ReactionKind.IDEA: "💡",
    ReactionKind.CELEBRATE: "🎉",
    ReactionKind.SAME_HERE: "🙋",
}


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReactionKind)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="reaction_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.post}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Where attachments were stored before their names were random (migration 0001 names it)."""
    return f"attachments/{timezone.now():%Y/%m}/{instance.token}/{filename}"


class Attachment(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    # The post it was read on, as for Post.stored_thread_id; NOT_READ when it was
    # made here or read without its post.
    stored_post_id: object = NOT_READ
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=RandomName("attachments"), max_length=300)
    # The uploader's name (stem kept, extension from the checked type), given back
    # only in Content-Disposition; the stored name is random.
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    # A small WebP of an image attachment (downloads.thumbnails), served through
    # the same read rule as the file.
    thumbnail = models.FileField(upload_to=RandomName("thumbnails"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("forum:attachment_download", args=[self.token])

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Any, values: Any, *, fetch_mode: Any = None
    ) -> Attachment:
        attachment = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        attachment.stored_post_id = attachment.__dict__.get("post_id", NOT_READ)
        return attachment

    def get_thumbnail_url(self) -> str:
        return reverse("forum:attachment_thumbnail", args=[self.token])

    @property
    def is_image(self) -> bool:
        return self.content_type in INLINE_TYPES


class Draft(models.Model):
    """What a member is writing, kept on the server while they write.

    A reply's draft names its thread; a new thread's draft (one per member)
    names no thread but the category chosen so far and the title.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="draft_unique"),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(thread__isnull=True),
                name="draft_new_thread_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"draft of {self.user} in {self.thread or 'a new thread'}"


class ThreadEvent(models.Model):
    """The stored log of a thread's live events, so reconnecting clients catch up.

    ``post`` names the post an event is about, so that its frames can be
    rewritten when the post is deleted, hidden or its author anonymised.
    """

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    frame = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "seq"], name="thread_event_seq_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="thread_event_created_idx")]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.seq}"


class ReadState(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    last_read_number = models.PositiveIntegerField(default=0)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="read_state_unique")]

    def __str__(self) -> str:
        return f"{self.user} read {self.thread} to #{self.last_read_number}"


class TrackingLevel(models.TextChoices):
    """How closely a member follows a thread or a category, as in Discourse.

    A thread's own level wins over its category's; without either it is normal.
    """

    WATCHING = "watching", pgettext_lazy("tracking level", "Watching")
    TRACKING = "tracking", pgettext_lazy("tracking level", "Tracking")
    NORMAL = "normal", pgettext_lazy("tracking level", "Normal")
    MUTED = "muted", pgettext_lazy("tracking level", "Muted")


class Watch(models.Model):
    """A member's tracking level on one thread or one category."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(
        pgettext_lazy("how closely a member follows a thread", "notification level"),
        max_length=10,
        choices=TrackingLevel,
        default=TrackingLevel.WATCHING,
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="watch_thread_unique"),
            models.UniqueConstraint(fields=["user", "category"], name="watch_category_unique"),
            models.CheckConstraint(
                condition=models.Q(thread__isnull=False) ^ models.Q(category__isnull=False),
                name="watch_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.level} {self.thread or self.category}"


class Flag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(pgettext_lazy("why a post was flagged", "reason"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "user"],
                condition=models.Q(resolved_at__isnull=True),
                name="flag_open_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.post}: {self.reason}"


class Poll(models.Model):
    """A question put to a thread's readers: answered by each person, or once per city
    (by its ICT lead or their substitute, as the registry's city votes are)."""

    # Set per viewer by forum.selectors.polls_for_thread.
    viewer_ballot: PollBallot | None
    viewer_choice_ids: set[int]
    answered_by_other: bool
    may_vote: bool
    result_data: dict[str, Any] | None

    class Kind(models.TextChoices):
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")

    class Voters(models.TextChoices):
        PERSON = "person", _("Each member answers")
        CITY = "city", _("One answer per city (its ICT lead or substitute)")

    class Results(models.TextChoices):
        LIVE = "live", _("Shown all the time")
        AFTER_CLOSE = "after_close", _("Shown once the poll has closed")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("answers"), max_length=16, choices=Kind, default=Kind.SINGLE)
    voters = models.CharField(
        _("who answers"), max_length=16, choices=Voters, default=Voters.PERSON
    )
    results = models.CharField(_("results"), max_length=16, choices=Results, default=Results.LIVE)
    opens_at = models.DateTimeField(_("opens"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self) -> str:
        return self.question

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now and (self.closes_at is None or now < self.closes_at)

    def is_closed(self, now=None) -> bool:
        return self.closes_at is not None and (now or timezone.now()) >= self.closes_at

    @property
    def shows_results(self) -> bool:
        return self.results == self.Results.LIVE or self.is_closed()


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class PollBallot(models.Model):
    """One answer: a person's, or their city's (``voter`` is ``user:<id>`` or ``org:<id>``,
    unique per poll, so a city answers once whoever of its leads sends it)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    voter = models.CharField(max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    options = models.ManyToManyField(PollOption, related_name="ballots")
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "voter"], name="poll_ballot_unique")]

    def __str__(self) -> str:
        return f"{self.voter} in {self.poll_id}"
