"""The open-data API: submitted needs, their status, sharing cities and vote totals.

Read-only; drafts never appear. Public, or for signed-in members only when
``OPEN_DATA_PUBLIC`` is off. The OpenAPI schema is at ``/api/openapi.json``.
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import Throttled
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.throttling import BaseThrottle

from accounts.ratelimit import exceeded, limit_for
from forum.models import Domain
from needs_registry import selectors
from needs_registry.models import Need, Status


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


MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000_000


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
    city_votes: int = Field(alias="vote_count")
    personal_support: int = Field(alias="support_count")
    estimated_total_cost_eur: Decimal = Field(alias="total_cost_eur")
    benefit_hours_per_year: int
    merged_into: int | None = Field(alias="merged_into_id")
    url: str

    @staticmethod
    def resolve_sharing_cities(need: Need) -> list[str]:
        return sorted(position.organisation.slug for position in need.sharing)

    @staticmethod
    def resolve_url(need: Need, context) -> str:
        return context["request"].build_absolute_uri(need.get_absolute_url())


class NeedPagination(LimitOffsetPagination):
    """Pages cut in the database, at most ``MAX_PAGE_SIZE`` needs each."""

    class Input(Schema):
        limit: int = Field(
            MAX_PAGE_SIZE,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"How many needs to return, at most {MAX_PAGE_SIZE}.",
        )
        # Bounded, so the database is never asked for an offset beyond its integers.
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many needs to skip.")

    def __init__(self, **kwargs) -> None:
        super().__init__(max_limit=MAX_PAGE_SIZE, **kwargs)


router = Router(tags=["needs"])


@router.get("/needs", response=list[NeedOut], auth=member_or_public)
@paginate(NeedPagination)
def list_needs(request: HttpRequest, status: Status | None = None, domain: Domain | None = None):
    """Submitted needs, newest first, a page at a time (at most 100 a page)."""
    needs = selectors.need_list_open_data()
    if status:
        needs = needs.filter(status=status)
    if domain:
        needs = needs.filter(domain=domain)
    return needs


@router.get(
    "/needs/{need_id}", response={200: NeedOut, 401: Message, 404: Message}, auth=member_or_public
)
def get_need(request: HttpRequest, need_id: int):
    need = selectors.need_list_open_data().filter(pk=need_id).first()
    if need is None:
        raise Http404
    return need


class PlatformLimit(BaseThrottle):
    """The platform's ``api`` rate limit, counted like every other limit: per member
    when signed in, per client address otherwise."""

    def allow_request(self, request: HttpRequest) -> bool:
        return not exceeded(request, "api")

    def wait(self) -> int:
        return limit_for("api")[1]


api = NinjaAPI(
    title="Open Cities needs registry",
    version="1.0",
    description="Submitted ICT development needs of the Open Cities consortium.",
    urls_namespace="api",
    throttle=[PlatformLimit()],
)


@api.exception_handler(Throttled)
def too_many_requests(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("You did that many times in a short while. Wait a minute and try again.")},
        status=429,
    )


api.add_router("/", router)
