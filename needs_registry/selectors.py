"""Reads for the needs registry."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from needs_registry.models import Need, Status
from needs_registry.permissions import can_read_need


def _visible_needs(viewer: User) -> QuerySet[Need]:
    needs = Need.objects.select_related("organisation", "contact")
    if viewer.is_authenticated and viewer.organisation_id:
        return needs.filter(~Q(status=Status.DRAFT) | Q(organisation_id=viewer.organisation_id))
    return needs.exclude(status=Status.DRAFT)


def need_list(*, viewer: User, status: str = "", domain: str = "") -> QuerySet[Need]:
    needs = _visible_needs(viewer).prefetch_related("tags")
    if status:
        needs = needs.filter(status=status)
    if domain:
        needs = needs.filter(domain=domain)
    return needs.order_by("-created_at", "-id")


def need_list_under_review(*, viewer: User, limit: int = 5) -> list[Need]:
    return list(
        _visible_needs(viewer)
        .filter(status__in=[Status.SUBMITTED, Status.UNDER_REVIEW])
        .order_by("-submitted_at", "-id")[:limit]
    )


def need_get_for_viewer(*, viewer: User, pk: int) -> Need:
    try:
        need = Need.objects.select_related("organisation", "contact", "merged_into").get(pk=pk)
    except Need.DoesNotExist:
        raise Http404 from None
    if not can_read_need(viewer, need):
        raise Http404
    return need
