"""Background indexing."""

from django.tasks import task


@task()
def index_object(kind: str, object_id: int) -> None:
    from search.service import index_update

    index_update(kind, object_id)


@task()
def index_thread(thread_id: int) -> None:
    from search.service import index_thread_documents

    index_thread_documents(thread_id)


@task()
def index_category(category_id: int) -> None:
    from search.service import index_category_documents

    index_category_documents(category_id)
