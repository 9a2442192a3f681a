"""Background work queued for a write: with the database task backend its row is
part of the write's transaction, so it exists exactly when the write does."""

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from forum import services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def thread(db):
    author = UserFactory(organisation=OrganisationFactory(slug="pori"), handle="liisa")
    with override_settings(
        TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    ):
        return services.thread_create(
            actor=author, category=CategoryFactory(slug="ict"), title="GIS", body="first"
        )


def queued(task_path: str) -> list[list]:
    return [
        row.args_kwargs["args"]
        for row in DBTaskResult.objects.filter(task_path=task_path).order_by("enqueued_at")
    ]


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_a_post_commits_with_its_index_task(thread):
    with transaction.atomic():
        post = services.post_create(actor=thread.author, thread=thread, body="a reply")
        # Written in the post's own transaction: no moment when one is kept without the other.
        assert queued("search.tasks.index_object") == [["post", post.pk]]
    assert queued("search.tasks.index_object") == [["post", post.pk]]


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_a_write_that_rolls_back_leaves_no_task(thread):
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        services.post_create(actor=thread.author, thread=thread, body="never kept")
        raise Abandoned
    assert not thread.posts.filter(body="never kept").exists()
    assert queued("search.tasks.index_object") == []
    # The same write kept queues its task.
    post = services.post_create(actor=thread.author, thread=thread, body="kept")
    assert queued("search.tasks.index_object") == [["post", post.pk]]


def _watched_thread(watchers: int):
    from forum.models import Thread

    thread = Thread.objects.get()
    city = OrganisationFactory(slug=f"city-{watchers}")
    for n in range(watchers):
        services.tracking_set(
            user=UserFactory(organisation=city, handle=f"w{watchers}-{n}"),
            level="watching",
            thread=thread,
        )
    return thread


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_a_reply_does_not_wait_for_its_watchers_who_are_told_by_the_worker(thread):
    """However many watch the thread, the reply request does the same work; the
    worker then tells each watcher."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Notification

    def reply_queries(body: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            services.post_create(actor=thread.author, thread=thread, body=body)
        return len(captured)

    def work() -> None:
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    reply_queries("warm up")
    work()
    _watched_thread(2)
    few = reply_queries("two watch")
    assert not Notification.objects.exists()  # the request told nobody itself
    work()
    assert Notification.objects.filter(kind="forum.reply").count() == 2
    _watched_thread(30)
    many = reply_queries("thirty-two watch")
    assert few == many
    work()
    assert Notification.objects.filter(kind="forum.reply").count() == 2 + 32
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()


@pytest.mark.django_db
def test_a_notification_task_that_fails_half_way_leaves_nobody_half_told(thread, monkeypatch):
    from forum.services import notifications as forum_notifications
    from forum.tasks import post_notify
    from notifications.models import Notification

    quoted = services.post_create(actor=UserFactory(handle="quoted"), thread=thread, body="hi")
    reply = services.post_create(
        actor=thread.author, thread=thread, body="@quoted", reply_to=quoted
    )
    calls = []
    real = forum_notifications.notify

    def notify_then_fail(*args, **kwargs):
        calls.append(args[1])
        if len(calls) > 1:
            raise RuntimeError("mail server gone")
        return real(*args, **kwargs)

    Notification.objects.all().delete()
    monkeypatch.setattr(forum_notifications, "notify", notify_then_fail)
    with pytest.raises(RuntimeError):
        post_notify.call(reply.pk, ["quoted"])
    assert len(calls) == 2  # the quote was written before the failure…
    assert not Notification.objects.exists()  # …and rolled back with it
    monkeypatch.setattr(forum_notifications, "notify", real)
    post_notify.call(reply.pk, ["quoted"])
    assert Notification.objects.filter(kind="forum.quote").count() == 1
