"""Forum writes: database state and the events they send, after commit only."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEntry, Role
from forum import notification_kinds, services
from forum.models import Post, PostRevision, Thread, ThreadEvent, Watch
from notifications.models import Notification
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """Live events handed to the channel layer (the real in-memory layer, recorded)."""
    from live import broadcast

    messages = []
    real = broadcast.get_channel_layer

    class Recorder:
        def __init__(self):
            self.layer = real()

        async def group_send(self, group, message):
            messages.append((group, message))
            await self.layer.group_send(group, message)

    recorder = Recorder()
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: recorder)
    return messages


def frames(sent, group_prefix="thread."):
    return [json.loads(m["frame"]) for g, m in sent if g.startswith(group_prefix)]


@pytest.fixture
def pori():
    return OrganisationFactory(slug="pori")


@pytest.fixture
def author(pori):
    return UserFactory(organisation=pori, handle="maija")


@pytest.fixture
def category():
    return CategoryFactory(slug="ict")


def test_thread_create_writes_thread_first_post_and_watch(author, category):
    thread = services.thread_create(
        actor=author,
        category=category,
        title="Yhteinen IAM",
        body="Aloitetaan **nyt**.",
        tags=["iam", " tunnistus "],
    )

    assert thread.post_count == 1
    post = thread.posts.get()
    assert post.number == 1
    assert post.html == "<p>Aloitetaan <strong>nyt</strong>.</p>\n"
    assert post.organisation == author.organisation
    assert sorted(t.name for t in thread.tags.all()) == ["iam", "tunnistus"]
    assert Watch.objects.filter(user=author, thread=thread).exists()


def test_post_create_sends_event_only_after_commit(
    author, category, sent, django_capture_on_commit_callbacks
):
    thread = services.thread_create(actor=author, category=category, title="T", body="first")
    sent.clear()
    replier = UserFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post = services.post_create(actor=replier, thread=thread, body="second")
        assert sent == []
    for callback in callbacks:
        callback()

    event = frames(sent)[0]
    assert event["type"] == "post.created"
    assert event["post"] == post.pk
    assert event["seq"] == Thread.objects.get(pk=thread.pk).event_seq
    assert "html" not in event  # each viewer fetches the post as they see it
    stored = ThreadEvent.objects.get(thread=thread, seq=event["seq"])
    assert json.loads(stored.frame) == event


def test_rolled_back_post_sends_nothing(author, category, sent, django_capture_on_commit_callbacks):
    thread = services.thread_create(actor=author, category=category, title="T", body="first")
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.post_create(actor=author, thread=thread, body="   ")
    assert frames(sent) == []
    assert thread.posts.count() == 1


def test_mentions_and_replies_notify(author, category, pori, django_capture_on_commit_callbacks):
    kajaani = OrganisationFactory(slug="kajaani")
    colleague = UserFactory(organisation=kajaani, handle="mikko")
    kajaani_member = UserFactory(organisation=kajaani, handle="sari")
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(actor=author, category=category, title="T", body="Hei")
        first = thread.posts.get()
        reply = services.post_create(
            actor=colleague,
            thread=thread,
            body="Kiitos @maija! Kysytään @kajaani myös.",
            reply_to=first,
        )

    assert 'data-mention="maija"' in reply.html
    kinds = set(Notification.objects.filter(user=author).values_list("kind", flat=True))
    assert kinds == {notification_kinds.QUOTE}
    assert Notification.objects.filter(
        user=kajaani_member, kind=notification_kinds.ORGANISATION_MENTION
    ).exists()
    assert not Notification.objects.filter(user=colleague).exists()


def test_notifications_skip_members_who_cannot_read(author, pori):
    restricted = CategoryFactory(slug="sg", read_roles=[Role.STEERING_GROUP])
    steering = UserFactory(organisation=pori, handle="timo", roles=[Role.STEERING_GROUP])
    outsider = UserFactory(handle="olli")
    thread = services.thread_create(
        actor=steering, category=restricted, title="T", body="@olli @maija"
    )
    assert thread.pk
    assert not Notification.objects.filter(user=outsider).exists()
    assert not Notification.objects.filter(user=author).exists()


def test_edit_keeps_history_and_delete_is_soft(author, category, sent):
    thread = services.thread_create(actor=author, category=category, title="T", body="v1")
    post = thread.posts.get()

    services.post_edit(actor=author, post=post, body="v2")
    services.post_delete(actor=author, post=post)

    post.refresh_from_db()
    assert post.body == "v2"
    assert post.is_deleted
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == ["v1"]
    assert Post.objects.filter(pk=post.pk).exists()


def test_others_cannot_edit_but_moderators_can_and_are_audited(author, category):
    thread = services.thread_create(actor=author, category=category, title="T", body="v1")
    post = thread.posts.get()
    with pytest.raises(PermissionDenied):
        services.post_edit(actor=UserFactory(), post=post, body="hacked")
    moderator = UserFactory(roles=[Role.MODERATOR])
    services.post_edit(actor=moderator, post=post, body="tidied")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.MODERATION, actor=moderator).exists()


def test_reaction_toggles_and_counts(author, category):
    thread = services.thread_create(actor=author, category=category, title="T", body="x")
    post = thread.posts.get()
    other = UserFactory()
    assert services.reaction_toggle(actor=other, post=post, kind="thumbs_up") == {"thumbs_up": 1}
    assert services.reaction_toggle(actor=author, post=post, kind="thumbs_up") == {"thumbs_up": 2}
    assert services.reaction_toggle(actor=other, post=post, kind="thumbs_up") == {"thumbs_up": 1}
    with pytest.raises(ValidationError):
        services.reaction_toggle(actor=other, post=post, kind="poop")


def test_locked_thread_refuses_posts_but_not_moderators(author, category):
    thread = services.thread_create(actor=author, category=category, title="T", body="x")
    moderator = UserFactory(roles=[Role.MODERATOR])
    services.thread_moderate(actor=moderator, thread=thread, locked=True)
    with pytest.raises(PermissionDenied):
        services.post_create(actor=author, thread=thread, body="more")
    services.post_create(actor=moderator, thread=thread, body="closing note")
    assert AuditEntry.objects.filter(summary="locked").exists()


def test_start_roles_limit_who_starts_threads(author):
    announcements = CategoryFactory(slug="announce", start_roles=[Role.STEERING_GROUP])
    with pytest.raises(PermissionDenied):
        services.thread_create(actor=author, category=announcements, title="T", body="x")
    steering = UserFactory(roles=[Role.STEERING_GROUP])
    thread = services.thread_create(actor=steering, category=announcements, title="T", body="x")
    services.post_create(actor=author, thread=thread, body="a reply is fine")


def test_drafts_are_kept_and_cleared_by_posting(author, category):
    from forum.selectors import draft_for

    thread = services.thread_create(actor=author, category=category, title="T", body="x")
    services.draft_save(actor=author, thread=thread, body="half a tho")
    assert draft_for(viewer=author, thread=thread) == "half a tho"
    services.post_create(actor=author, thread=thread, body="half a thought, finished")
    assert draft_for(viewer=author, thread=thread) == ""


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_attachment_type_is_checked_on_content(author, category):
    thread = services.thread_create(
        actor=author,
        category=category,
        title="T",
        body="x",
        uploads=[SimpleUploadedFile("kuva.exe", PNG, content_type="application/x")],
    )
    ok = thread.posts.get().attachments.get()
    assert ok.content_type == "image/png"
    assert ok.original_name == "kuva.png"
    with pytest.raises(ValidationError):
        services.post_create(
            actor=author,
            thread=thread,
            body="y",
            uploads=[
                SimpleUploadedFile(
                    "report.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
                )
            ],
        )


def test_attachment_size_is_limited(author, category, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError):
        services.thread_create(
            actor=author,
            category=category,
            title="T",
            body="x",
            uploads=[SimpleUploadedFile("big.png", PNG + b"\0" * 200)],
        )


def test_flags_reach_moderators_and_hiding_resolves_them(author, category):
    thread = services.thread_create(actor=author, category=category, title="T", body="x")
    post = thread.posts.get()
    flagger = UserFactory()
    services.flag_create(actor=flagger, post=post, reason="Henkilötietoja")
    moderator = UserFactory(roles=[Role.MODERATOR])
    from forum.selectors import flag_queue

    assert [f.post for f in flag_queue(viewer=moderator)] == [post]
    services.post_set_hidden(actor=moderator, post=post, hidden=True)
    assert flag_queue(viewer=moderator) == []
    post.refresh_from_db()
    assert post.is_hidden


def test_daily_digest_collects_unsent_notifications(
    author, category, mailoutbox, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    author.notification_email = "daily"
    author.save()
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(actor=author, category=category, title="T", body="x")
        services.post_create(actor=UserFactory(), thread=thread, body="vastaus")
    assert mailoutbox == []
    call_command("send_digests")
    assert len(mailoutbox) == 1
    assert author.email in mailoutbox[0].to
    call_command("send_digests")
    assert len(mailoutbox) == 1
