"""The demo a newcomer starts with (``make run``): something in every part, told
consistently, and seeding it twice adds nothing."""

import pytest
from django.core.management import call_command
from django.db.models import Q

from budget.models import NeedCost
from forum.models import Attachment, Post, Reaction, Thread
from needs_registry.models import CityPosition, CityVote, Commitment, Need, PrioritisationRound
from steering.models import AgendaItem, Attendance, Decision, DecisionStance, Meeting

pytestmark = pytest.mark.django_db(transaction=True)


def _counts() -> dict[str, int]:
    return {
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
        "reactions": Reaction.objects.count(),
        "image attachments": Attachment.objects.exclude(thumbnail="").count(),
        "needs": Need.objects.count(),
        "needs' statuses": Need.objects.values("status").distinct().count(),
        "positions": CityPosition.objects.count(),
        "city votes": CityVote.objects.count(),
        "commitments": Commitment.objects.count(),
        "need costs": NeedCost.objects.count(),
        "rounds": PrioritisationRound.objects.count(),
        "meetings": Meeting.objects.count(),
        "decisions": Decision.objects.count(),
    }


def test_the_demo_has_something_in_every_part_and_seeds_once():
    call_command("seed_demo", verbosity=0)
    counts = _counts()
    assert counts["threads"] >= 10 and counts["posts"] >= 30
    assert counts["reactions"] >= 10 and counts["image attachments"] >= 1
    # 30+ needs across the lifecycle, with cities' positions, votes and commitments.
    assert counts["needs"] >= 30 and counts["needs' statuses"] >= 10
    assert counts["positions"] >= 30 and counts["city votes"] >= 30
    assert counts["commitments"] >= 10 and counts["need costs"] >= 3
    assert counts["rounds"] >= 1 and counts["meetings"] >= 3 and counts["decisions"] >= 10
    call_command("seed_demo", verbosity=0)
    assert _counts() == counts
    # Threads in Swedish as well as Finnish.
    swedish = Q(body__contains=" och ") | Q(body__contains=" att ") | Q(body__contains=" vi ")
    assert Post.objects.filter(swedish).count() >= 3


def test_the_demo_meetings_tell_one_story():
    """Each decision is on its meeting's agenda; the cities that took a stance sat at
    the meeting and the ones recorded absent did not."""
    call_command("seed_demo", verbosity=0)
    decided = Meeting.objects.filter(decisions__isnull=False).distinct()
    assert decided.count() >= 2
    for meeting in decided:
        present = set(
            Attendance.objects.filter(meeting=meeting, person__isnull=False).values_list(
                "organisation__slug", flat=True
            )
        )
        assert present, meeting
        for decision in meeting.decisions.all():
            assert decision.item is not None and decision.item.meeting_id == meeting.pk
            assert decision.agenda_item == f"{decision.item.number} §"
            if decision.item.kind == AgendaItem.Kind.NEED:
                assert decision.need_id == decision.item.need_id
            stances = DecisionStance.objects.filter(decision=decision)
            took_part = set(
                stances.exclude(stance="absent").values_list("organisation__slug", flat=True)
            )
            absent = set(
                stances.filter(stance="absent").values_list("organisation__slug", flat=True)
            )
            assert took_part and took_part <= present, (meeting, decision)
            assert not absent & present, (meeting, decision)
    # One meeting of the demo had two cities away, and says so.
    assert any(
        DecisionStance.objects.filter(decision__meeting=m, stance="absent").exists()
        for m in decided
    )
