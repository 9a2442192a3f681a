"""Personal data: a member downloads all of theirs; an admin anonymises a departed member."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from accounts import services
from accounts.models import AuditEntry, Role, SignInSession
from forum import services as forum_services
from forum.models import Post, PostRevision
from needs_registry import services as needs_services
from needs_registry.models import CityPosition, Status
from notifications.selectors import notification_rows
from search import service as search_service
from search.models import SearchDocument
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
NEED = {
    "title": "Laskutuksen automatisointi",
    "problem": "Laskut käsitellään käsin.",
    "desired_outcome": "Laskut kulkevat automaattisesti.",
    "domain": "finance",
}


@pytest.fixture
def member(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = UserFactory(
            organisation=OrganisationFactory(slug="pori", name_en="Pori"),
            display_name="Maija Mäkelä",
            handle="maija-makela",
            roles=[Role.ICT_LEAD],
        )
        forum_services.thread_create(
            actor=user, category=CategoryFactory(slug="ict"), title="Oma ketju", body="Oma viesti"
        )
    return user


def _upload(name="kuva.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def everything(member, django_capture_on_commit_callbacks):
    """The member has one of each kind of record the platform keeps."""
    other = UserFactory(organisation=member.organisation, display_name="Olli Muu")
    CategoryFactory(slug="talous", domain="finance")
    with django_capture_on_commit_callbacks(execute=True):
        thread = member.threads.get()
        own_post = thread.posts.get()
        forum_services.post_edit(actor=member, post=own_post, body="Oma viesti, korjattu")
        others_thread = forum_services.thread_create(
            actor=other, category=thread.category, title="Toisen ketju", body="Toisen viesti"
        )
        others_post = others_thread.posts.get()
        forum_services.draft_save(actor=member, thread=others_thread, body="Keskeneräinen")
        forum_services.flag_create(actor=member, post=others_post, reason="Asiaton")
        forum_services.tracking_set(user=member, level="watching", category=thread.category)
        forum_services.reaction_toggle(actor=member, post=others_post, kind="thumbs_up")
        forum_services.post_create(actor=other, thread=thread, body="Kiitos @maija-makela")
        forum_services.post_create(actor=member, thread=thread, body="Liite", uploads=[_upload()])
        need = needs_services.need_create(actor=member, data=NEED)
        needs_services.need_attachment_add(actor=member, need=need, upload=_upload("liite.png"))
        needs_services.need_transition(actor=member, need=need, to_status=Status.SUBMITTED)
        needs_services.city_position_set(
            actor=member, need=need, stance=CityPosition.Stance.HAS_NEED
        )
        needs_services.commitment_record(
            actor=member, need=need, amount_eur=Decimal("5000"), budget_year=2027
        )
        needs_services.city_vote_cast(actor=member, need=need, comment="Tärkeä")
        needs_services.support_set(actor=member, need=need, on=True)
        services.profile_update(
            actor=member,
            user=member,
            title="Tietohallintopäällikkö",
            preferred_language="fi",
            notification_email="daily",
            expertise=["laskutus"],
        )
        services.sign_in_session_record(
            user=member,
            session_key="s" * 32,
            subject="maija-sub",
            id_token="header.maija-id-token.signature",
            sid="sid-1",
        )
    return {"other": other, "need": need, "others_post": others_post}


def test_member_downloads_everything_the_platform_keeps_about_them(client, member, everything):
    services.audit_record(
        action=AuditEntry.Action.ADMIN_CHANGE,
        actor=UserFactory(is_staff=True, is_superuser=True),
        target=f"accounts.user:{member.pk}",
        summary="changed",
    )
    client.force_login(member)
    response = client.get("/profile/data.json")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    need = everything["need"]

    assert data["profile"]["email"] == member.email
    assert data["profile"]["handle"] == "maija-makela"
    assert data["profile"]["roles"] == ["expert", "ict_lead"]
    assert data["profile"]["expertise"] == ["laskutus"]
    posts = {p["body"]: p for p in data["posts"]}
    assert {"Oma viesti, korjattu", "Liite"} <= set(posts)
    assert [v["body"] for v in posts["Oma viesti, korjattu"]["earlier_versions"]] == ["Oma viesti"]
    assert "Oma ketju" in [t["title"] for t in data["threads"]]
    assert [d["body"] for d in data["drafts"]] == ["Keskeneräinen"]
    assert [f["reason"] for f in data["flags"]] == ["Asiaton"]
    assert {w["category_id"] for w in data["watches"]} >= {
        member.threads.get(title="Oma ketju").category_id
    }
    assert [r["kind"] for r in data["reactions"]] == ["thumbs_up"]
    assert any("Olli Muu" in n["text"] for n in data["notifications"])
    assert {a["name"] for a in data["attachments"]} == {"kuva.png", "liite.png"}
    assert all(
        a["url"].startswith("http") and "/attachments/" in a["url"] and "/media/" not in a["url"]
        for a in data["attachments"]
    )
    assert [p["stance"] for p in data["city_positions"]] == ["has_need"]
    assert [c["amount_eur"] for c in data["commitments"]] == ["5000.00"]
    assert len(data["position_and_commitment_changes"]) == 2
    assert [v["comment"] for v in data["city_votes"]] == ["Tärkeä"]
    assert [v["action"] for v in data["city_vote_history"]] == ["cast"]
    assert [t["to_status"] for t in data["transitions"]] == ["draft", "submitted"]
    assert [s["need_id"] for s in data["needs_supported"]] == [need.pk]
    assert [f["need_id"] for f in data["needs_followed"]] == [need.pk]
    assert [n["id"] for n in data["needs_created"]] == [need.pk]
    actions = {e["action"] for e in data["audit_entries"]}
    assert {"profile_changed", "city_position", "commitment", "sign_in", "admin_change"} <= actions
    assert [s["sid"] for s in data["sign_ins"]] == ["sid-1"]
    assert "maija-id-token" not in response.content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DATA_EXPORTED, actor=member).exists()


def test_admin_anonymises_a_departed_member_keeping_posts(client, member):
    admin = UserFactory(roles=[Role.PLATFORM_ADMIN])
    with pytest.raises(PermissionDenied):
        services.member_anonymise(actor=UserFactory(), user=member)

    services.member_anonymise(actor=admin, user=member)

    member = type(member).objects.get(pk=member.pk)
    assert member.email.endswith("@anonymised.invalid")
    assert member.handle is None
    assert not member.is_active
    assert member.role_set == frozenset()
    page = client.get(f"/forum/t/{member.threads.get().pk}/").content.decode()
    assert "Maija Mäkelä" not in page
    client.force_login(admin)
    page = client.get(f"/forum/t/{member.threads.get().pk}/").content.decode()
    assert "Former member of Pori" in page
    assert "Oma viesti" in page


def test_anonymisation_leaves_no_name_handle_or_token_behind(
    member, everything, django_capture_on_commit_callbacks
):
    other, others_post = everything["other"], everything["others_post"]
    reader = UserFactory(organisation=member.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        own_post = Post.objects.get(author=member, body="Oma viesti, korjattu")
        forum_services.post_edit(actor=member, post=own_post, body="Terveisin Maija Mäkelä")
        forum_services.post_edit(actor=member, post=own_post, body="Terveisin M.")
        forum_services.post_create(
            actor=member, thread=others_post.thread, body=f"Hei @{other.handle}"
        )
        mentions = [
            forum_services.post_create(actor=other, thread=others_post.thread, body=body)
            for body in ("Kysy @maija-makela", "Kysy @maija-makela taas")
        ]
        forum_services.post_edit(actor=other, post=mentions[1], body="Kysy häneltä")
    # Before: each place names her, and the search finds her.
    assert any("Maija Mäkelä" in n["text"] for n in notification_rows(user=other))
    assert PostRevision.objects.filter(body__contains="maija-makela").exists()
    assert PostRevision.objects.filter(body__contains="Maija Mäkelä").exists()
    assert SearchDocument.objects.filter(author_name="Maija Mäkelä").exists()
    assert search_service.search(viewer=reader, query="maija-makela").object_list
    assert SignInSession.objects.filter(user=member).exists()

    admin = UserFactory(roles=[Role.PLATFORM_ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        services.member_anonymise(actor=admin, user=member)

    texts = [n["text"] for n in notification_rows(user=other)]
    assert not any("Maija" in text for text in texts)
    assert any("Former member of Pori" in text for text in texts)
    for model in (Post, PostRevision):
        assert not model.objects.filter(body__contains="Maija").exists()
        assert not model.objects.filter(body__contains="maija-makela").exists()
        assert not model.objects.filter(html__contains="maija-makela").exists()
    assert Post.objects.filter(body="Kysy Former member of Pori").exists()
    assert PostRevision.objects.filter(body="Terveisin Former member of Pori").exists()
    assert not SearchDocument.objects.filter(author_name__contains="Maija").exists()
    assert SearchDocument.objects.filter(author_name="Former member of Pori").exists()
    assert not search_service.search(viewer=reader, query="maija-makela").object_list
    assert not search_service.search(viewer=reader, query="Mäkelä").object_list
    assert search_service.search(viewer=reader, query="Terveisin").object_list
    assert not SignInSession.objects.filter(user=member).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.MEMBER_ANONYMISED)
    assert entry.target == f"user:{member.pk}"


def test_audit_summaries_name_no_one(member, everything):
    names = ("Maija", "Mäkelä", "maija-makela", "Olli Muu")
    entries = list(AuditEntry.objects.all())
    assert entries
    for entry in entries:
        text = entry.summary + json.dumps(entry.data, ensure_ascii=False) + entry.target
        assert not any(name in text for name in names), entry.summary
    assert {e.actor_name for e in entries} >= {"Maija Mäkelä"}


def test_ended_sign_ins_and_their_id_tokens_are_purged(client, member):
    client.force_login(member)
    live_key = client.session.session_key
    for key in (live_key, "ended-session-key"):
        services.sign_in_session_record(
            user=member, session_key=key, subject="sub", id_token=f"token-{key}", sid=""
        )

    call_command("purge_sign_in_sessions")

    assert list(SignInSession.objects.values_list("session_key", flat=True)) == [live_key]
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=live_key).update(expire_date=timezone.now())
    call_command("purge_sign_in_sessions")
    assert not SignInSession.objects.exists()


def test_audit_entries_are_append_only(member):
    entry = AuditEntry.objects.create(action=AuditEntry.Action.EXPORT, actor=member)
    entry.summary = "changed"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()


def test_admin_changes_reach_the_audit_log(client):
    from accounts.models import Organisation

    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    organisation = OrganisationFactory(slug="heinola", name_fi="Heinola")
    response = client.post(
        f"/django-admin/accounts/organisation/{organisation.pk}/change/",
        {
            "slug": "heinola",
            "name_fi": "Heinolan kaupunki",
            "name_sv": "Heinola",
            "name_en": "Heinola",
            "business_id": "",
            "kind": "city",
            "population": "18000",
            "is_active": "on",
            "joined_on": "2026-01-01",
            "left_on": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert Organisation.objects.get(pk=organisation.pk).name_fi == "Heinolan kaupunki"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ADMIN_CHANGE)
    assert entry.actor == superuser
    assert entry.target == f"accounts.organisation:{organisation.pk}"
