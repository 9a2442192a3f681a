"""The steering group's refusals and corrections: terms that overlap, meetings moved after
their invitation went out, agenda items with decisions, minutes and ballots past their time."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AuditEntry, Role
from needs_registry import services as need_services
from notifications.models import Notification
from steering import notification_kinds, services
from steering.models import Attendance, Ballot, Nomination
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _meeting(group, **kwargs):
    return services.meeting_create(
        actor=group["people"]["coordinator"],
        title=kwargs.pop("title", "3/2026"),
        held_on=kwargs.pop("held_on", timezone.localdate() + timedelta(days=7)),
        **kwargs,
    )


def _submitted_need(group, title="Asianhallinta"):
    lead = group["people"]["pori_lead"]
    need = need_services.need_create(
        actor=lead,
        data={"title": title, "problem": "p", "desired_outcome": "o", "domain": "ict"},
    )
    return need_services.need_transition(actor=lead, need=need, to_status="submitted")


def test_a_term_that_overlaps_a_closed_one_is_refused_and_a_term_ends_after_it_starts(group):
    people, pori = group["people"], group["cities"]["pori"]
    coordinator = people["coordinator"]
    current = Nomination.objects.get(person=people["pori_deputy"])
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        services.nomination_end(
            actor=coordinator, nomination=current, ends_on=current.starts_on - timedelta(days=1)
        )
    assert "ends_on" in refused.value.message_dict
    ended = services.nomination_end(
        actor=coordinator, nomination=current, ends_on=today + timedelta(days=10)
    )
    assert ended.ends_on == today + timedelta(days=10)
    assert AuditEntry.objects.filter(
        target=f"organisation:{pori.pk}", summary__contains="ends"
    ).exists()
    # The closed term keeps its end: a new deputy from inside it is refused, from after it taken.
    newcomer = UserFactory(organisation=pori, roles=[Role.STEERING_GROUP])
    with pytest.raises(ValidationError) as overlap:
        services.nomination_record(
            actor=coordinator, organisation=pori, person=newcomer, seat="deputy", starts_on=today
        )
    assert "starts_on" in overlap.value.message_dict
    with pytest.raises(ValidationError):
        services.nomination_record(
            actor=coordinator,
            organisation=pori,
            person=newcomer,
            seat="deputy",
            starts_on=today + timedelta(days=20),
            ends_on=today + timedelta(days=19),
        )
    services.nomination_record(
        actor=coordinator,
        organisation=pori,
        person=newcomer,
        seat="deputy",
        starts_on=today + timedelta(days=11),
    )
    assert Nomination.objects.filter(organisation=pori, seat="deputy").count() == 2
    # Only the city's own people and only its ICT lead or the coordinator.
    with pytest.raises(PermissionDenied):
        services.nomination_end(actor=people["expert"], nomination=current, ends_on=today)


def test_only_a_member_city_has_a_seat(group):
    office = group["hameenlinna"]
    person = UserFactory(organisation=office)
    with pytest.raises(ValidationError) as refused:
        services.nomination_record(
            actor=group["people"]["coordinator"],
            organisation=office,
            person=person,
            seat="representative",
            starts_on=timezone.localdate(),
        )
    assert "organisation" in refused.value.message_dict


def test_moving_a_published_meeting_raises_its_invitation_sequence_and_is_audited(group):
    coordinator = group["people"]["coordinator"]
    meeting = _meeting(group, starts_at=time(13), ends_at=time(15), location="Hämeenlinna")
    with pytest.raises(ValidationError) as refused:
        services.meeting_create(
            actor=coordinator,
            title="x",
            held_on=timezone.localdate(),
            starts_at=time(15),
            ends_at=time(13),
        )
    assert "ends_at" in refused.value.message_dict
    services.agenda_item_add(actor=coordinator, meeting=meeting, kind="budget", title="Talous")
    meeting = services.agenda_publish(actor=coordinator, meeting=meeting)
    sequence = meeting.sequence
    # Publishing twice changes nothing.
    assert services.agenda_publish(actor=coordinator, meeting=meeting).sequence == sequence
    moved = services.meeting_update(
        actor=coordinator,
        meeting=meeting,
        title=meeting.title,
        held_on=meeting.held_on + timedelta(days=1),
        starts_at=time(13),
        ends_at=time(15),
        location="Teams",
    )
    assert moved.sequence == sequence + 1
    entry = AuditEntry.objects.filter(target=f"meeting:{meeting.pk}").latest("pk")
    assert entry.summary == "changed: held_on, location"
    assert entry.data["before"]["location"] == "Hämeenlinna"
    # Saving it unchanged writes nothing new.
    services.meeting_update(
        actor=coordinator,
        meeting=moved,
        title=moved.title,
        held_on=moved.held_on,
        starts_at=time(13),
        ends_at=time(15),
        location="Teams",
    )
    moved.refresh_from_db()
    assert moved.sequence == sequence + 1
    with pytest.raises(PermissionDenied):
        services.meeting_update(
            actor=group["people"]["expert"],
            meeting=moved,
            title="x",
            held_on=moved.held_on,
        )


def test_the_agenda_takes_needs_awaiting_decision_and_keeps_decided_items(group):
    coordinator = group["people"]["coordinator"]
    meeting = _meeting(group)
    with pytest.raises(ValidationError):
        services.agenda_publish(actor=coordinator, meeting=meeting)
    with pytest.raises(ValidationError) as no_need:
        services.agenda_item_add(actor=coordinator, meeting=meeting, kind="need")
    assert "need" in no_need.value.message_dict
    lead = group["people"]["pori_lead"]
    draft = need_services.need_create(
        actor=lead,
        data={"title": "Luonnos", "problem": "p", "desired_outcome": "o", "domain": "ict"},
    )
    with pytest.raises(ValidationError):
        services.agenda_item_add(actor=coordinator, meeting=meeting, kind="need", need=draft)
    with pytest.raises(PermissionDenied):
        services.agenda_item_add(actor=lead, meeting=meeting, kind="other", title="x")
    need = _submitted_need(group)
    item = services.agenda_item_add(actor=coordinator, meeting=meeting, kind="need", need=need)
    other = services.agenda_item_add(
        actor=coordinator, meeting=meeting, kind="reports", title="Raportit", need=need
    )
    assert other.need is None  # a general matter is not about a need
    services.agenda_item_remove(actor=coordinator, item=other)
    assert [i.number for i in meeting.agenda_items.all()] == [1]
    services.decision_record(
        actor=group["people"]["pori_representative"],
        meeting=meeting,
        item=item,
        agenda_item="",
        text="Hyväksytään.",
        resulting_status="accepted",
    )
    with pytest.raises(ValidationError):
        services.agenda_item_remove(actor=coordinator, item=item)
    assert meeting.agenda_items.count() == 1
    with pytest.raises(PermissionDenied):
        services.agenda_item_remove(actor=lead, item=item)


def test_a_decision_takes_its_item_from_this_meeting_and_a_status_the_need_can_reach(group):
    chair = group["people"]["pori_representative"]
    coordinator = group["people"]["coordinator"]
    first, second = _meeting(group), _meeting(group, title="4/2026")
    need = _submitted_need(group)
    item = services.agenda_item_add(actor=coordinator, meeting=first, kind="need", need=need)
    with pytest.raises(ValidationError) as elsewhere:
        services.decision_record(actor=chair, meeting=second, item=item, agenda_item="", text="x")
    assert "item" in elsewhere.value.message_dict
    with pytest.raises(ValidationError) as status:
        services.decision_record(
            actor=chair,
            meeting=first,
            item=item,
            agenda_item="",
            text="x",
            resulting_status="done",
        )
    assert "resulting_status" in status.value.message_dict
    with pytest.raises(PermissionDenied):
        services.decision_record(
            actor=group["people"]["expert"], meeting=first, item=item, agenda_item="", text="x"
        )
    # A general matter is decided without moving any need.
    general = services.agenda_item_add(
        actor=coordinator, meeting=first, kind="budget", title="Talousarvio 2027"
    )
    decision = services.decision_record(
        actor=chair,
        meeting=first,
        item=general,
        agenda_item="",
        text="Hyväksytään talousarvio.",
        resulting_status="accepted",
    )
    assert (decision.need, decision.resulting_status, decision.agenda_item) == (None, "", "2 §")
    need.refresh_from_db()
    assert need.status == "submitted"


def test_a_city_recorded_absent_and_minutes_with_an_attachment_until_approved(group):
    people, cities = group["people"], group["cities"]
    coordinator = people["coordinator"]
    meeting = _meeting(group, held_on=timezone.localdate() - timedelta(days=7))
    services.attendance_set(
        actor=coordinator,
        meeting=meeting,
        organisation=cities["kajaani"],
        person=people["kajaani_deputy"],
    )
    assert (
        services.attendance_set(
            actor=coordinator, meeting=meeting, organisation=cities["kajaani"], person=None
        )
        is None
    )
    assert not Attendance.objects.filter(meeting=meeting).exists()
    with pytest.raises(PermissionDenied):
        services.attendance_set(
            actor=people["expert"], meeting=meeting, organisation=cities["pori"], person=None
        )
    minutes = services.minutes_save(
        actor=coordinator, meeting=meeting, text="Pöytäkirja", publicity="members"
    )
    attachment = services.minutes_attachment_add(
        actor=coordinator,
        minutes=minutes,
        upload=SimpleUploadedFile("liite.png", PNG, content_type="image/png"),
    )
    assert (attachment.original_name, attachment.content_type) == ("liite.png", "image/png")
    assert "liite" not in attachment.file.name  # stored under a random name
    with pytest.raises(PermissionDenied):
        services.minutes_attachment_add(
            actor=people["pori_lead"],
            minutes=minutes,
            upload=SimpleUploadedFile("b.png", PNG, content_type="image/png"),
        )
    later = _meeting(group, held_on=timezone.localdate())
    services.minutes_approve(actor=people["pori_representative"], minutes=minutes, at_meeting=later)
    with pytest.raises(ValidationError):
        services.minutes_approve(
            actor=people["pori_representative"], minutes=minutes, at_meeting=later
        )
    with pytest.raises(ValidationError):
        services.minutes_attachment_add(
            actor=coordinator,
            minutes=minutes,
            upload=SimpleUploadedFile("c.png", PNG, content_type="image/png"),
        )
    assert minutes.attachments.count() == 1


def test_a_ballot_must_close_in_the_future_on_a_need_awaiting_decision(group):
    chair = group["people"]["pori_representative"]
    now = timezone.now()
    with pytest.raises(ValidationError) as past:
        services.ballot_open(actor=chair, title="t", proposal="p", closes_at=now)
    assert "closes_at" in past.value.message_dict
    lead = group["people"]["pori_lead"]
    draft = need_services.need_create(
        actor=lead,
        data={"title": "Luonnos", "problem": "p", "desired_outcome": "o", "domain": "ict"},
    )
    with pytest.raises(ValidationError) as not_waiting:
        services.ballot_open(
            actor=chair, title="t", proposal="p", closes_at=now + timedelta(days=2), need=draft
        )
    assert "need" in not_waiting.value.message_dict
    with pytest.raises(PermissionDenied):
        services.ballot_open(actor=lead, title="t", proposal="p", closes_at=now + timedelta(days=2))
    assert not Ballot.objects.exists()
    ballot = services.ballot_open(
        actor=chair, title="t", proposal="p", closes_at=now + timedelta(days=2)
    )
    with pytest.raises(ValidationError) as dissent:
        services.ballot_vote(actor=chair, ballot=ballot, stance="for", dissent="Eriävä")
    assert "dissent" in dissent.value.message_dict
    assert not ballot.votes.exists()


def test_the_chair_closes_an_ended_ballot_once_and_its_result_counts_for_and_against(
    group, django_capture_on_commit_callbacks
):
    people = group["people"]
    ballot = services.ballot_open(
        actor=people["pori_representative"],
        title="t",
        proposal="p",
        closes_at=timezone.now() + timedelta(days=2),
    )
    services.ballot_vote(actor=people["pori_representative"], ballot=ballot, stance="against")
    services.ballot_vote(actor=people["porvoo_representative"], ballot=ballot, stance="against")
    after = ballot.closes_at + timedelta(minutes=1)
    with pytest.raises(PermissionDenied):
        services.ballot_close(actor=people["pori_lead"], ballot=ballot, now=after)
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.ballot_close(
            actor=people["pori_representative"], ballot=ballot, now=after
        )
    assert (closed.result, closed.cities_total) == (Ballot.Result.REJECTED, 3)
    assert Notification.objects.filter(
        user=people["kajaani_deputy"], kind=notification_kinds.BALLOT_CLOSED
    ).exists()
    # Closing again, or the deadline run, changes nothing.
    again = services.ballot_close(actor=people["pori_representative"], ballot=ballot, now=after)
    assert again.closed_at == closed.closed_at
    assert services.ballot_deadlines(now=after) == {"reminded": 0, "closed": 0}


def test_a_calendar_address_is_renewed_for_city_members_only(group):
    member = group["people"]["expert"]
    first = services.calendar_token_renew(actor=member)
    second = services.calendar_token_renew(actor=member)
    assert first.pk == second.pk and first.token != second.token
    outsider = UserFactory(organisation=None)  # signed in, of no organisation
    with pytest.raises(PermissionDenied):
        services.calendar_token_renew(actor=outsider)


def test_a_city_nobody_sat_for_is_recorded_absent_in_a_decision(group):
    people, cities = group["people"], group["cities"]
    meeting = _meeting(group, held_on=timezone.localdate())
    services.attendance_set(
        actor=people["coordinator"],
        meeting=meeting,
        organisation=cities["pori"],
        person=people["pori_representative"],
    )
    with pytest.raises(ValidationError) as refused:
        services.decision_record(
            actor=people["pori_representative"],
            meeting=meeting,
            agenda_item="1 §",
            text="Hyväksytään talousarvio.",
            stances={cities["pori"].pk: "for", cities["kajaani"].pk: "for"},
        )
    assert "stances" in refused.value.message_dict
    assert not meeting.decisions.exists()
    decision = services.decision_record(
        actor=people["pori_representative"],
        meeting=meeting,
        agenda_item="1 §",
        text="Hyväksytään talousarvio.",
        stances={cities["pori"].pk: "for", cities["kajaani"].pk: "absent"},
    )
    assert {s.organisation_id: s.stance for s in decision.stances.all()} == {
        cities["pori"].pk: "for",
        cities["kajaani"].pk: "absent",
    }
