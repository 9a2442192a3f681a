"""A platform with a secret in every protected state, for the canary suite.

Each secret is a unique random word (a marker) planted in what the state
protects: titles, texts, tags, file names and contents, a departed member's
name. Each marker names the personas who may see it; everyone else must never
meet it, on any channel (``tests/test_canary.py``).
"""

import secrets
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from accounts import services as account_services
from accounts.models import NotificationEmail, Role, User
from budget import services as budget_services
from forum import services as forum_services
from forum.models import Post, Publicity, Thread
from frontend import demo as frontend_demo
from needs_registry import services as need_services
from needs_registry.models import Need, Status
from steering import services as steering_services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

# Who probes. Every persona is probed on every channel; a marker lists the
# personas who may see it, and nobody else may.
ANONYMOUS = "anonymous"
PERSONAS = (
    ANONYMOUS,
    "pori_expert",  # expert of the draft's own city: reads the city's drafts
    "pori_lead",  # ICT lead of the draft's city, its author
    "pori_steering",  # steering group member of the draft's city
    "porvoo_expert",  # expert of another city
    "porvoo_lead",  # ICT lead of another city
    "heinola_moderator",  # moderator, outside every audience
    "hml_steering",  # steering group member and moderator of another city
    "seinajoki_expert",  # the confidential thread's audience
    "writer",  # wrote the hidden thread and the hidden and deleted posts
    "admin",  # platform admin: reads through the audited back office only
)
MODERATORS = frozenset({"heinola_moderator", "hml_steering", "admin"})
STEERING = frozenset({"pori_steering", "hml_steering"})
PORI = frozenset({"pori_expert", "pori_lead", "pori_steering"})
EVERYONE = frozenset(PERSONAS)
MEMBERS = EVERYONE - {ANONYMOUS}
NOBODY: frozenset[str] = frozenset()

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n"


def word() -> str:
    """A marker: one lowercase word no text of the platform holds by chance."""
    return "kn" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(14))


@dataclass(frozen=True)
class Marker:
    key: str
    value: str
    insiders: frozenset[str]
    # Only the author's own data download may show it (their hidden or deleted post).
    own_data_of: str = ""


@dataclass
class World:
    users: dict[str, User]
    markers: dict[str, Marker]
    objects: dict[str, object] = field(default_factory=dict)

    def marker(self, key: str) -> str:
        return self.markers[key].value

    def user(self, persona: str) -> User | None:
        return self.users.get(persona)


def planted_markers() -> dict[str, Marker]:
    """A fresh marker for every secret (and control) of the world."""
    public = EVERYONE
    restricted = STEERING
    confidential = frozenset({"seinajoki_expert"})
    hidden = MODERATORS
    spec = {
        # Controls: public and members' content beside every secret.
        "public.title": public,
        "public.body": public,
        "public.tag": public,
        "visible.text": public,
        "visible.old": public,
        "twin.name": public,  # a member like the departed one, still with us
        "twin.handle": public,
        "public_need.title": public,
        # Decisions on public needs are shown on the need's page to anyone (see the report).
        "public_decision.text": public,
        # A thread in the steering group's category.
        "restricted.title": restricted,
        "restricted.body": restricted,
        "restricted.reply": restricted,
        "restricted.tag": restricted,
        "restricted.file_name": restricted,
        "restricted.file_content": restricted,
        "restricted.reason": restricted,
        # A confidential thread with an audience (Seinäjoki) in an open category.
        "confidential.title": confidential,
        "confidential.body": confidential,
        "confidential.tag": confidential,
        # A public thread a moderator hid.
        "hidden_thread.title": hidden,
        "hidden_thread.body": hidden,
        "hidden_thread.tag": hidden,
        # A hidden and a deleted post of a public thread: their text, to nobody.
        "hidden_post.text": NOBODY,
        "hidden_post.old": NOBODY,
        "deleted_post.text": NOBODY,
        # A public thread moved into the steering group's category.
        "moved.title": restricted,
        "moved.body": restricted,
        "moved.reply": restricted,
        "moved.after": restricted,
        "moved.tag": restricted,
        # Pori's draft need, its attachment and its discussion thread.
        "draft.title": PORI,
        "draft.problem": PORI,
        "draft.outcome": PORI,
        "draft.tag": PORI,
        "draft.file_name": PORI,
        "draft.file_content": PORI,
        "draft.thread_title": PORI,
        "draft.thread_body": PORI,
        # A steering group decision recorded on Pori's draft.
        "draft_decision.text": PORI,
        "draft_decision.rationale": PORI,
        # Pori's yearly report on the consortium's budget: every member reads it.
        "report.benefits": MEMBERS,
        # A departed member, anonymised.
        "anonymised.name": NOBODY,
        "anonymised.handle": NOBODY,
        "anonymised.email": NOBODY,
    }
    own_data = {
        "hidden_thread.title": "writer",
        "hidden_thread.body": "writer",
        "hidden_thread.tag": "",
        "hidden_post.text": "writer",
        "hidden_post.old": "writer",
        "deleted_post.text": "writer",
    }
    return {
        key: Marker(key, word(), insiders, own_data.get(key, "")) for key, insiders in spec.items()
    }


NEED = {
    "domain": "ict",
    "one_off_cost_eur": Decimal("40000"),
    "yearly_cost_eur": Decimal("10000"),
    "contract_years": 4,
    "benefit_hours_per_year": 800,
}


def build_world() -> World:
    """Plant every marker through the platform's own services, as members would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return _build()


def _build() -> World:
    # The site's own front page, which lists the latest discussions and needs.
    frontend_demo.seed(None)
    markers = planted_markers()
    m = {key: marker.value for key, marker in markers.items()}
    cities = {
        slug: OrganisationFactory(slug=slug)
        for slug in ("pori", "porvoo", "heinola", "hameenlinna", "seinajoki", "kajaani")
    }
    office = OrganisationFactory(slug="consortium-office", kind="office")

    def person(city, roles=(), **kwargs):
        return UserFactory(
            organisation=city,
            roles=list(roles),
            notification_email=NotificationEmail.DAILY,
            **kwargs,
        )

    users = {
        "pori_expert": person(cities["pori"]),
        "pori_lead": person(cities["pori"], [Role.ICT_LEAD]),
        "pori_steering": person(cities["pori"], [Role.STEERING_GROUP]),
        "porvoo_expert": person(cities["porvoo"], handle="porvooexpert"),
        "porvoo_lead": person(cities["porvoo"], [Role.ICT_LEAD]),
        "heinola_moderator": person(cities["heinola"], [Role.MODERATOR]),
        "hml_steering": person(cities["hameenlinna"], [Role.STEERING_GROUP, Role.MODERATOR]),
        "seinajoki_expert": person(cities["seinajoki"]),
        "writer": person(cities["kajaani"]),
        "admin": person(office, [Role.PLATFORM_ADMIN], is_staff=True, is_superuser=True),
    }
    twin = person(cities["porvoo"], display_name=f"Tiina {m['twin.name']}", handle=m["twin.handle"])
    departed = person(
        cities["porvoo"],
        display_name=f"Oona {m['anonymised.name']}",
        handle=m["anonymised.handle"],
        email=f"{m['anonymised.email']}@example.org",
    )
    open_category = CategoryFactory(
        slug="yleinen", domain="ict", position=0, default_publicity=Publicity.PUBLIC
    )
    steering = CategoryFactory(slug="ohjausryhma", read_roles=[Role.STEERING_GROUP], position=1)
    for user in users.values():
        forum_services.tracking_set(user=user, category=open_category, level="watching")
    forum_services.tracking_set(user=users["hml_steering"], category=steering, level="watching")

    def thread(actor, category, key, *, publicity=Publicity.PUBLIC, **kwargs):
        return forum_services.thread_create(
            actor=actor,
            category=category,
            title=f"Aihe {m[f'{key}.title']}",
            body=f"Avaus {m[f'{key}.body']}",
            tags=[m[f"{key}.tag"]],
            publicity=publicity,
            **kwargs,
        )

    def reply(actor, thread_, text, **kwargs):
        return forum_services.post_create(actor=actor, thread=thread_, body=text, **kwargs)

    # A public thread with a visible, a hidden and a deleted post, and a departed member.
    public = thread(twin, open_category, "public")
    for persona in ("porvoo_expert", "porvoo_lead", "pori_expert", "heinola_moderator"):
        forum_services.tracking_set(user=users[persona], thread=public, level="watching")
    visible = reply(users["writer"], public, f"Näkyvä {m['visible.old']}")
    forum_services.post_edit(
        actor=users["writer"], post=visible, body=f"Näkyvä {m['visible.text']}"
    )
    hidden_post = reply(users["writer"], public, f"Vanha {m['hidden_post.old']}")
    hidden_post = forum_services.post_edit(
        actor=users["writer"], post=hidden_post, body=f"Piilotettu {m['hidden_post.text']}"
    )
    forum_services.flag_create(actor=users["porvoo_expert"], post=hidden_post, reason="asiaton")
    deleted_post = reply(users["writer"], public, f"Poistettu {m['deleted_post.text']}")
    forum_services.flag_create(actor=users["porvoo_expert"], post=deleted_post, reason="asiaton")
    departed_post = reply(departed, public, "Kiitos kaikille, @porvooexpert.", reply_to=visible)
    reply(twin, public, f"Kiitos @{m['anonymised.handle']} ja @{m['twin.handle']}!")
    reply(users["porvoo_expert"], public, "Samaa mieltä.", reply_to=departed_post)
    forum_services.post_set_hidden(
        actor=users["heinola_moderator"], post=hidden_post, hidden=True, reason="asiaton"
    )
    forum_services.post_delete(actor=users["writer"], post=deleted_post)

    # The steering group's thread, with an attachment.
    restricted = forum_services.thread_create(
        actor=users["hml_steering"],
        category=steering,
        title=f"Aihe {m['restricted.title']}",
        body=f"Avaus {m['restricted.body']}",
        tags=[m["restricted.tag"]],
        uploads=[
            SimpleUploadedFile(
                f"{m['restricted.file_name']}.pdf", PDF + m["restricted.file_content"].encode()
            )
        ],
    )
    attachment = restricted.posts.get(number=1).attachments.get()
    restricted_reply = reply(
        users["pori_steering"], restricted, f"Vastaus {m['restricted.reply']} @porvooexpert"
    )
    forum_services.flag_create(actor=users["hml_steering"], post=restricted_reply, reason="väärä")
    forum_services.post_set_hidden(
        actor=users["hml_steering"],
        post=reply(users["pori_steering"], restricted, "Väärä ketju."),
        hidden=True,
        reason=f"Syy {m['restricted.reason']}",
    )

    # A confidential thread for Seinäjoki, in an open category.
    confidential = thread(
        users["seinajoki_expert"],
        open_category,
        "confidential",
        publicity=Publicity.CONFIDENTIAL,
        audience_organisations=[cities["seinajoki"]],
    )
    reply(users["seinajoki_expert"], confidential, "Lisää @porvooexpert @pori")

    # A public thread a moderator hid.
    hidden_thread = thread(users["writer"], open_category, "hidden_thread")
    reply(twin, hidden_thread, "Vastaus piilotettuun.")
    forum_services.thread_moderate(
        actor=users["heinola_moderator"], thread=hidden_thread, hidden=True
    )

    # A public thread moved into the steering group's category.
    moved = thread(twin, open_category, "moved")
    forum_services.tracking_set(user=users["porvoo_expert"], thread=moved, level="watching")
    reply(twin, moved, f"Vastaus {m['moved.reply']}")
    forum_services.thread_moderate(actor=users["hml_steering"], thread=moved, category=steering)
    reply(users["hml_steering"], moved, f"Siirron jälkeen {m['moved.after']}")

    # A submitted need of Porvoo, and Pori's draft that depends on it.
    public_need = need_services.need_create(
        actor=users["porvoo_lead"],
        data={
            **NEED,
            "title": f"Tarve {m['public_need.title']}",
            "problem": "Julkinen ongelma.",
            "desired_outcome": "Julkinen tulos.",
        },
    )
    public_need = need_services.need_transition(
        actor=users["porvoo_lead"], need=public_need, to_status=Status.SUBMITTED
    )
    draft = need_services.need_create(
        actor=users["pori_lead"],
        data={
            **NEED,
            "title": f"Luonnos {m['draft.title']}",
            "problem": f"Ongelma {m['draft.problem']}",
            "desired_outcome": f"Tulos {m['draft.outcome']}",
        },
        tags=[m["draft.tag"]],
        origin_thread=public,
    )
    draft_attachment = need_services.need_attachment_add(
        actor=users["pori_lead"],
        need=draft,
        upload=SimpleUploadedFile(
            f"{m['draft.file_name']}.pdf", PDF + m["draft.file_content"].encode()
        ),
    )
    need_services.dependencies_set(actor=users["pori_lead"], need=draft, depends_on=[public_need])
    need_services.follow_set(actor=users["pori_expert"], need=draft, on=True)
    draft_thread = forum_services.thread_create(
        actor=users["pori_lead"],
        category=open_category,
        title=f"Keskustelu {m['draft.thread_title']}",
        body=f"Avaus {m['draft.thread_body']}",
        publicity=Publicity.CONFIDENTIAL,
        need=draft,
    )
    Need.objects.filter(pk=draft.pk).update(discussion=draft_thread)

    # A meeting that decided on the public need and on Pori's draft.
    meeting = steering_services.meeting_create(
        actor=users["hml_steering"], title="Ohjausryhmä 1/2026", held_on=date(2026, 11, 30)
    )
    steering_services.decision_record(
        actor=users["hml_steering"],
        meeting=meeting,
        need=public_need,
        agenda_item="§1",
        text=f"Päätös {m['public_decision.text']}",
        rationale="",
        resulting_status=Status.UNDER_REVIEW,
        stances={},
    )
    steering_services.decision_record(
        actor=users["pori_steering"],
        meeting=meeting,
        need=draft,
        agenda_item="§2",
        text=f"Päätös {m['draft_decision.text']}",
        rationale=f"Perustelu {m['draft_decision.rationale']}",
        resulting_status=Status.DRAFT,
        stances={cities["pori"].pk: "for"},
    )
    # Published, so every member city sees the meeting and what it may read of it.
    steering_services.agenda_item_add(
        actor=users["hml_steering"], meeting=meeting, kind="budget", title="Talousarvio 2027"
    )
    meeting = steering_services.agenda_publish(actor=users["hml_steering"], meeting=meeting)
    now = timezone.now()
    round_ = need_services.round_open(
        actor=users["hml_steering"],
        title="Kierros 2026",
        needs=[public_need],
        points_per_city=100,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7),
    )
    need_services.round_allocate(
        actor=users["pori_lead"], round_=round_, points={public_need.pk: 10}
    )

    # The consortium's budget, with Pori's yearly report submitted to the coordinator.
    coordinator = person(cities["hameenlinna"], [Role.PROJECT_COORDINATOR])
    budget = budget_services.budget_create(
        actor=coordinator,
        name="Avoimet kaupungit 2026–2029",
        starts_on=date(2026, 8, 1),
        ends_on=date(2029, 7, 31),
        total_cents=52_000_000,
        external_share=Decimal("0.5"),
    )
    for slug in ("pori", "porvoo"):
        budget_services.participation_add(
            actor=coordinator, budget=budget, organisation=cities[slug], joined_on=date(2026, 8, 1)
        )
    report = budget_services.report_save(
        actor=users["pori_lead"],
        budget=budget,
        organisation=cities["pori"],
        year=2026,
        data={"hours_saved": 120, "benefits": f"Hyödyt {m['report.benefits']}"},
    )
    report = budget_services.report_submit(actor=users["pori_lead"], report=report)

    account_services.member_anonymise(actor=users["admin"], user=departed)

    objects = {
        "open_category": open_category,
        "steering_category": steering,
        "public": public,
        "restricted": restricted,
        "confidential": confidential,
        "hidden_thread": hidden_thread,
        "moved": moved,
        "draft_thread": draft_thread,
        "visible_post": visible,
        "hidden_post": hidden_post,
        "deleted_post": deleted_post,
        "departed_post": departed_post,
        "restricted_reply": restricted_reply,
        "attachment": attachment,
        "public_need": public_need,
        "draft": Need.objects.get(pk=draft.pk),
        "draft_attachment": draft_attachment,
        "meeting": meeting,
        "round": round_,
        "departed": departed,
        "twin": twin,
        "report": report,
    }
    return World(users=users, markers=markers, objects=objects)


def all_threads(world: World) -> list[Thread]:
    keys = ("public", "restricted", "confidential", "hidden_thread", "moved", "draft_thread")
    return [world.objects[key] for key in keys]


def all_posts(world: World) -> list[Post]:
    return list(
        Post.objects.filter(thread__in=all_threads(world)).order_by("pk").select_related("thread")
    )
