"""Sign-in through real OpenID providers over HTTP: claims become member, organisation, roles."""

import pytest
import requests
from allauth.socialaccount.models import SocialAccount

from accounts.models import AuditEntry, Organisation, User
from tests.conftest import finish_sign_in, sign_in, start_sign_in, use_provider

pytestmark = pytest.mark.django_db


def claims(**extra):
    return {"email": "maija@pori.example", "name": "Maija Meikäläinen", **extra}


@pytest.fixture
def iam(settings, mock_provider, organisations):
    use_provider(settings, mock_provider)
    return mock_provider


def test_first_sign_in_creates_the_member_without_a_form(client, iam):
    iam.set_user(
        "maija-1",
        claims(
            organization={"pori": {"id": "x"}},
            realm_access={"roles": ["ict-lead", "offline_access"]},
        ),
    )

    response = sign_in(client, iam, "maija-1")

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(socialaccount__uid="maija-1")
    assert user.email == "maija@pori.example"
    assert user.display_name == "Maija Meikäläinen"
    assert user.organisation.slug == "pori"
    assert user.role_set == {"ict_lead"}
    assert not user.has_usable_password()
    assert client.get("/members/").status_code == 200


@pytest.mark.parametrize(
    ("extra", "organisation"),
    [
        ({"municipality": "kajaani"}, "kajaani"),
        ({"groups": ["/cities/porvoo", "/roles/steering-group"]}, "porvoo"),
        ({"organization": {"seinajoki": {}}}, "seinajoki"),
    ],
)
def test_organisation_is_read_from_the_configured_claims(client, iam, extra, organisation):
    iam.set_user("sub-org", claims(email=f"x@{organisation}.example", **extra))

    sign_in(client, iam, "sub-org")

    assert User.objects.get(socialaccount__uid="sub-org").organisation.slug == organisation


def test_group_roles_map_to_platform_roles(client, iam):
    iam.set_user(
        "sub-groups", claims(groups=["/cities/pori", "/roles/steering-group", "/roles/moderator"])
    )

    sign_in(client, iam, "sub-groups")

    assert User.objects.get(socialaccount__uid="sub-groups").role_set == {
        "steering_group",
        "moderator",
    }


def test_claim_mapping_is_configuration(client, iam, settings):
    settings.IAM_ORGANISATION_CLAIMS = ["org_code"]
    settings.IAM_ROLE_CLAIMS = ["app_roles"]
    settings.IAM_ROLE_MAP = {"PRIORITISER": "ict_lead"}
    iam.set_user(
        "sub-custom", claims(org_code="heinola", app_roles=["PRIORITISER"], municipality="pori")
    )

    sign_in(client, iam, "sub-custom")

    user = User.objects.get(socialaccount__uid="sub-custom")
    assert user.organisation.slug == "heinola"
    assert user.role_set == {"ict_lead"}


def test_roles_removed_in_the_iam_are_removed_at_next_sign_in(client, iam):
    iam.set_user("sub-roles", claims(municipality="pori", roles=["ict-lead", "moderator"]))
    sign_in(client, iam, "sub-roles")
    client.logout()

    iam.set_user("sub-roles", claims(municipality="porvoo", roles=["moderator"], name="Maija Uusi"))
    sign_in(client, iam, "sub-roles")

    user = User.objects.get(socialaccount__uid="sub-roles")
    assert user.role_set == {"moderator"}
    assert user.organisation.slug == "porvoo"
    assert user.display_name == "Maija Uusi"
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.ROLES_CHANGED).first()
    assert entry.data["removed"] == ["ict_lead"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ORGANISATION_CHANGED).exists()


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        ({"municipality": "tampere"}, "tampere"),
        ({}, "does not name an organisation"),
    ],
)
def test_unknown_organisation_gets_a_clear_page_and_no_account(client, iam, extra, text):
    iam.set_user("sub-out", claims(email="olga@elsewhere.example", **extra))

    response = sign_in(client, iam, "sub-out")

    assert response.status_code == 403
    assert text in response.content.decode()
    assert not User.objects.filter(email="olga@elsewhere.example").exists()
    assert not SocialAccount.objects.filter(uid="sub-out").exists()
    assert client.get("/members/").status_code == 302


def test_inactive_organisation_is_refused(client, iam):
    Organisation.objects.filter(slug="paimio").update(is_active=False)
    iam.set_user("sub-paimio", claims(email="p@paimio.example", municipality="paimio"))

    response = sign_in(client, iam, "sub-paimio")

    assert response.status_code == 403
    assert "no longer an active member" in response.content.decode()
    assert not User.objects.filter(email="p@paimio.example").exists()


def test_accounts_are_not_joined_by_email(client, iam):
    iam.set_user("first", claims(municipality="pori", email="same@pori.example"))
    sign_in(client, iam, "first")
    client.logout()
    iam.set_user("second", claims(municipality="pori", email="same@pori.example"))

    response = sign_in(client, iam, "second")

    assert response.status_code == 403
    assert User.objects.filter(email="same@pori.example").count() == 1
    assert SocialAccount.objects.get(user__email="same@pori.example").uid == "first"


def test_sign_in_starts_by_post_only(client, iam):
    response = client.get("/accounts/oidc/iam/login/")

    assert response.status_code == 405


def test_authorize_request_uses_pkce(client, iam):
    authorize_url = start_sign_in(client)

    assert "code_challenge=" in authorize_url
    assert "code_challenge_method=S256" in authorize_url


def test_replayed_state_fails_with_a_clear_page(client, iam):
    iam.set_user("sub-replay", claims(municipality="pori"))
    callback = iam.authorize(start_sign_in(client), "sub-replay")
    assert finish_sign_in(client, callback).status_code == 302
    client.logout()

    response = finish_sign_in(client, callback)

    assert response.status_code == 401
    assert "Sign-in failed" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_provider_down_gives_a_clear_page(client, settings, organisations):
    from tests.conftest import Provider, free_port

    use_provider(settings, Provider(issuer=f"http://127.0.0.1:{free_port()}", kind="mock"))

    response = client.post("/accounts/oidc/iam/login/", {"process": "login"})

    assert response.status_code == 503
    assert "does not answer" in response.content.decode()


def test_break_glass_superuser_signs_in_to_django_admin(client, db):
    User.objects.create_superuser("breakglass", "root@example.org", "a-long-pass-phrase-42")

    response = client.post(
        "/django-admin/login/?next=/django-admin/",
        {"username": "breakglass", "password": "a-long-pass-phrase-42"},
    )

    assert response.status_code == 302
    assert client.get("/django-admin/").status_code == 200


def test_discovery_is_used(iam):
    config = requests.get(f"{iam.issuer}/.well-known/openid-configuration", timeout=5).json()
    assert config["issuer"] == iam.issuer


def test_signed_in_sessions_keep_working_when_the_provider_is_down(client, iam, settings):
    from tests.conftest import Provider, free_port

    iam.set_user("sub-stays", claims(municipality="pori"))
    sign_in(client, iam, "sub-stays")
    use_provider(settings, Provider(issuer=f"http://127.0.0.1:{free_port()}", kind="mock"))

    assert client.get("/members/").status_code == 200
    assert client.get("/forum/").status_code == 200
