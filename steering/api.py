"""The steering group in the open-data API: published meetings with their public
agenda items and approved public minutes, and the public decisions with each
city's stance and dissent.

What is shown is what is public, whoever calls: published meetings, their items
and approved minutes of the public class, decisions by ``can_read_decision``
asked for an anonymous reader.
"""

from datetime import date, datetime, time

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from needs_registry.api import MAX_PAGE_SIZE, OrganisationOut, member_or_public
from needs_registry.permissions import can_read_need
from steering import permissions
from steering.models import AgendaItem, Decision, DecisionStance, Meeting

router = Router(tags=["steering group"])
PUBLIC = AnonymousUser()


class AgendaItemOut(Schema):
    number: int
    kind: str
    title: str
    need: int | None = Field(alias="need_id", description="The need decided on, if any.")


class MinutesOut(Schema):
    text: str
    approved_at: datetime | None


class MeetingOut(Schema):
    id: int
    title: str
    held_on: date
    starts_at: time | None
    location: str
    agenda: list[AgendaItemOut] = Field(description="The items anyone may read.")
    minutes: MinutesOut | None = Field(description="Approved public minutes, once approved.")


class StanceOut(Schema):
    city: OrganisationOut
    stance: str = Field(description="for, against, abstained, blank or absent.")
    dissent: str


class DecisionOut(Schema):
    id: int
    meeting: int = Field(alias="meeting_id")
    agenda_item: str = Field(description='The section as in the minutes ("5 §").')
    text: str
    rationale: str
    need: int | None = Field(alias="need_id")
    resulting_status: str
    stances: list[StanceOut]


def _public_item(item: AgendaItem) -> bool:
    # The pages show meetings to members only; their public items are open data.
    return item.publicity in permissions.readable_publicity(PUBLIC) and (
        item.need is None or can_read_need(PUBLIC, item.need)
    )


def _meeting_out(meeting: Meeting) -> dict[str, object]:
    minutes = getattr(meeting, "minutes", None)
    shown = (
        minutes is not None
        and minutes.is_approved
        and minutes.publicity in permissions.readable_publicity(PUBLIC)
    )
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "held_on": meeting.held_on,
        "starts_at": meeting.starts_at,
        "location": meeting.location,
        "agenda": [item for item in meeting.agenda_items.all() if _public_item(item)],
        "minutes": {"text": minutes.text, "approved_at": minutes.approved_at} if shown else None,
    }


@router.get("/meetings", response=list[MeetingOut], auth=member_or_public)
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE_SIZE)
def list_meetings(request: HttpRequest):
    """Published steering group meetings, newest first."""
    meetings = (
        Meeting.objects.filter(agenda_published_at__isnull=False)
        .select_related("minutes")
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("meeting", "need").order_by("number"),
            )
        )
        .order_by("-held_on", "-pk")
    )
    return [_meeting_out(meeting) for meeting in meetings]


@router.get("/decisions", response=list[DecisionOut], auth=member_or_public)
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE_SIZE)
def list_decisions(
    request: HttpRequest,
    meeting: int | None = Query(None, ge=1, le=2**31 - 1, description="Only this meeting's."),
):
    """The steering group's public decisions, newest meeting first, with each city's stance."""
    decisions = (
        Decision.objects.filter(meeting__agenda_published_at__isnull=False)
        .select_related("meeting", "item", "need")
        .prefetch_related(
            Prefetch(
                "stances",
                queryset=DecisionStance.objects.select_related("organisation").order_by(
                    "organisation__name_fi"
                ),
            )
        )
        .order_by("-meeting__held_on", "-pk")
    )
    if meeting is not None:
        decisions = decisions.filter(meeting_id=meeting)
    return [
        {
            "id": d.pk,
            "meeting_id": d.meeting_id,
            "agenda_item": d.agenda_item,
            "text": d.text,
            "rationale": d.rationale,
            "need_id": d.need_id,
            "resulting_status": d.resulting_status,
            "stances": [
                {"city": s.organisation, "stance": s.stance, "dissent": s.dissent}
                for s in d.stances.all()
            ],
        }
        for d in decisions
        if permissions.can_read_decision(PUBLIC, d)
    ]
