"""Needs registry pages. Each view parses its form, calls one service, renders or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AuditEntry, Organisation
from accounts.ratelimit import exceeded, limited_response, rate_limit
from accounts.services import audit_record
from forum.models import Domain
from frontend.forms import add_service_errors
from needs_registry import exports, permissions, selectors, services
from needs_registry.forms import (
    BoardFilterForm,
    CommitmentForm,
    DecisionForm,
    MeetingForm,
    MergeForm,
    NeedForm,
    PositionForm,
    RoundForm,
    TransitionForm,
    VoteForm,
)
from needs_registry.models import Status


def _crumbs(*items):
    return [(_("Needs"), reverse("needs:need_list")), *items]


def _cities():
    return Organisation.objects.filter(is_active=True, kind=Organisation.Kind.CITY).order_by(
        "name_fi"
    )


def need_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    domain = request.GET.get("domain", "")
    needs = selectors.need_list(
        viewer=request.user,
        status=status if status in Status.values else "",
        domain=domain if domain in Domain.values else "",
    )
    page = Paginator(needs, 30).get_page(request.GET.get("page", 1))
    return render(
        request,
        "needs_registry/need_list.html",
        {
            "page": page,
            "statuses": Status.choices,
            "domains": Domain.choices,
            "status": status,
            "domain": domain,
            "can_create": permissions.can_create_need(request.user),
            "breadcrumbs": [(_("Needs"), None)],
        },
    )


@login_required
def backlog_board(request: HttpRequest) -> HttpResponse:
    from needs_registry.models import PrioritisationRound

    cities = list(_cities())
    rounds = list(PrioritisationRound.objects.order_by("-opens_at"))
    form = BoardFilterForm(request.GET or None, organisations=cities, rounds=rounds)
    data = form.cleaned_data if form.is_valid() else {}
    by_slug = {c.slug: c for c in cities}
    round_ = next((r for r in rounds if str(r.pk) == str(data.get("round"))), None)
    needs = selectors.backlog_board(
        viewer=request.user,
        status=data.get("status", ""),
        domain=data.get("domain", ""),
        organisation=data.get("organisation", ""),
        unanswered_by=by_slug.get(data.get("unanswered", "")),
        round_=round_,
        sort=data.get("sort") or "votes",
    )
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        if not permissions.can_export(request.user):
            raise PermissionDenied
        if exceeded(request, "export"):
            return limited_response(request)
        audit_record(action=AuditEntry.Action.EXPORT, actor=request.user, summary=f"backlog {fmt}")
        return exports.table_response(
            name="backlog",
            fmt=fmt,
            header=[
                _("Number"),
                _("Title"),
                _("Status"),
                _("Domain"),
                _("Submitted by"),
                _("City votes"),
                _("Round points"),
                _("Sharing cities"),
                _("Personal support"),
                _("Estimated total cost (€)"),
                _("Hours saved per year"),
                _("Cost shares (€)"),
                _("Procurement route"),
                _("Submitted"),
            ],
            rows=(
                [
                    n.pk,
                    n.title,
                    n.get_status_display(),
                    n.get_domain_display(),
                    n.organisation.name,
                    n.vote_count,
                    n.round_points,
                    n.sharing_count,
                    n.support_count,
                    n.total_cost_eur,
                    n.benefit_hours_per_year,
                    "; ".join(
                        f"{s.organisation.name} {s.total_eur}"
                        for s in selectors.cost_shares(need=n, positions=list(n.positions.all()))
                    ),
                    selectors.procurement_route(n).label,
                    n.submitted_at.date().isoformat() if n.submitted_at else "",
                ]
                for n in needs.prefetch_related("positions__organisation")
            ),
        )
    page = Paginator(needs, 50).get_page(request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "needs_registry/backlog_board.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "breadcrumbs": _crumbs((_("Backlog board"), None)),
        },
    )


@login_required
def need_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_need(request.user):
        raise PermissionDenied
    origin = None
    if request.GET.get("from_thread") or request.POST.get("from_thread"):
        from forum.selectors import thread_get_for_viewer

        if not permissions.can_promote_thread(request.user):
            raise PermissionDenied
        origin = thread_get_for_viewer(
            viewer=request.user,
            pk=int(request.GET.get("from_thread") or request.POST.get("from_thread")),
        )
    initial = {"title": origin.title, "problem": origin.posts.first().body} if origin else {}
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(
                actor=request.user,
                data=form.cleaned_data,
                tags=form.cleaned_data["tags"],
                origin_thread=origin,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The need was saved as a draft of your city."))
            return redirect(need)
    return render(
        request,
        "needs_registry/need_form.html",
        {
            "form": form,
            "origin": origin,
            "breadcrumbs": _crumbs((_("New need"), None)),
        },
        status=400 if form.errors else 200,
    )


def similar_needs(request: HttpRequest) -> JsonResponse:
    from search.service import similar_needs as similar

    text = f"{request.GET.get('title', '')} {request.GET.get('problem', '')}"[:2000]
    exclude = request.GET.get("exclude")
    results = similar(
        viewer=request.user,
        text=text,
        exclude_id=int(exclude) if exclude and exclude.isdigit() else None,
    )
    return JsonResponse({"results": [{"title": d.title, "url": d.url} for d in results]})


def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    user = request.user
    matrix = selectors.city_matrix(need=need)
    positions = [row.position for row in matrix if row.position]
    own_vote = None
    if user.is_authenticated and user.organisation_id:
        own_vote = next((r.vote for r in matrix if r.organisation.pk == user.organisation_id), None)
    from needs_registry.models import Follow, Support

    return render(
        request,
        "needs_registry/need_detail.html",
        {
            "need": need,
            "matrix": matrix,
            "shares": selectors.cost_shares(need=need, positions=positions),
            "route": selectors.procurement_route(need),
            "history": selectors.vote_history(need=need),
            "timeline": selectors.timeline(need=need),
            "decisions": selectors.decisions_for(need=need),
            "points": services.round_points_total(need),
            "dependencies": list(need.depends_on.all()),
            "dependents": list(need.dependents.all()),
            "transitions": [
                (s, Status(s).label) for s in permissions.allowed_transitions(user, need)
            ],
            "can_edit": permissions.can_edit_need(user, need),
            "can_vote": permissions.can_vote(user, need),
            "can_position": permissions.can_set_position(user, need),
            "can_merge": permissions.can_merge(user, need),
            "can_record_production": permissions.can_record_production(user, need),
            "own_vote": own_vote,
            "supporting": user.is_authenticated
            and Support.objects.filter(need=need, user=user).exists(),
            "following": user.is_authenticated
            and Follow.objects.filter(need=need, user=user).exists(),
            "is_member": permissions.is_city_member(user),
            "transition_form": TransitionForm(),
            "merge_form": MergeForm(),
            "vote_form": VoteForm(),
            "breadcrumbs": _crumbs((need.title, None)),
        },
    )


@login_required
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    if not permissions.can_edit_need(request.user, need):
        raise PermissionDenied
    form = NeedForm(
        request.POST or None,
        instance=need,
        initial={"tags": ", ".join(t.name for t in need.tags.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(
                actor=request.user,
                need=need,
                data=form.cleaned_data,
                tags=form.cleaned_data["tags"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The need was saved."))
            return redirect(need)
    return render(
        request,
        "needs_registry/need_form.html",
        {
            "form": form,
            "need": need,
            "breadcrumbs": _crumbs((need.title, need.get_absolute_url()), (_("Edit"), None)),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def need_transition(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect(need)
    try:
        services.need_transition(
            actor=request.user,
            need=need,
            to_status=form.cleaned_data["to_status"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The status was changed."))
    return redirect(need)


@login_required
@require_POST
def need_merge(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        target = selectors.need_get_for_viewer(viewer=request.user, pk=form.cleaned_data["target"])
        try:
            target = services.need_merge(
                actor=request.user, need=need, target=target, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The need was merged; its votes and cities moved here."))
            return redirect(target)
    else:
        messages.error(request, _("Give the number of the need and a reason."))
    return redirect(need)


@login_required
def city_position(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    if not permissions.can_set_position(request.user, need):
        raise PermissionDenied
    current = need.positions.filter(organisation=request.user.organisation).first()
    initial = {}
    if current:
        initial = {
            "stance": current.stance,
            "urgency": current.urgency,
            "current_system": current.current_system,
            "solution": current.solution,
            "cost_weight": current.cost_weight,
        }
    form = PositionForm(request.POST or None, initial=initial)
    commitment_form = CommitmentForm(initial={"budget_year": timezone.now().year + 1})
    if request.method == "POST" and form.is_valid():
        try:
            services.city_position_set(actor=request.user, need=need, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your city's position was saved."))
            return redirect(need)
    return render(
        request,
        "needs_registry/city_position.html",
        {
            "form": form,
            "commitment_form": commitment_form,
            "need": need,
            "breadcrumbs": _crumbs((need.title, need.get_absolute_url()), (_("Your city"), None)),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def commitment(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    form = CommitmentForm(request.POST)
    if form.is_valid():
        try:
            services.commitment_record(actor=request.user, need=need, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your city's commitment was recorded."))
            return redirect(need)
    return render(
        request,
        "needs_registry/city_position.html",
        {
            "form": PositionForm(),
            "commitment_form": form,
            "need": need,
        },
        status=400,
    )


@login_required
@require_POST
@rate_limit("vote")
def city_vote(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    if request.POST.get("withdraw") == "1":
        services.city_vote_withdraw(actor=request.user, need=need)
        messages.success(request, _("Your city's vote was withdrawn."))
        return redirect(need)
    form = VoteForm(request.POST)
    if form.is_valid():
        try:
            services.city_vote_cast(
                actor=request.user, need=need, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your city's vote was recorded."))
    else:
        messages.error(request, _("The comment is too long (at most 500 characters)."))
    return redirect(need)


@login_required
@require_POST
def support(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    services.support_set(actor=request.user, need=need, on=request.POST.get("on") == "1")
    return redirect(need)


@login_required
@require_POST
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    services.follow_set(actor=request.user, need=need, on=request.POST.get("on") == "1")
    return redirect(need)


@login_required
@require_POST
def production(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    cities = _cities().filter(slug__in=request.POST.getlist("cities"))
    try:
        services.production_record(
            actor=request.user,
            need=need,
            maintainer=request.POST.get("maintainer", "")[:200],
            licence=request.POST.get("licence", "")[:100],
            repository_url=request.POST.get("repository_url", "")[:200],
            cities=cities,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The production details were saved."))
    return redirect(need)


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None) if permissions.can_steer(request.user) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                round_ = services.round_open(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The round was opened."))
                return redirect("needs:round_detail", pk=round_.pk)
    return render(
        request,
        "needs_registry/round_list.html",
        {
            "rounds": selectors.round_list(),
            "form": form,
            "breadcrumbs": _crumbs((_("Prioritisation rounds"), None)),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.round_get(pk=pk)
    user = request.user
    error = None
    if request.method == "POST":
        points = {}
        for key, value in request.POST.items():
            if key.startswith("points_"):
                try:
                    points[int(key.removeprefix("points_"))] = int(value or 0)
                except ValueError:
                    error = _("Points are whole numbers.")
        if error is None:
            try:
                services.round_allocate(actor=user, round_=round_, points=points)
            except ValidationError as problem:
                error = " ".join(problem.messages)
            else:
                messages.success(request, _("Your city's points were saved."))
                return redirect("needs:round_detail", pk=round_.pk)
    results = selectors.round_results(round_=round_)
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        if exceeded(request, "export"):
            return limited_response(request)
        audit_record(action=AuditEntry.Action.EXPORT, actor=user, summary=f"round {pk} {fmt}")
        return exports.table_response(
            name=f"round-{round_.pk}",
            fmt=fmt,
            header=[_("Number"), _("Need"), *[c.name for c in results.cities], _("Total")],
            rows=(
                [
                    n.pk,
                    n.title,
                    *[results.points.get((n.pk, c.pk), 0) for c in results.cities],
                    results.totals.get(n.pk, 0),
                ]
                for n in results.needs
            ),
        )
    own = {}
    if permissions.acts_for_city(user):
        own = selectors.city_allocation(round_=round_, organisation=user.organisation)
    if request.method == "POST":
        own = {
            int(k.removeprefix("points_")): v
            for k, v in request.POST.items()
            if k.startswith("points_")
        }
    rows = [
        {
            "need": n,
            "own": own.get(n.pk, 0),
            "total": results.totals.get(n.pk, 0),
            "cells": [results.points.get((n.pk, c.pk), 0) for c in results.cities],
        }
        for n in results.needs
    ]
    return render(
        request,
        "needs_registry/round_detail.html",
        {
            "round": round_,
            "results": results,
            "rows": rows,
            "error": error,
            "can_allocate": permissions.can_allocate(user, round_),
            "can_close": permissions.can_steer(user) and round_.closed_at is None,
            "spent": sum(int(v or 0) for v in own.values()) if own else 0,
            "breadcrumbs": _crumbs(
                (_("Prioritisation rounds"), reverse("needs:round_list")), (round_.title, None)
            ),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.round_get(pk=pk)
    services.round_close(actor=request.user, round_=round_)
    messages.success(request, _("The round was closed."))
    return redirect("needs:round_detail", pk=pk)


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    form = (
        MeetingForm(request.POST or None) if permissions.can_record_meeting(request.user) else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            meeting = services.meeting_create(actor=request.user, **form.cleaned_data)
            return redirect("needs:meeting_detail", pk=meeting.pk)
    return render(
        request,
        "needs_registry/meeting_list.html",
        {
            "meetings": selectors.meeting_list(),
            "form": form,
            "breadcrumbs": _crumbs((_("Steering group meetings"), None)),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(pk=pk)
    cities = list(_cities())
    can_decide = permissions.can_steer(request.user)
    form = (
        DecisionForm(request.POST or None, cities=cities, initial={"need": request.GET.get("need")})
        if can_decide
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                need = selectors.need_get_for_viewer(
                    viewer=request.user, pk=form.cleaned_data["need"]
                )
            except Http404:
                form.add_error("need", _("There is no need with that number."))
            else:
                try:
                    services.decision_record(
                        actor=request.user,
                        meeting=meeting,
                        need=need,
                        agenda_item=form.cleaned_data["agenda_item"],
                        text=form.cleaned_data["text"],
                        rationale=form.cleaned_data["rationale"],
                        resulting_status=form.cleaned_data["resulting_status"],
                        stances=form.stances(),
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("The decision was recorded."))
                    return redirect("needs:meeting_detail", pk=meeting.pk)
    return render(
        request,
        "needs_registry/meeting_detail.html",
        {
            "meeting": meeting,
            "decisions": selectors.meeting_decisions(meeting=meeting),
            "form": form,
            "breadcrumbs": _crumbs(
                (_("Steering group meetings"), reverse("needs:meeting_list")), (str(meeting), None)
            ),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def yearly_report(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("year", timezone.now().year))
    except ValueError:
        year = timezone.now().year
    rows = selectors.yearly_summary(year=year)
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        if exceeded(request, "export"):
            return limited_response(request)
        audit_record(
            action=AuditEntry.Action.EXPORT, actor=request.user, summary=f"yearly {year} {fmt}"
        )
        return exports.table_response(
            name=f"summary-{year}",
            fmt=fmt,
            header=[
                _("City"),
                _("Needs submitted"),
                _("Needs shared"),
                _("Needs voted for"),
                _("Commitments (€)"),
            ],
            rows=(
                [
                    r["organisation"].name,
                    r["submitted"],
                    r["shared"],
                    r["votes"],
                    r["committed_eur"],
                ]
                for r in rows
            ),
        )
    return render(
        request,
        "needs_registry/yearly_report.html",
        {
            "rows": rows,
            "year": year,
            "breadcrumbs": _crumbs((_("Yearly summary"), None)),
        },
    )


@login_required
@require_POST
def dependencies(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    numbers = [
        int(n) for n in request.POST.get("depends_on", "").replace(",", " ").split() if n.isdigit()
    ]
    others = [selectors.need_get_for_viewer(viewer=request.user, pk=n) for n in numbers]
    try:
        services.dependencies_set(actor=request.user, need=need, depends_on=others)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The dependencies were saved."))
    return redirect(need)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file first."))
        return redirect(need)
    try:
        services.need_attachment_add(actor=request.user, need=need, upload=upload)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The file was attached."))
    return redirect(need)
