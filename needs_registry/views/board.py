"""The backlog board with its exports, and the yearly report."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from frontend.params import choice_param, page_param, year_param
from needs_registry import selectors
from needs_registry.forms import (
    BoardFilterForm,
)
from needs_registry.views.base import EXPORT_FORMATS, crumbs, export_response, member_cities


@login_required
def backlog_board(request: HttpRequest) -> HttpResponse:
    from needs_registry.models import PrioritisationRound

    cities = list(member_cities())
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
    fmt = choice_param(request, "format", EXPORT_FORMATS)
    if fmt in {"csv", "xlsx"}:
        return export_response(
            request,
            summary=f"backlog {fmt}",
            name="backlog",
            fmt=fmt,
            header=[
                _("Number"),
                pgettext("document title", "Title"),
                pgettext("need status", "Status"),
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
                pgettext("date a need was submitted", "Submitted"),
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
    page = Paginator(needs, 50).get_page(page_param(request))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "needs_registry/backlog_board.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "breadcrumbs": crumbs((_("Backlog board"), None)),
        },
    )


@login_required
def yearly_report(request: HttpRequest) -> HttpResponse:
    year = year_param(request, "year", timezone.now().year)
    rows = selectors.yearly_summary(year=year)
    fmt = choice_param(request, "format", EXPORT_FORMATS)
    if fmt in {"csv", "xlsx"}:
        return export_response(
            request,
            summary=f"yearly {year} {fmt}",
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
            "breadcrumbs": crumbs((_("Yearly summary"), None)),
        },
    )
