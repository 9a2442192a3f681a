"""Background tasks of the steering group: the electronic decisions' deadlines."""

from django.tasks import task

from steering.services import ballot_deadlines


@task()
def steering_deadlines() -> dict[str, int]:
    """Remind the cities that have not voted before an electronic decision closes, and
    close (recording the result) those whose period has ended."""
    return ballot_deadlines()
