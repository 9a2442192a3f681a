"""Polls in threads: putting a question, answering it, and telling the thread's viewers."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum import events, permissions
from forum.models import Poll, PollBallot, PollOption, Thread
from forum.services.posts import lock_thread
from needs_registry.permissions import acts_for_city

MAX_OPTIONS = 20


@transaction.atomic
def poll_create(
    *,
    actor: User,
    thread: Thread,
    question: str,
    options: Sequence[str],
    kind: str = Poll.Kind.SINGLE,
    voters: str = Poll.Voters.PERSON,
    results: str = Poll.Results.LIVE,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Poll:
    """Put a poll in ``thread``; writes ``Poll`` and its ``PollOption`` rows and sends
    ``poll.created``. Precondition: the actor may add polls to the thread."""
    thread = lock_thread(thread)
    if not permissions.can_add_poll(actor, thread):
        raise PermissionDenied
    texts = [text.strip() for text in options if text.strip()]
    if len(texts) < 2:
        raise ValidationError({"options": _("Give at least two choices.")})
    if len(texts) > MAX_OPTIONS:
        raise ValidationError({"options": _("At most %(count)d choices.") % {"count": MAX_OPTIONS}})
    if len(set(texts)) != len(texts):
        raise ValidationError({"options": _("Each choice must be different.")})
    opens_at = opens_at or timezone.now()
    if closes_at is not None and closes_at <= opens_at:
        raise ValidationError({"closes_at": _("The poll must close after it opens.")})
    if results == Poll.Results.AFTER_CLOSE and closes_at is None:
        raise ValidationError({"closes_at": _("Results shown after closing need a closing time.")})
    poll = Poll(
        thread=thread,
        question=(question or "").strip(),
        kind=kind,
        voters=voters,
        results=results,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
    )
    poll.full_clean(exclude=["thread"])
    poll.save()
    for position, text in enumerate(texts):
        option = PollOption(poll=poll, text=text[:200], position=position)
        option.full_clean(exclude=["poll"])
        option.save()
    events.thread_event(thread, events.POLL_CREATED, {"poll": poll.pk})
    return poll


def poll_voter(actor: User, poll: Poll) -> str:
    return f"org:{actor.organisation_id}" if poll.voters == Poll.Voters.CITY else f"user:{actor.pk}"


@transaction.atomic
def poll_vote(*, actor: User, poll: Poll, option_ids: Iterable[int]) -> PollBallot:
    """Answer a poll, or change one's answer while it is open.

    Writes the ``PollBallot`` of the actor (per-person polls) or of the actor's
    city (per-city polls: only its ICT lead or substitute answers, once for the
    city; the one who answered may change it). Sends ``poll.results`` when the
    results are shown live. Raises ``ValidationError`` saying why an answer is
    refused.
    """
    thread = lock_thread(poll.thread)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    poll.thread = thread
    if not permissions.is_member(actor) or not permissions.can_read_thread(actor, thread):
        raise PermissionDenied
    if not poll.is_open():
        raise ValidationError(
            _("The poll has closed.") if poll.is_closed() else _("The poll has not opened yet.")
        )
    if poll.voters == Poll.Voters.CITY and not acts_for_city(actor):
        raise ValidationError(
            _("In this poll each city answers once, by its ICT lead or their substitute.")
        )
    chosen = list(poll.options.filter(pk__in=list(option_ids)))
    if not chosen:
        raise ValidationError(_("Choose an answer first."))
    if poll.kind == Poll.Kind.SINGLE and len(chosen) > 1:
        raise ValidationError(_("Choose only one answer."))
    voter = poll_voter(actor, poll)
    ballot = PollBallot.objects.filter(poll=poll, voter=voter).select_related("user").first()
    if ballot is not None and ballot.user_id != actor.pk:
        raise ValidationError(
            _("%(name)s has already answered for your city.") % {"name": ballot.user.public_name}
        )
    if ballot is None:
        try:
            with transaction.atomic():
                ballot = PollBallot.objects.create(
                    poll=poll,
                    voter=voter,
                    user=actor,
                    organisation=actor.organisation if poll.voters == Poll.Voters.CITY else None,
                )
        except IntegrityError:
            raise ValidationError(_("Your city answered a moment ago.")) from None
    else:
        ballot.cast_at = timezone.now()
        ballot.save(update_fields=["cast_at"])
    ballot.options.set(chosen)
    if poll.shows_results:
        events.thread_event(thread, events.POLL_RESULTS, {"poll": poll.pk})
    return ballot
