from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from forum.models import Domain
from needs_registry import selectors
from needs_registry.models import Status


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
            "breadcrumbs": [(_("Needs"), None)],
        },
    )


def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get_for_viewer(viewer=request.user, pk=pk)
    return render(request, "needs_registry/need_detail.html", {"need": need})
