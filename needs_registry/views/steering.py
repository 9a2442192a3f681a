"""The steering group's work: prioritisation rounds, meetings and their decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limit
from frontend.forms import add_service_errors
from frontend.params import choice_param, parse_int
from needs_registry import permissions, selectors, services
from needs_registry.forms import RoundForm
from needs_registry.views.base import EXPORT_FORMATS, crumbs, export_response

# Far above any round's budget, far below the database's integers.
MAX_POINTS = 1_000_000


@login_required
@rate_limit("steering", form=RoundForm)
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
            "breadcrumbs": crumbs((_("Prioritisation rounds"), None)),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _points_from_form(data) -> tuple[dict[int, int], dict[int, str], str | None]:
    """Points per need from the ``points_<need>`` fields, what was typed in each (kept
    on the page when something was wrong), and the error to show, if any."""
    points: dict[int, int] = {}
    typed: dict[int, str] = {}
    error = None
    for key, value in data.items():
        if not key.startswith("points_"):
            continue
        need_id = parse_int(key.removeprefix("points_"), minimum=1)
        number = parse_int(value or "0", minimum=0, maximum=MAX_POINTS)
        if need_id is None or number is None:
            error = _("Points are whole numbers from 0 up to your city's budget.")
        if need_id is not None:
            typed[need_id] = value[:20]
            if number is not None:
                points[need_id] = number
    return points, typed, error


@login_required
@rate_limit("points")
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.round_get(pk=pk)
    user = request.user
    error = None
    if request.method == "POST":
        points, typed, error = _points_from_form(request.POST)
        if error is None:
            try:
                services.round_allocate(actor=user, round_=round_, points=points)
            except ValidationError as problem:
                error = " ".join(problem.messages)
            else:
                messages.success(request, _("Your city's points were saved."))
                return redirect("needs:round_detail", pk=round_.pk)
    results = selectors.round_results(viewer=user, round_=round_)
    fmt = choice_param(request, "format", EXPORT_FORMATS)
    if fmt in {"csv", "xlsx"}:
        return export_response(
            request,
            summary=f"round {pk} {fmt}",
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
    spent = sum(own.values())
    if request.method == "POST":
        own, spent = typed, sum(points.values())
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
            "spent": spent,
            "breadcrumbs": crumbs(
                (_("Prioritisation rounds"), reverse("needs:round_list")), (round_.title, None)
            ),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
@rate_limit("steering")
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.round_get(pk=pk)
    services.round_close(actor=request.user, round_=round_)
    messages.success(request, _("The round was closed."))
    return redirect("needs:round_detail", pk=pk)
