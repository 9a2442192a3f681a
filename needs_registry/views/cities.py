"""What cities and members say of a need: positions, commitments, votes, support and
following, and putting a solution into production."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limit
from frontend.forms import add_service_errors
from frontend.params import text_param
from needs_registry import permissions, selectors, services
from needs_registry.forms import (
    CommitmentForm,
    PositionForm,
    VoteForm,
)
from needs_registry.views.base import crumbs, member_cities


@login_required
@rate_limit("position", form=PositionForm)
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
            "breadcrumbs": crumbs((need.title, need.get_absolute_url()), (_("Your city"), None)),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@rate_limit("position", form=CommitmentForm)
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
@rate_limit("vote", form=VoteForm)
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
@rate_limit("vote")
def support(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    services.support_set(actor=request.user, need=need, on=request.POST.get("on") == "1")
    return redirect(need)


@login_required
@require_POST
@rate_limit("watch")
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    services.follow_set(actor=request.user, need=need, on=request.POST.get("on") == "1")
    return redirect(need)


@login_required
@require_POST
@rate_limit("need")
def production(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    cities = member_cities().filter(slug__in=request.POST.getlist("cities"))
    try:
        services.production_record(
            actor=request.user,
            need=need,
            maintainer=text_param(request, "maintainer", max_length=200, post=True),
            licence=text_param(request, "licence", max_length=100, post=True),
            repository_url=text_param(request, "repository_url", max_length=200, post=True),
            cities=cities,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The production details were saved."))
    return redirect(need)
