"""The steering group's pages: roster, meetings from agenda to approved minutes,
calendar invitations and feeds, and electronic decisions.

Each view parses its form, calls one service, and renders or redirects; a form
refused by its service is shown again with what was typed (status 400).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.ratelimit import rate_limit
from downloads.responses import file_download
from frontend.forms import add_service_errors
from frontend.params import text_param
from needs_registry.selectors import need_get_for_viewer
from steering import calendar, permissions, selectors, services
from steering.forms import (
    AgendaItemForm,
    AttendanceForm,
    BallotForm,
    BallotVoteForm,
    DecisionForm,
    MeetingForm,
    MinutesApproveForm,
    MinutesAttachmentForm,
    MinutesForm,
    NominationEndForm,
    NominationForm,
)
from steering.models import Meeting, Nomination


def crumbs(*items):
    return [(_("Steering group"), reverse("steering:roster")), *items]


def _nominable_people(user: User):
    people = User.objects.filter(is_active=True, organisation__kind="city").select_related(
        "organisation"
    )
    if not user.has_role("project_coordinator"):
        people = people.filter(organisation_id=user.organisation_id)
    return people.order_by("organisation__name_fi", "display_name")


@login_required
@rate_limit("steering", form=NominationForm)
def roster(request: HttpRequest) -> HttpResponse:
    """The member cities' representatives and deputies, with their terms and the quorum."""
    user = request.user
    if not permissions.can_read_roster(user):
        raise Http404
    may_nominate = permissions.can_nominate(user, user.organisation_id)
    form = (
        NominationForm(request.POST or None, people=_nominable_people(user))
        if may_nominate
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            person = form.cleaned_data["person"]
            try:
                services.nomination_record(
                    actor=user,
                    organisation=person.organisation,
                    person=person,
                    seat=form.cleaned_data["seat"],
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The nomination was recorded."))
                return redirect("steering:roster")
    rows = selectors.roster()
    total = len(rows)
    return render(
        request,
        "steering/roster.html",
        {
            "rows": rows,
            "form": form,
            "end_form": NominationEndForm() if may_nominate else None,
            "quorum": selectors.quorum_needed(total) if total else 0,
            "total": total,
            "breadcrumbs": crumbs((_("Roster"), None)),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
@rate_limit("steering")
def nomination_end(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = Nomination.objects.filter(pk=pk).first()
    if nomination is None or not permissions.can_read_roster(request.user):
        raise Http404
    form = NominationEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date the term ends."))
        return redirect("steering:roster")
    try:
        services.nomination_end(
            actor=request.user, nomination=nomination, ends_on=form.cleaned_data["ends_on"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The term was ended."))
    return redirect("steering:roster")


@login_required
@rate_limit("steering", form=MeetingForm)
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.is_city_member(user):
        raise Http404
    form = MeetingForm(request.POST or None) if permissions.can_record_meeting(user) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                meeting = services.meeting_create(actor=user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("steering:meeting_detail", pk=meeting.pk)
    feed = selectors.calendar_feed_for(user)
    return render(
        request,
        "steering/meeting_list.html",
        {
            "meetings": selectors.meeting_list(viewer=user),
            "form": form,
            "feed_url": request.build_absolute_uri(
                reverse("steering:calendar_feed", args=[feed.token])
            )
            if feed
            else None,
            "breadcrumbs": crumbs((_("Meetings"), None)),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _meeting_page(request: HttpRequest, meeting: Meeting, status: int = 200, **forms):
    """The meeting's page: agenda, attendance, decisions, minutes, and the forms of
    those who run it (``forms`` replaces a form with the one that was refused)."""
    user = request.user
    manages = permissions.can_record_meeting(user)
    steers = permissions.can_steer(user)
    items = selectors.agenda(viewer=user, meeting=meeting)
    minutes = selectors.minutes_for(viewer=user, meeting=meeting)
    rows = selectors.roster(meeting.held_on) if manages else []
    attendance = selectors.attendance(meeting=meeting)
    later_meetings = (
        selectors.meetings_to_approve_at(meeting=meeting)
        if steers and minutes and not minutes.is_approved
        else []
    )
    context = {
        "meeting": meeting,
        "items": items,
        "decisions": selectors.meeting_decisions(viewer=user, meeting=meeting),
        "attendance": attendance,
        "represented": len(attendance),
        "quorum": selectors.quorum_needed(len(rows) or selectors.member_cities().count()),
        "minutes": minutes,
        "minutes_attachments": list(minutes.attachments.all()) if minutes else [],
        "awaiting_approval": (
            selectors.minutes_awaiting_approval(before=meeting) if steers else []
        ),
        "manages": manages,
        "steers": steers,
        "meeting_form": MeetingForm(
            initial={
                "title": meeting.title,
                "held_on": meeting.held_on,
                "starts_at": meeting.starts_at,
                "ends_at": meeting.ends_at,
                "location": meeting.location,
            },
            prefix="meeting",
        )
        if manages
        else None,
        "agenda_form": AgendaItemForm(prefix="agenda") if manages else None,
        "attendance_form": AttendanceForm(
            rows=rows,
            prefix="attendance",
            initial={f"city_{a.organisation_id}": str(a.person_id) for a in attendance},
        )
        if manages
        else None,
        "decision_form": DecisionForm(
            prefix="decision",
            items=items,
            cities=selectors.member_cities(meeting.held_on),
        )
        if steers and items
        else None,
        "minutes_form": MinutesForm(
            prefix="minutes",
            initial={"text": minutes.text, "publicity": minutes.publicity} if minutes else None,
        )
        if manages and not (minutes and minutes.is_approved)
        else None,
        "attachment_form": MinutesAttachmentForm(prefix="file")
        if manages and minutes and not minutes.is_approved
        else None,
        "approve_form": MinutesApproveForm(prefix="approve", meetings=later_meetings)
        if later_meetings
        else None,
        "breadcrumbs": crumbs(
            (_("Meetings"), reverse("steering:meeting_list")), (str(meeting), None)
        ),
    }
    context.update(forms)
    return render(request, "steering/meeting_detail.html", context, status=status)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(viewer=request.user, pk=pk)
    return _meeting_page(request, meeting)


def _manage(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.meeting_get(viewer=request.user, pk=pk)
    if not permissions.can_record_meeting(request.user):
        raise PermissionDenied
    return meeting


@login_required
@require_POST
@rate_limit("steering", form=MeetingForm)
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a meeting's title, date, time or place (the change is audited)."""
    meeting = _manage(request, pk)
    form = MeetingForm(request.POST, prefix="meeting")
    if form.is_valid():
        try:
            services.meeting_update(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting was saved."))
            return redirect("steering:meeting_detail", pk=meeting.pk)
    return _meeting_page(request, meeting, status=400, meeting_form=form)


@login_required
@require_POST
@rate_limit("steering", form=AgendaItemForm)
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _manage(request, pk)
    form = AgendaItemForm(request.POST, prefix="agenda")
    if form.is_valid():
        data = form.cleaned_data
        need = None
        try:
            if data["kind"] == "need":
                need = need_get_for_viewer(viewer=request.user, pk=data["need"])
        except Http404:
            form.add_error("need", _("There is no need with that number."))
        else:
            try:
                services.agenda_item_add(
                    actor=request.user,
                    meeting=meeting,
                    kind=data["kind"],
                    title=data["title"],
                    need=need,
                    proposal=data["proposal"],
                    publicity=data["publicity"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The item was added to the agenda."))
                return redirect(reverse("steering:meeting_detail", args=[pk]) + "#agenda")
    return _meeting_page(request, meeting, status=400, agenda_form=form)


@login_required
@require_POST
@rate_limit("steering")
def agenda_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _manage(request, pk)
    item = meeting.agenda_items.filter(pk=item_pk).first()
    if item is None:
        raise Http404
    try:
        services.agenda_item_remove(actor=request.user, item=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The item was removed from the agenda."))
    return redirect(reverse("steering:meeting_detail", args=[pk]) + "#agenda")


@login_required
@require_POST
@rate_limit("steering")
def agenda_publish(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _manage(request, pk)
    try:
        services.agenda_publish(actor=request.user, meeting=meeting)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The agenda was published and the members invited."))
    return redirect("steering:meeting_detail", pk=pk)


@login_required
@require_POST
@rate_limit("steering")
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _manage(request, pk)
    rows = selectors.roster(meeting.held_on)
    form = AttendanceForm(request.POST, rows=rows, prefix="attendance")
    if form.is_valid():
        cities = {row.city.pk: row.city for row in rows}
        people = {
            u.pk: u for u in User.objects.filter(pk__in=[p for p in form.chosen().values() if p])
        }
        try:
            for city_id, person_id in form.chosen().items():
                services.attendance_set(
                    actor=request.user,
                    meeting=meeting,
                    organisation=cities[city_id],
                    person=people.get(person_id) if person_id else None,
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The attendance was saved."))
            return redirect(reverse("steering:meeting_detail", args=[pk]) + "#attendance")
    return _meeting_page(request, meeting, status=400, attendance_form=form)


@login_required
@require_POST
@rate_limit("steering", form=DecisionForm)
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(viewer=request.user, pk=pk)
    if not permissions.can_steer(request.user):
        raise PermissionDenied
    items = selectors.agenda(viewer=request.user, meeting=meeting)
    form = DecisionForm(
        request.POST,
        prefix="decision",
        items=items,
        cities=selectors.member_cities(meeting.held_on),
    )
    if form.is_valid():
        item = next(i for i in items if i.pk == form.cleaned_data["item"])
        try:
            services.decision_record(
                actor=request.user,
                meeting=meeting,
                item=item,
                agenda_item=f"{item.number} §",
                text=form.cleaned_data["text"],
                rationale=form.cleaned_data["rationale"],
                resulting_status=form.cleaned_data["resulting_status"],
                stances=form.stances(),
                dissents=form.dissents(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect(reverse("steering:meeting_detail", args=[pk]) + "#decisions")
    return _meeting_page(request, meeting, status=400, decision_form=form)


@login_required
@require_POST
@rate_limit("steering", form=MinutesForm)
def minutes_save(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _manage(request, pk)
    form = MinutesForm(request.POST, prefix="minutes")
    if form.is_valid():
        try:
            services.minutes_save(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The minutes were saved."))
            return redirect(reverse("steering:meeting_detail", args=[pk]) + "#minutes")
    return _meeting_page(request, meeting, status=400, minutes_form=form)


@login_required
@require_POST
@rate_limit("attachment")
def minutes_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _manage(request, pk)
    minutes = selectors.minutes_for(viewer=request.user, meeting=meeting)
    if minutes is None:
        raise Http404
    form = MinutesAttachmentForm(request.POST, request.FILES, prefix="file")
    if form.is_valid():
        try:
            services.minutes_attachment_add(
                actor=request.user, minutes=minutes, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The file was attached."))
            return redirect(reverse("steering:meeting_detail", args=[pk]) + "#minutes")
    return _meeting_page(request, meeting, status=400, attachment_form=form)


@login_required
@require_POST
@rate_limit("steering")
def minutes_approve(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(viewer=request.user, pk=pk)
    if not permissions.can_steer(request.user):
        raise PermissionDenied
    minutes = selectors.minutes_for(viewer=request.user, meeting=meeting)
    if minutes is None:
        raise Http404
    later = selectors.meetings_to_approve_at(meeting=meeting)
    form = MinutesApproveForm(request.POST, prefix="approve", meetings=later)
    if form.is_valid():
        at_meeting = next(m for m in later if m.pk == form.cleaned_data["at_meeting"])
        try:
            services.minutes_approve(actor=request.user, minutes=minutes, at_meeting=at_meeting)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The minutes were approved."))
            return redirect(reverse("steering:meeting_detail", args=[pk]) + "#minutes")
    return _meeting_page(request, meeting, status=400, approve_form=form)


@login_required
def minutes_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = selectors.minutes_attachment_get(viewer=request.user, pk=pk)
    return file_download(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's invitation to import into a calendar, once its agenda is published."""
    meeting = selectors.meeting_get(viewer=request.user, pk=pk)
    if not meeting.is_published:
        raise Http404
    items = selectors.agenda(viewer=request.user, meeting=meeting)
    body = calendar.invitation(meeting, items, base_url=request.build_absolute_uri("/")[:-1])
    return _ics(body, f"meeting-{meeting.pk}.ics")


@rate_limit("api", methods=("GET",))
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A member's personal feed of published meetings, read by calendar apps without a
    session: the token is the key, and renewing it revokes the old address."""
    user = selectors.calendar_user(token)
    meetings = selectors.calendar_meetings(viewer=user)
    body = calendar.feed(
        meetings,
        name=_("Steering group meetings"),
        base_url=request.build_absolute_uri("/")[:-1],
    )
    return _ics(body, "steering.ics")


@login_required
@require_POST
@rate_limit("steering")
def calendar_renew(request: HttpRequest) -> HttpResponse:
    services.calendar_token_renew(actor=request.user)
    messages.success(request, _("Your calendar address was renewed; the old one no longer works."))
    return redirect("steering:meeting_list")


@login_required
@rate_limit("suggest", methods=("GET",))
def need_search(request: HttpRequest) -> JsonResponse:
    """Needs awaiting decision for the agenda's search box (the steering group's only)."""
    if not permissions.can_record_meeting(request.user):
        raise Http404
    query = text_param(request, "q", max_length=200)
    needs = selectors.needs_awaiting_decision(viewer=request.user, query=query)
    return JsonResponse(
        {
            "results": [
                {
                    "id": need.pk,
                    "label": f"#{need.pk} {need.title}",
                    "organisation": need.organisation.name,
                    "status": need.get_status_display(),
                }
                for need in needs
            ]
        }
    )


@login_required
@rate_limit("steering", form=BallotForm)
def ballot_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.is_city_member(user):
        raise Http404
    form = BallotForm(request.POST or None) if permissions.can_steer(user) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = dict(form.cleaned_data)
            need = None
            try:
                if data.pop("need"):
                    need = need_get_for_viewer(viewer=user, pk=form.cleaned_data["need"])
            except Http404:
                form.add_error("need", _("There is no need with that number."))
            else:
                try:
                    ballot = services.ballot_open(actor=user, need=need, **data)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("The electronic decision was opened."))
                    return redirect(ballot.get_absolute_url())
    return render(
        request,
        "steering/ballot_list.html",
        {
            "ballots": selectors.ballot_list(viewer=user),
            "form": form,
            "breadcrumbs": crumbs((_("Electronic decisions"), None)),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@rate_limit("vote", form=BallotVoteForm)
def ballot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    ballot = selectors.ballot_get(viewer=user, pk=pk)
    nomination = selectors.nomination_for(user)
    votes = selectors.ballot_votes(ballot=ballot)
    voted = any(v.organisation_id == user.organisation_id for v in votes)
    may_vote = permissions.can_vote_in(user, ballot, nomination) and not voted
    form = BallotVoteForm(request.POST or None) if may_vote else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.ballot_vote(actor=user, ballot=ballot, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your city's vote was recorded."))
                return redirect(ballot.get_absolute_url())
    total = ballot.cities_total
    if total is None:
        total = selectors.member_cities().count()
    return render(
        request,
        "steering/ballot_detail.html",
        {
            "ballot": ballot,
            "votes": votes,
            "form": form,
            "voted": voted,
            "total": total,
            "quorum": selectors.quorum_needed(total) if total else 0,
            "can_close": permissions.can_steer(user)
            and ballot.closed_at is None
            and not ballot.is_open()
            and ballot.opens_at <= ballot.closes_at,
            "breadcrumbs": crumbs(
                (_("Electronic decisions"), reverse("steering:ballot_list")), (ballot.title, None)
            ),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
@rate_limit("steering")
def ballot_close(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = selectors.ballot_get(viewer=request.user, pk=pk)
    try:
        services.ballot_close(actor=request.user, ballot=ballot)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The result was recorded."))
    return redirect(ballot.get_absolute_url())
