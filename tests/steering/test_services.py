from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from accounts.models import AuditEntry, Role, User
from needs_registry import services as need_services
from notifications.models import Notification
from steering import notification_kinds, selectors, services
from steering.models import Ballot, BallotVote, Nomination
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_quorum_is_more_than_half_by_default_and_configurable():
    assert [selectors.quorum_needed(n) for n in (1, 2, 3, 10)] == [1, 2, 2, 6]
    assert not selectors.quorum_met(5, 10)
    assert selectors.quorum_met(6, 10)
    with override_settings(STEERING_QUORUM=(2, 3)):
        assert selectors.quorum_needed(9) == 7


def test_a_new_nomination_ends_the_previous_term_and_the_roster_shows_it(group):
    pori = group["cities"]["pori"]
    lead = group["people"]["pori_lead"]
    newcomer = UserFactory(organisation=pori, roles=[Role.STEERING_GROUP])
    today = timezone.localdate()
    services.nomination_record(
        actor=lead, organisation=pori, person=newcomer, seat="representative", starts_on=today
    )
    previous = Nomination.objects.get(person=group["people"]["pori_representative"])
    assert previous.ends_on == today - timedelta(days=1)
    row = next(r for r in selectors.roster() if r.city == pori)
    assert row.representative.person == newcomer
    assert row.deputy.person == group["people"]["pori_deputy"]
    assert AuditEntry.objects.filter(target=f"organisation:{pori.pk}").exists()


def test_a_city_nominates_only_its_own_people(group):
    lead = group["people"]["pori_lead"]
    porvoo = group["cities"]["porvoo"]
    with pytest.raises(PermissionDenied):
        services.nomination_record(
            actor=lead,
            organisation=porvoo,
            person=group["people"]["expert"],
            seat="deputy",
            starts_on=timezone.localdate(),
        )
    with pytest.raises(ValidationError):
        services.nomination_record(
            actor=group["people"]["coordinator"],
            organisation=porvoo,
            person=lead,  # from Pori
            seat="deputy",
            starts_on=timezone.localdate(),
        )


def _ballot(group, **kwargs):
    return services.ballot_open(
        actor=group["people"]["pori_representative"],
        title="Hankinta",
        proposal="Hyväksytään",
        closes_at=timezone.now() + timedelta(days=3),
        **kwargs,
    )


def test_opening_a_ballot_notifies_everyone_with_a_seat(group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ballot = _ballot(group)
    told = set(
        Notification.objects.filter(url=ballot.get_absolute_url()).values_list("user", flat=True)
    )
    seated = {p.pk for k, p in group["people"].items() if k.endswith(("representative", "deputy"))}
    assert told == seated - {group["people"]["pori_representative"].pk}
    assert group["people"]["expert"].pk not in told


def test_each_city_votes_once_by_representative_or_deputy(group):
    ballot = _ballot(group)
    people = group["people"]
    services.ballot_vote(actor=people["pori_deputy"], ballot=ballot, stance="for")
    with pytest.raises(ValidationError):
        services.ballot_vote(actor=people["pori_representative"], ballot=ballot, stance="against")
    assert BallotVote.objects.get(ballot=ballot).seat == "deputy"
    # No seat, no vote; a seat without the IAM's role, no vote either.
    with pytest.raises(PermissionDenied):
        services.ballot_vote(actor=people["expert"], ballot=ballot, stance="for")
    people["porvoo_representative"].roles.all().delete()
    without_role = User.objects.get(pk=people["porvoo_representative"].pk)
    with pytest.raises(PermissionDenied):
        services.ballot_vote(actor=without_role, ballot=ballot, stance="for")


def test_a_deputy_votes_only_when_the_ballot_allows_it(group):
    ballot = _ballot(group, deputies_may_vote=False)
    with pytest.raises(PermissionDenied):
        services.ballot_vote(actor=group["people"]["pori_deputy"], ballot=ballot, stance="for")
    services.ballot_vote(actor=group["people"]["pori_representative"], ballot=ballot, stance="for")
    assert ballot.votes.count() == 1


def test_the_ballot_closes_when_every_city_has_voted(group, django_capture_on_commit_callbacks):
    ballot = _ballot(group)
    people = group["people"]
    services.ballot_vote(actor=people["pori_representative"], ballot=ballot, stance="for")
    services.ballot_vote(actor=people["porvoo_deputy"], ballot=ballot, stance="for")
    ballot.refresh_from_db()
    assert ballot.closed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        services.ballot_vote(
            actor=people["kajaani_representative"],
            ballot=ballot,
            stance="against",
            dissent="Kustannukset puuttuvat.",
        )
    ballot.refresh_from_db()
    assert ballot.result == Ballot.Result.PASSED
    assert ballot.cities_total == 3
    assert BallotVote.objects.get(organisation=group["cities"]["kajaani"]).dissent
    assert Notification.objects.filter(
        user=people["pori_representative"],
        url=ballot.get_absolute_url(),
        kind=notification_kinds.BALLOT_CLOSED,
    ).exists()


def test_deadlines_remind_those_who_have_not_voted_and_close_without_quorum(group):
    ballot = _ballot(group)
    people = group["people"]
    services.ballot_vote(actor=people["pori_representative"], ballot=ballot, stance="for")
    before = Notification.objects.count()
    assert services.ballot_deadlines(now=ballot.closes_at - timedelta(hours=2)) == {
        "reminded": 1,
        "closed": 0,
    }
    reminded = set(
        Notification.objects.all()[: Notification.objects.count() - before].values_list(
            "user", flat=True
        )
    )
    assert people["pori_deputy"].pk not in reminded
    assert people["porvoo_representative"].pk in reminded
    # A second run sends nothing more.
    assert services.ballot_deadlines(now=ballot.closes_at - timedelta(hours=1))["reminded"] == 0
    with pytest.raises(ValidationError):
        services.ballot_close(actor=people["pori_representative"], ballot=ballot)
    assert services.ballot_deadlines(now=ballot.closes_at + timedelta(minutes=1))["closed"] == 1
    ballot.refresh_from_db()
    assert ballot.result == Ballot.Result.NO_QUORUM  # 1 of 3 cities


def test_a_meeting_from_agenda_to_approved_minutes(group, django_capture_on_commit_callbacks):
    people = group["people"]
    chair = people["pori_representative"]
    need = need_services.need_create(
        actor=people["pori_lead"],
        data={"title": "Asianhallinta", "problem": "p", "desired_outcome": "o", "domain": "ict"},
    )
    need = need_services.need_transition(
        actor=people["pori_lead"], need=need, to_status="submitted"
    )
    first = services.meeting_create(
        actor=people["coordinator"],
        title="1/2026",
        held_on=timezone.localdate() - timedelta(days=30),
    )
    item = services.agenda_item_add(
        actor=people["coordinator"], meeting=first, kind="need", need=need
    )
    secret = services.agenda_item_add(
        actor=people["coordinator"],
        meeting=first,
        kind="procurement",
        title="Tarjousvertailu",
        publicity="steering",
    )
    assert (item.number, item.title, secret.number) == (1, "Asianhallinta", 2)
    assert selectors.meeting_list(viewer=people["expert"]).count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_publish(actor=people["coordinator"], meeting=first)
    assert Notification.objects.filter(user=chair, url=first.get_absolute_url()).exists()
    assert [i.title for i in selectors.agenda(viewer=people["expert"], meeting=first)] == [
        "Asianhallinta"
    ]
    assert len(selectors.agenda(viewer=chair, meeting=first)) == 2
    for slug in ("pori", "porvoo"):
        services.attendance_set(
            actor=people["coordinator"],
            meeting=first,
            organisation=group["cities"][slug],
            person=people[f"{slug}_deputy"],
        )
    with pytest.raises(ValidationError):
        services.attendance_set(
            actor=people["coordinator"],
            meeting=first,
            organisation=group["cities"]["kajaani"],
            person=people["expert"],
        )
    cities = group["cities"]
    decision = services.decision_record(
        actor=chair,
        meeting=first,
        item=item,
        agenda_item="1 §",
        text="Hyväksytään kehitysjonoon.",
        resulting_status="accepted",
        stances={cities["pori"].pk: "for", cities["porvoo"].pk: "against"},
        dissents={cities["porvoo"].pk: "Ei rahoitusta."},
    )
    need.refresh_from_db()
    assert need.status == "accepted"
    assert decision.stances.get(organisation=cities["porvoo"]).dissent == "Ei rahoitusta."
    with pytest.raises(ValidationError):
        services.decision_record(
            actor=chair,
            meeting=first,
            item=secret,
            agenda_item="2 §",
            text="x",
            stances={cities["pori"].pk: "for"},
            dissents={cities["pori"].pk: "eriävä"},
        )
    minutes = services.minutes_save(
        actor=people["coordinator"], meeting=first, text="Pöytäkirja", publicity="public"
    )
    assert selectors.minutes_for(viewer=people["expert"], meeting=first) is None
    second = services.meeting_create(
        actor=people["coordinator"],
        title="2/2026",
        held_on=timezone.localdate(),
    )
    upcoming = services.meeting_create(
        actor=people["coordinator"],
        title="3/2026",
        held_on=timezone.localdate() + timedelta(days=30),
    )
    with pytest.raises(ValidationError, match=r"pidetty|has been held"):
        services.minutes_approve(actor=chair, minutes=minutes, at_meeting=upcoming)
    with pytest.raises(PermissionDenied):
        services.minutes_approve(actor=people["coordinator"], minutes=minutes, at_meeting=second)
    with pytest.raises(ValidationError):
        services.minutes_approve(actor=chair, minutes=minutes, at_meeting=first)
    services.minutes_approve(actor=chair, minutes=minutes, at_meeting=second)
    assert selectors.minutes_for(viewer=people["expert"], meeting=first) == minutes
    with pytest.raises(ValidationError):
        services.minutes_save(
            actor=people["coordinator"], meeting=first, text="x", publicity="public"
        )


def test_a_city_that_left_has_no_seat(group):
    gone = OrganisationFactory(slug="paltamo", left_on=timezone.localdate() - timedelta(days=1))
    assert gone not in selectors.member_cities()


def test_the_deadline_command_closes_an_ended_ballot(group):
    from django.core.management import call_command

    ballot = _ballot(group)
    Ballot.objects.filter(pk=ballot.pk).update(
        opens_at=timezone.now() - timedelta(days=4), closes_at=timezone.now() - timedelta(days=1)
    )
    call_command("steering_deadlines")
    ballot.refresh_from_db()
    assert ballot.result == Ballot.Result.NO_QUORUM
