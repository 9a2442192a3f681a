"""The needs registry: lifecycle by role, votes, merges, rounds, cost shares."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from needs_registry import permissions, selectors, services
from needs_registry.models import (
    CityPosition,
    CityVote,
    CostSplit,
    Follow,
    Status,
    Transition,
    VoteRecord,
)
from notifications.models import Notification
from notifications.selectors import visible
from steering import notification_kinds as steering_kinds
from steering import services as steering_services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEED = {
    "title": "Laskutuksen automatisointi",
    "problem": "Laskut käsitellään käsin.",
    "desired_outcome": "Laskut kulkevat automaattisesti.",
    "domain": "finance",
    "one_off_cost_eur": Decimal("40000"),
    "yearly_cost_eur": Decimal("10000"),
    "contract_years": 4,
    "benefit_hours_per_year": 800,
}


@pytest.fixture
def people():
    CategoryFactory(slug="talous", domain="finance")
    cities = {
        slug: OrganisationFactory(slug=slug, population=pop)
        for slug, pop in [
            ("porvoo", 50_000),
            ("pori", 80_000),
            ("kajaani", 30_000),
            ("hameenlinna", 70_000),
        ]
    }
    return {
        "cities": cities,
        "porvoo_lead": UserFactory(organisation=cities["porvoo"], roles=[Role.ICT_LEAD]),
        "porvoo_expert": UserFactory(organisation=cities["porvoo"]),
        "pori_lead": UserFactory(organisation=cities["pori"], roles=[Role.ICT_LEAD]),
        "pori_substitute": UserFactory(
            organisation=cities["pori"], roles=[Role.ICT_LEAD_SUBSTITUTE]
        ),
        "kajaani_lead": UserFactory(organisation=cities["kajaani"], roles=[Role.ICT_LEAD]),
        "steering": UserFactory(organisation=cities["hameenlinna"], roles=[Role.STEERING_GROUP]),
        "coordinator": UserFactory(
            organisation=cities["hameenlinna"], roles=[Role.PROJECT_COORDINATOR]
        ),
    }


def submitted(people, **overrides):
    need = services.need_create(actor=people["porvoo_expert"], data={**NEED, **overrides})
    return services.need_transition(
        actor=people["porvoo_lead"], need=need, to_status=Status.SUBMITTED
    )


def test_drafts_are_private_to_the_city_until_submitted(people):
    need = services.need_create(actor=people["porvoo_expert"], data=NEED, tags=["laskutus"])
    assert need.status == Status.DRAFT
    porvoo_view = selectors.need_list(viewer=people["porvoo_lead"])
    pori_view = selectors.need_list(viewer=people["pori_lead"])
    assert need in porvoo_view
    assert need not in pori_view

    with pytest.raises(PermissionDenied):
        services.need_transition(
            actor=people["porvoo_expert"], need=need, to_status=Status.SUBMITTED
        )
    with pytest.raises(PermissionDenied):
        services.need_transition(actor=people["pori_lead"], need=need, to_status=Status.SUBMITTED)
    services.need_transition(actor=people["porvoo_lead"], need=need, to_status=Status.SUBMITTED)
    assert need in selectors.need_list(viewer=people["pori_lead"])


def test_submission_opens_a_linked_discussion(people):
    need = submitted(people)
    assert need.discussion is not None
    assert need.discussion.need_id == need.pk
    assert need.discussion.category.domain == "finance"


def test_lifecycle_moves_only_by_the_allowed_roles(people):
    need = submitted(people)
    with pytest.raises(PermissionDenied):
        services.need_transition(
            actor=people["pori_lead"], need=need, to_status=Status.UNDER_REVIEW
        )
    services.need_transition(actor=people["steering"], need=need, to_status=Status.UNDER_REVIEW)
    services.need_transition(
        actor=people["steering"], need=need, to_status=Status.ACCEPTED, reason="Yhteinen tarve"
    )
    with pytest.raises(PermissionDenied):
        services.need_transition(actor=people["steering"], need=need, to_status=Status.PRE_STUDY)
    for status in [Status.PRE_STUDY, Status.PROCUREMENT, Status.PILOT, Status.PRODUCTION]:
        services.need_transition(actor=people["coordinator"], need=need, to_status=status)
    steps = list(Transition.objects.filter(need=need).values_list("to_status", "actor"))
    assert [s for s, _a in steps] == [
        "draft",
        "submitted",
        "under_review",
        "accepted",
        "pre_study",
        "procurement",
        "pilot",
        "production",
    ]
    assert steps[3][1] == people["steering"].pk


def test_rejection_needs_a_reason(people):
    need = submitted(people)
    with pytest.raises(ValidationError):
        services.need_transition(actor=people["steering"], need=need, to_status=Status.REJECTED)


def test_one_vote_per_city_changeable_and_withdrawable_with_public_history(people):
    need = submitted(people)
    services.city_vote_cast(actor=people["pori_lead"], need=need, comment="Tärkeä")
    services.city_vote_cast(actor=people["pori_substitute"], need=need, comment="Sijainen")
    services.city_vote_cast(actor=people["kajaani_lead"], need=need)
    need.refresh_from_db()
    assert need.vote_count == 2
    assert (
        CityVote.objects.get(need=need, organisation__slug="pori").voter
        == (people["pori_substitute"])
    )
    with pytest.raises(PermissionDenied):
        services.city_vote_cast(actor=people["porvoo_expert"], need=need)
    services.city_vote_withdraw(actor=people["kajaani_lead"], need=need)
    need.refresh_from_db()
    assert need.vote_count == 1
    assert list(VoteRecord.objects.filter(need=need).values_list("action", flat=True)) == [
        "cast",
        "changed",
        "cast",
        "withdrawn",
    ]


def test_votes_close_at_the_decision(people):
    need = submitted(people)
    services.need_transition(actor=people["steering"], need=need, to_status=Status.UNDER_REVIEW)
    services.need_transition(actor=people["steering"], need=need, to_status=Status.ACCEPTED)
    with pytest.raises(PermissionDenied):
        services.city_vote_cast(actor=people["pori_lead"], need=need)


def test_merge_keeps_votes_positions_commitments_and_followers(people):
    target = submitted(people, title="Sähköinen laskutus")
    source = submitted(people, title="Laskujen kierrätys")
    services.city_vote_cast(actor=people["pori_lead"], need=source)
    services.city_vote_cast(actor=people["pori_lead"], need=target)
    services.city_vote_cast(actor=people["kajaani_lead"], need=source)
    services.city_position_set(actor=people["kajaani_lead"], need=source, stance="has_need")
    services.commitment_record(
        actor=people["kajaani_lead"], need=source, amount_eur=Decimal("5000"), budget_year=2027
    )
    services.follow_set(actor=people["pori_lead"], need=source, on=True)

    services.need_merge(actor=people["steering"], need=source, target=target, reason="Sama tarve")

    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == Status.MERGED
    assert source.merged_into == target
    assert sorted(target.votes.values_list("organisation__slug", flat=True)) == ["kajaani", "pori"]
    assert target.vote_count == 2
    assert target.positions.filter(organisation__slug="kajaani").exists()
    assert target.commitments.get().amount_eur == Decimal("5000")
    assert Follow.objects.filter(need=target, user=people["pori_lead"]).exists()
    assert not source.votes.exists()


def test_round_budget_is_enforced_per_city(people):
    first, second = submitted(people), submitted(people, title="Toinen")
    now = timezone.now()
    round_ = services.round_open(
        actor=people["steering"],
        title="Kevät 2027",
        needs=[first, second],
        points_per_city=100,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
    )
    services.round_allocate(
        actor=people["pori_lead"], round_=round_, points={first.pk: 70, second.pk: 30}
    )
    with pytest.raises(ValidationError):
        services.round_allocate(
            actor=people["kajaani_lead"], round_=round_, points={first.pk: 80, second.pk: 30}
        )
    services.round_allocate(actor=people["kajaani_lead"], round_=round_, points={second.pk: 100})
    results = selectors.round_results(viewer=people["pori_lead"], round_=round_)
    assert results.totals == {first.pk: 70, second.pk: 130}
    assert [n.pk for n in results.needs] == [second.pk, first.pk]
    services.round_close(actor=people["steering"], round_=round_)
    with pytest.raises(PermissionDenied):
        services.round_allocate(actor=people["pori_lead"], round_=round_, points={first.pk: 1})


def test_cost_shares_follow_the_split_and_the_sharing_cities(people):
    need = submitted(people)
    for lead in ("pori_lead", "kajaani_lead", "porvoo_lead"):
        services.city_position_set(actor=people[lead], need=need, stance="has_need")
    shares = {s.organisation.slug: s for s in selectors.cost_shares(need=need)}
    assert {k: v.total_eur for k, v in shares.items()} == {
        "pori": Decimal("26666.67"),
        "kajaani": Decimal("26666.67"),
        "porvoo": Decimal("26666.67"),
    }
    services.city_position_set(actor=people["kajaani_lead"], need=need, stance="not_relevant")
    assert {s.organisation.slug: s.total_eur for s in selectors.cost_shares(need=need)} == {
        "pori": Decimal("40000.00"),
        "porvoo": Decimal("40000.00"),
    }
    need.cost_split = CostSplit.POPULATION
    assert {s.organisation.slug: s.share_percent for s in selectors.cost_shares(need=need)} == {
        "pori": Decimal("61.5"),
        "porvoo": Decimal("38.5"),
    }
    need.cost_split = CostSplit.AGREED
    services.city_position_set(
        actor=people["pori_lead"], need=need, stance="has_need", cost_weight=Decimal("75")
    )
    assert {s.organisation.slug: s.share_percent for s in selectors.cost_shares(need=need)} == {
        "pori": Decimal("75.0"),
        "porvoo": Decimal("25.0"),
    }


@pytest.mark.parametrize(
    ("one_off", "yearly", "route"),
    [
        (Decimal(20000), Decimal(12000), "national"),
        (Decimal(10000), Decimal(1000), "small"),
        (Decimal(200000), Decimal(10000), "eu"),
    ],
)
def test_procurement_route_from_the_whole_term_value(people, settings, one_off, yearly, route):
    need = submitted(people, one_off_cost_eur=one_off, yearly_cost_eur=yearly)
    assert selectors.procurement_route(need).code == route


def test_thresholds_are_configurable(people, settings):
    settings.PROCUREMENT_NATIONAL_THRESHOLD_EUR = 100_000
    need = submitted(people)  # 80,000 over the term
    assert selectors.procurement_route(need).code == "small"


def test_decision_moves_the_need_records_stances_and_notifies(people):
    need = submitted(people)
    services.city_position_set(actor=people["pori_lead"], need=need, stance="has_need")
    services.need_transition(actor=people["steering"], need=need, to_status=Status.UNDER_REVIEW)
    meeting = steering_services.meeting_create(
        actor=people["steering"], title="Ohjausryhmä 4/2026", held_on=timezone.now().date()
    )
    decision = steering_services.decision_record(
        actor=people["steering"],
        meeting=meeting,
        need=need,
        agenda_item="5 §",
        text="Hyväksytään kehitysjonoon.",
        rationale="Kolme kaupunkia tarvitsee.",
        resulting_status=Status.ACCEPTED,
        stances={people["cities"]["pori"].pk: "for", people["cities"]["kajaani"].pk: "abstained"},
    )
    need.refresh_from_db()
    assert need.status == Status.ACCEPTED
    assert decision.stances.count() == 2
    assert Notification.objects.filter(
        user=people["pori_lead"], kind=steering_kinds.NEED_DECIDED
    ).exists()
    with pytest.raises(PermissionDenied):
        steering_services.decision_record(
            actor=people["pori_lead"],
            meeting=meeting,
            need=need,
            agenda_item="6 §",
            text="x",
            rationale="",
            resulting_status=Status.ACCEPTED,
            stances={},
        )


def test_dependencies_refuse_cycles(people):
    iam = submitted(people, title="IAM")
    invoicing = submitted(people, title="Laskutus")
    services.dependencies_set(actor=people["coordinator"], need=invoicing, depends_on=[iam])
    with pytest.raises(ValidationError):
        services.dependencies_set(actor=people["coordinator"], need=iam, depends_on=[invoicing])
    assert list(invoicing.depends_on.all()) == [iam]


def test_solved_position_needs_the_how(people):
    need = submitted(people)
    with pytest.raises(ValidationError):
        services.city_position_set(actor=people["kajaani_lead"], need=need, stance="solved")
    services.city_position_set(
        actor=people["kajaani_lead"], need=need, stance="solved", solution="Avoin lähdekoodi X"
    )
    assert CityPosition.objects.get(need=need).solution == "Avoin lähdekoodi X"


def test_a_decision_on_a_draft_notifies_only_those_who_may_read_it(people):
    porvoo = people["cities"]["porvoo"]
    draft = services.need_create(actor=people["porvoo_expert"], data=NEED)
    moved = UserFactory(organisation=porvoo)
    services.follow_set(actor=moved, need=draft, on=True)
    # The follower's organisation changes at their next sign-in: Porvoo's draft is no
    # longer theirs to read.
    moved.organisation = people["cities"]["pori"]
    moved.save()
    steering = UserFactory(organisation=porvoo, roles=[Role.STEERING_GROUP])
    meeting = steering_services.meeting_create(
        actor=steering, title="Ohjausryhmä", held_on="2026-11-20"
    )
    steering_services.decision_record(
        actor=steering,
        meeting=meeting,
        need=draft,
        agenda_item="3 §",
        text="Valmistellaan.",
        rationale="",
        resulting_status=Status.DRAFT,
        stances={},
    )
    told = Notification.objects.filter(kind=steering_kinds.NEED_DECIDED)
    assert set(told.values_list("user", flat=True)) == {people["porvoo_expert"].pk}
    assert NEED["title"] in visible(people["porvoo_expert"], [told.get()])[0].text


def test_a_confidential_thread_is_not_opened_up_by_the_need_it_grew_into(people):
    from forum import services as forum_services
    from forum.models import Category, Publicity

    thread = forum_services.thread_create(
        actor=people["porvoo_lead"],
        category=Category.objects.get(slug="talous"),
        title="Porvoon sisäinen",
        body="Vain Porvoolle.",
        publicity=Publicity.CONFIDENTIAL,
    )
    need = services.need_create(actor=people["porvoo_lead"], data=NEED, origin_thread=thread)
    need = services.need_transition(
        actor=people["porvoo_lead"], need=need, to_status=Status.SUBMITTED
    )
    thread.refresh_from_db()
    assert thread.publicity == Publicity.CONFIDENTIAL
    assert thread.need_id is None
    assert need.discussion != thread
    assert need.discussion.publicity == Publicity.PUBLIC
    assert need.discussion.need_id == need.pk


def test_a_public_thread_becomes_the_discussion_of_the_need_it_grew_into(people):
    from forum import services as forum_services
    from forum.models import Category, Publicity

    thread = forum_services.thread_create(
        actor=people["porvoo_lead"],
        category=Category.objects.get(slug="talous"),
        title="Avoin keskustelu",
        body="Kaikille.",
        publicity=Publicity.PUBLIC,
    )
    need = services.need_create(actor=people["porvoo_lead"], data=NEED, origin_thread=thread)
    need = services.need_transition(
        actor=people["porvoo_lead"], need=need, to_status=Status.SUBMITTED
    )
    assert need.discussion == thread


def test_the_discussion_follows_the_needs_publicity(people, django_capture_on_commit_callbacks):
    from forum.models import Publicity, Thread
    from search.models import SearchDocument
    from search.service import index_update

    need = submitted(people)
    assert need.discussion.publicity == Publicity.PUBLIC
    # Suppose the thread was left behind, confidential as the need's draft once was.
    Thread.objects.filter(pk=need.discussion_id).update(publicity=Publicity.CONFIDENTIAL)
    index_update("thread", need.discussion_id)
    for post in need.discussion.posts.all():
        index_update("post", post.pk)
    documents = SearchDocument.objects.filter(thread_id=need.discussion_id)
    assert set(documents.values_list("publicity", flat=True)) == {Publicity.CONFIDENTIAL}
    with django_capture_on_commit_callbacks(execute=True):
        services.need_transition(actor=people["steering"], need=need, to_status=Status.UNDER_REVIEW)
    need.discussion.refresh_from_db()
    assert need.discussion.publicity == Publicity.PUBLIC
    assert documents.count() == 2  # the thread and its opening post
    assert set(documents.values_list("publicity", flat=True)) == {Publicity.PUBLIC}


def test_only_a_needs_thread_follows_a_need(people):
    from forum import services as forum_services
    from forum.models import Category, Publicity

    thread = forum_services.thread_create(
        actor=people["porvoo_lead"],
        category=Category.objects.get(slug="talous"),
        title="Oma ketju",
        body="x",
    )
    with pytest.raises(PermissionDenied):
        forum_services.thread_publicity_follow(
            actor=people["porvoo_lead"], thread=thread, publicity=Publicity.PUBLIC
        )


def test_a_draft_is_its_citys_alone(people):
    from accounts.models import Role as Roles

    draft = services.need_create(actor=people["porvoo_expert"], data=NEED)
    admin = UserFactory(organisation=people["cities"]["pori"], roles=[Roles.PLATFORM_ADMIN])
    for viewer, sees in [
        (people["porvoo_lead"], True),
        (admin, False),
        (people["pori_lead"], False),
    ]:
        assert permissions.can_read_need(viewer, draft) is sees
        assert (draft in selectors.need_list(viewer=viewer)) is sees


def test_a_thread_in_a_restricted_category_is_not_opened_up_by_its_need(people):
    from forum import services as forum_services
    from forum.models import Publicity

    leads_only = CategoryFactory(slug="johtajat", domain="finance", read_roles=[Role.ICT_LEAD])
    thread = forum_services.thread_create(
        actor=people["porvoo_lead"],
        category=leads_only,
        title="Johtajien kesken",
        body="x",
        publicity=Publicity.PUBLIC,
    )
    need = services.need_create(actor=people["porvoo_lead"], data=NEED, origin_thread=thread)
    need = services.need_transition(
        actor=people["porvoo_lead"], need=need, to_status=Status.SUBMITTED
    )
    assert need.discussion != thread
    assert not need.discussion.category.is_restricted
