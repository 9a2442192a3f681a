"""Who a live socket belongs to: read from the session, which the socket never writes."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session

from tests.factories import UserFactory
from tests.forum.conftest import connect, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_signed_in_member_connects():
    user = await sync_to_async(UserFactory)()
    communicator, connected, _code = await connect(user)
    assert connected
    await communicator.disconnect()


async def test_a_session_that_no_longer_verifies_is_refused_and_left_to_the_pages():
    @sync_to_async
    def signed_in_then_password_changed():
        user = UserFactory()
        cookie = session_cookie(user)
        user.set_password("a new password")
        user.save()
        return cookie

    cookie = await signed_in_then_password_changed()
    _communicator, connected, code = await connect(cookie=cookie)
    assert not connected
    assert code == 4401
    # Ending the session is the next page request's work, which can clear the cookie too.
    assert await Session.objects.filter(session_key=cookie).aexists()


async def test_after_a_secret_key_rotation_the_socket_keeps_the_browser_session(settings):
    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie)(user)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-" + "x" * 40
    communicator, connected, _code = await connect(cookie=cookie)
    assert connected
    # The session key is renewed by a page request, which can send the new cookie.
    assert await Session.objects.filter(session_key=cookie).aexists()
    await communicator.disconnect()
