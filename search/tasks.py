"""Background indexing."""

from django.tasks import task


@task()
def index_object(kind: str, object_id: int) -> None:
    from search.service import index_update

    index_update(kind, object_id)
