"""The open-data API: submitted needs, their status, sharing cities and vote totals.

Read-only; drafts never appear. Public, or for signed-in members only when
``OPEN_DATA_PUBLIC`` is off. The OpenAPI schema is at ``/api/openapi.json``.
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from needs_registry.models import CityPosition, Need, Status


def member_or_public(request: HttpRequest):
    if settings.OPEN_DATA_PUBLIC:
        return True
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated and user.is_active else None


class Message(Schema):
    detail: str


class OrganisationOut(Schema):
    slug: str
    name_fi: str
    name_sv: str
    name_en: str


class NeedOut(Schema):
    id: int
    title: str
    status: str
    domain: str
    problem: str
    desired_outcome: str
    organisation: OrganisationOut
    submitted_at: datetime | None
    decided_at: datetime | None
    sharing_cities: list[str]
    city_votes: int
    personal_support: int
    estimated_total_cost_eur: Decimal
    benefit_hours_per_year: int
    merged_into: int | None
    url: str


def _published() -> QuerySet[Need]:
    sharing = CityPosition.objects.filter(stance=CityPosition.Stance.HAS_NEED).select_related(
        "organisation"
    )
    return (
        Need.objects.exclude(status=Status.DRAFT)
        .select_related("organisation")
        .prefetch_related(Prefetch("positions", queryset=sharing, to_attr="sharing"))
        .order_by("-submitted_at", "-id")
    )


def _out(request: HttpRequest, need: Need) -> dict:
    return {
        "id": need.pk,
        "title": need.title,
        "status": need.status,
        "domain": need.domain,
        "problem": need.problem,
        "desired_outcome": need.desired_outcome,
        "organisation": need.organisation,
        "submitted_at": need.submitted_at,
        "decided_at": need.decided_at,
        "sharing_cities": sorted(p.organisation.slug for p in need.sharing),
        "city_votes": need.vote_count,
        "personal_support": need.support_count,
        "estimated_total_cost_eur": need.total_cost_eur,
        "benefit_hours_per_year": need.benefit_hours_per_year,
        "merged_into": need.merged_into_id,
        "url": request.build_absolute_uri(need.get_absolute_url()),
    }


router = Router(tags=["needs"])


@router.get("/needs", response=list[NeedOut], auth=member_or_public)
@paginate(LimitOffsetPagination)
def list_needs(request: HttpRequest, status: Status | None = None, domain: str | None = None):
    needs = _published()
    if status:
        needs = needs.filter(status=status)
    if domain:
        needs = needs.filter(domain=domain)
    return [_out(request, need) for need in needs]


@router.get(
    "/needs/{need_id}", response={200: NeedOut, 401: Message, 404: Message}, auth=member_or_public
)
def get_need(request: HttpRequest, need_id: int):
    need = _published().filter(pk=need_id).first()
    if need is None:
        raise Http404
    return _out(request, need)


api = NinjaAPI(
    title="Open Cities needs registry",
    version="1.0",
    description="Submitted ICT development needs of the Open Cities consortium.",
    urls_namespace="api",
)
api.add_router("/", router)
