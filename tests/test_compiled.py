"""Querysets compiled once and run with new values (config.compiled)."""

import threading

import pytest
from django.db import connection

from config.compiled import Compiled
from forum.models import Thread
from tests.factories import CategoryFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def _threads_of(category: int, author: int):
    return (
        Thread.objects.select_related("category", "author")
        .filter(category=category, author=author)
        .order_by("pk")
    )


def test_each_run_binds_its_values_and_makes_the_same_models_as_the_queryset(
    django_assert_num_queries,
):
    first, second = ThreadFactory(), ThreadFactory()
    ThreadFactory(category=first.category)  # another author's
    compiled = Compiled(_threads_of, arity=2)
    for thread in (first, second, first):
        with django_assert_num_queries(1):
            (found,) = compiled.run(thread.category_id, thread.author_id)
            assert (found.pk, found.title) == (thread.pk, thread.title)
            # select_related as the queryset asks: no further query.
            assert found.category.name == thread.category.name
            assert found.author.username == thread.author.username
    assert compiled.run(first.category_id, second.author_id) == []
    assert compiled.run(10**9, first.author_id) == []


@pytest.mark.django_db(transaction=True)  # rows other threads' connections can read
def test_the_sql_is_built_once_and_serves_every_threads_connection():
    """Served over ASGI, each request runs in a thread of its own with a connection
    of its own: the query is still built once, and each run uses its thread's
    connection."""
    thread = ThreadFactory()
    built = []

    def build(pk: int):
        built.append(pk)
        return Thread.objects.filter(pk=pk)

    compiled = Compiled(build, arity=1)
    for _ in range(3):
        assert compiled.run(thread.pk) == [thread]
    found = []

    def elsewhere():
        found.extend(t.pk for t in compiled.run(thread.pk))
        connection.close()

    for _ in range(4):
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
    assert found == [thread.pk] * 4
    assert len(built) == 1


def test_values_are_checked():
    category = CategoryFactory()
    compiled = Compiled(lambda pk: Thread.objects.filter(category=pk), arity=1)
    with pytest.raises(TypeError):
        compiled.run("1 OR 1=1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compiled.run(category.pk, category.pk)
    # A value the build does not pass on as a single parameter cannot be bound.
    unused = Compiled(lambda pk: Thread.objects.all(), arity=1)
    with pytest.raises(ValueError, match="not a parameter"):
        unused.run(category.pk)
    with pytest.raises(ValueError):
        Compiled(lambda: Thread.objects.all(), arity=0)
