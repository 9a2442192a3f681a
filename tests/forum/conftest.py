"""The forum's live socket in tests: members connecting through the real ASGI stack."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.models import Role
from config.asgi import application
from forum import services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def connect(user=None, origin=None, cookie=None):
    """Open the live socket as a page of the site (``SITE_URL``) unless ``origin`` says
    otherwise; ``origin=""`` sends no Origin header."""
    origin = settings.SITE_URL if origin is None else origin
    headers = [(b"host", b"testserver")]
    if origin:
        headers.append((b"origin", origin.encode()))
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
    if cookie is not None:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def receive(communicator, timeout=2):
    return json.loads(await communicator.receive_from(timeout=timeout))


@pytest.fixture
def world(db):
    pori = OrganisationFactory(slug="pori")
    porvoo = OrganisationFactory(slug="porvoo")
    open_category = CategoryFactory(slug="open")
    steering = CategoryFactory(slug="sg", read_roles=[Role.STEERING_GROUP])
    alice = UserFactory(organisation=pori, handle="alice")
    bob = UserFactory(organisation=porvoo, handle="bob", roles=[Role.STEERING_GROUP])
    thread = services.thread_create(actor=alice, category=open_category, title="Open", body="1")
    secret = services.thread_create(actor=bob, category=steering, title="Secret", body="1")
    return {"alice": alice, "bob": bob, "thread": thread, "secret": secret}
