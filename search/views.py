from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.ratelimit import rate_limit
from frontend.params import page_param
from search import service
from search.forms import SearchForm


@rate_limit("search", methods=("GET",))
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    page = None
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        filters = service.SearchFilters(
            kinds=[data["kind"]] if data["kind"] else [],
            domain=data["domain"],
            need_status=data["need_status"],
            organisation=data["organisation"],
            tag=data["tag"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        page = service.search(
            viewer=request.user, query=data["q"], filters=filters, page=page_param(request)
        )
    return render(request, "search/search.html", {"form": form, "page": page})


@rate_limit("suggest", methods=("GET",))
def suggest(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "")[:200]
    results = service.suggest(viewer=request.user, query=query)
    return JsonResponse(
        {"results": [{"title": d.title, "url": d.url, "kind": d.kind} for d in results]}
    )


@login_required
def health(request: HttpRequest) -> HttpResponse:
    """Which search backend answers, and what Meilisearch missed: for platform admins."""
    if not request.user.is_platform_admin:
        raise Http404
    return render(request, "search/health.html", {"health": service.health()})
