"""Writes for people, organisations, roles, sign-in sessions and the audit log."""

import hashlib
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import slugify

from accounts import iam
from accounts import sessions as lifetime
from accounts.claims import organisation_candidates, roles_from_claims
from accounts.models import (
    AuditEntry,
    Language,
    Organisation,
    SignInSession,
    User,
    UserRole,
    new_feed_token,
)
from accounts.permissions import can_deactivate
from forum.anonymisation import member_forum_anonymise
from forum.events import member_events_anonymise
from live.broadcast import EVERY_SESSION, broadcast_on_commit, user_group
from needs_registry.models import Need
from search.indexing import index_on_commit

logger = logging.getLogger(__name__)

SESSION_ENDED = "session.ended"
# While the IAM does not answer, it is asked again this often (within its grace).
IAM_RETRY_SECONDS = 60.0


class SignInRefused(Exception):
    """The IAM's claims do not allow a sign-in here; ``reason`` says why."""

    def __init__(self, reason: str, organisation: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.organisation = organisation


@dataclass(frozen=True)
class IAMProfile:
    """What the platform takes from the IAM at every sign-in."""

    subject: str
    email: str
    display_name: str
    organisation: Organisation
    roles: frozenset[str]
    preferred_language: str | None
    preferred_handle: str = ""


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    target: str = "",
    summary: str = "",
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry to the audit log.

    ``summary`` and ``data`` name people by id (``user:42``), never by name:
    the log is append-only, so a name written there could not be anonymised
    (see ``AuditEntry``). The actor's name is kept apart, as a snapshot.
    """
    return AuditEntry.objects.create(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        target=target[:200],
        summary=summary[:500],
        data=dict(data or {}),
    )


def _audit_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(_audit_value(v) for v in value)
    return str(value)


def back_office_change_record(
    *,
    actor: User,
    action: str,
    obj: Any,
    verb: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry | None:
    """Audit a change made in the back office (Wagtail's snippets) to ``obj``.

    ``before`` and ``after`` map field names to values; the entry lists the
    fields that differ, from what to what. Nothing is written for an edit that
    changed nothing. ``obj`` is named by its model and id.
    """
    before, after = dict(before or {}), dict(after or {})
    changes = {
        name: [_audit_value(before.get(name)), _audit_value(after.get(name))]
        for name in sorted(set(before) | set(after))
        if _audit_value(before.get(name)) != _audit_value(after.get(name))
    }
    if verb == "changed" and not changes:
        return None
    return audit_record(
        action=action,
        actor=actor,
        target=f"{obj._meta.label_lower}:{obj.pk}",
        summary=f"{verb}: {', '.join(changes)}" if changes else verb,
        data={"verb": verb, "changes": changes},
    )


def iam_profile_from_claims(*, subject: str, claims: Mapping[str, Any]) -> IAMProfile:
    """Resolve the claims to an active organisation and platform roles.

    Raises ``SignInRefused`` when no active member organisation is named.
    """
    candidates = organisation_candidates(claims)
    if not candidates:
        raise SignInRefused("no_organisation")
    organisations = {
        key: organisation
        for organisation in Organisation.objects.all()
        for key in (organisation.slug.lower(), organisation.business_id.lower())
        if key
    }
    known = [organisations[c] for c in candidates if c in organisations]
    if not known:
        raise SignInRefused("unknown_organisation", organisation=candidates[0])
    organisation = next((o for o in known if o.is_active), None)
    if organisation is None:
        raise SignInRefused("inactive_organisation", organisation=known[0].name)
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise SignInRefused("no_email")
    name = str(
        claims.get("name")
        or " ".join(filter(None, [claims.get("given_name"), claims.get("family_name")]))
        or claims.get("preferred_username")
        or email.split("@")[0]
    )
    locale = str(claims.get("locale") or "")[:2].lower()
    return IAMProfile(
        subject=subject,
        email=email,
        display_name=name[:150],
        organisation=organisation,
        roles=frozenset(roles_from_claims(claims)),
        preferred_language=locale if locale in Language.values else None,
        preferred_handle=str(claims.get("preferred_username") or ""),
    )


def username_for_subject(subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:24]
    return f"iam-{digest}"


def handle_for(wish: str, user: User) -> str:
    """A unique @handle for ``user``, as close to ``wish`` as is free."""
    base = slugify(wish.split("@")[0].replace(".", " "))[:50] or "member"
    taken_by_organisation = set(Organisation.objects.values_list("slug", flat=True))
    candidate, n = base, 1
    while (
        candidate in taken_by_organisation
        or User.objects.filter(handle=candidate).exclude(pk=user.pk).exists()
    ):
        n += 1
        candidate = f"{base}{n}"
    return candidate


# The member's fields a sign-in sets from the IAM's claims.
_FROM_THE_IAM = (
    "email",
    "display_name",
    "organisation",
    "preferred_language",
    "username",
    "handle",
    "is_staff",
    "is_superuser",
)


def user_apply_iam_profile(*, user: User, profile: IAMProfile, is_new: bool) -> User:
    """Make the member's organisation, roles and name what the IAM says.

    Runs at every sign-in, so the IAM stays the source of truth: a role
    removed there is removed here. Writes ``User``, ``UserRole`` and audit
    entries for changed roles or organisation; sends ``access.changed`` to the
    member's open websockets so they re-check their subscriptions.
    """
    with transaction.atomic():
        previous_organisation = user.organisation
        before = {name: user.serializable_value(name) for name in _FROM_THE_IAM}
        user.email = profile.email
        user.display_name = profile.display_name
        user.organisation = profile.organisation
        if is_new and profile.preferred_language:
            user.preferred_language = profile.preferred_language
        if not user.username:
            user.username = username_for_subject(profile.subject)
        if not user.handle:
            user.handle = handle_for(profile.preferred_handle or profile.display_name, user)
        is_admin = "platform_admin" in profile.roles
        user.is_staff = is_admin
        user.is_superuser = is_admin
        user.full_clean(exclude=["password", "feed_token"])
        if is_new or user._state.adding:
            user.save()
        else:
            # Only what changed: a sign-in that changes nothing writes nothing
            # (and drops no page kept with the member's name on it).
            changed = [n for n in _FROM_THE_IAM if user.serializable_value(n) != before[n]]
            if changed:
                user.save(update_fields=changed)

        current = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
        added = profile.roles - current
        removed = current - profile.roles
        if removed:
            UserRole.objects.filter(user=user, role__in=removed).delete()
        UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in sorted(added)])
        user.__dict__.pop("role_set", None)

        if (added or removed) and not (is_new and not removed):
            audit_record(
                action=AuditEntry.Action.ROLES_CHANGED,
                actor=user,
                target=f"user:{user.pk}",
                summary=f"+{sorted(added)} -{sorted(removed)}",
                data={"added": sorted(added), "removed": sorted(removed)},
            )
        if previous_organisation is not None and previous_organisation != profile.organisation:
            audit_record(
                action=AuditEntry.Action.ORGANISATION_CHANGED,
                actor=user,
                target=f"user:{user.pk}",
                summary=f"{previous_organisation.slug} -> {profile.organisation.slug}",
            )
        if added or removed or previous_organisation != profile.organisation:
            broadcast_on_commit(user_group(user.pk), "access.changed", {})
    return user


def sign_in_session_record(
    *,
    user: User,
    session_key: str,
    subject: str,
    id_token: str,
    sid: str,
    tokens: iam.Tokens | None = None,
) -> SignInSession:
    """Remember which IAM session (``sid``) and tokens a platform session has.

    The refresh and access tokens are what the IAM is asked with during the
    session (``sign_in_session_recheck``); the sign-in counts as its first check.
    """
    tokens = tokens or iam.Tokens()
    now = timezone.now()
    session, _ = SignInSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "subject": subject,
            "id_token": id_token,
            "sid": sid,
            "refresh_token": tokens.refresh_token,
            "access_token": tokens.access_token,
            "checked_at": now,
            "confirmed_at": now,
        },
    )
    audit_record(action=AuditEntry.Action.SIGN_IN, actor=user, target=f"user:{user.pk}")
    return session


def sign_in_session_end(*, session_key: str, user: User | None) -> SignInSession | None:
    """Sign a platform session out: forget its IAM link and close its live sockets.

    Returns the link if there was one (its ID token is the hint for the IAM's
    logout). Sends ``session.ended`` for this session to the member's sockets on
    every process, after commit; their other sessions stay signed in.
    """
    with transaction.atomic():
        sign_in = SignInSession.objects.filter(session_key=session_key).first()
        if sign_in is not None:
            SignInSession.objects.filter(pk=sign_in.pk).delete()
        if user is not None and user.is_authenticated:
            audit_record(action=AuditEntry.Action.SIGN_OUT, actor=user, target=f"user:{user.pk}")
            if session_key:
                _sockets_close(user.pk, session_key)
    return sign_in


def _session_store(session_key: str) -> SessionBase:
    engine: type[SessionBase] = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    return engine(session_key=session_key)


def _sockets_close(user_id: int, session_key: str) -> None:
    """Close the member's live sockets of ``session_key`` (or ``EVERY_SESSION``) everywhere."""
    broadcast_on_commit(user_group(user_id), SESSION_ENDED, {}, session_key=session_key)


def _platform_session_end(*, session_key: str, user_id: int) -> None:
    _session_store(session_key).delete()
    SignInSession.objects.filter(session_key=session_key).delete()
    _sockets_close(user_id, session_key)


def _member_sessions_end(user: User) -> None:
    """End every session of ``user`` the platform knows of and close all their sockets.

    Sessions not linked to an IAM sign-in (a local password) need no deleting
    for a deactivated or removed member: Django refuses them as the member is
    loaded, and the sockets close on the message.
    """
    for session_key in SignInSession.objects.filter(user=user).values_list(
        "session_key", flat=True
    ):
        _session_store(session_key).delete()
    SignInSession.objects.filter(user=user).delete()
    _sockets_close(user.pk, EVERY_SESSION)


class SessionEnded(Exception):
    """The session was ended by its check; ``reason`` says why (for the member's message)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SessionCheck:
    """The outcome of a session's check that kept it: when to look again."""

    deadline: float
    iam_due: float
    rechecked: bool


def session_expire(*, session_key: str, user: User, reason: str) -> None:
    """End a session that outlived its idle timeout or lifetime (``accounts.sessions``).

    Deletes the session and its IAM link, audits ``session_expired`` with the
    reason and closes the session's sockets everywhere after commit.
    """
    with transaction.atomic():
        _platform_session_end(session_key=session_key, user_id=user.pk)
        audit_record(
            action=AuditEntry.Action.SESSION_EXPIRED,
            actor=user,
            target=f"user:{user.pk}",
            summary=reason,
            data={"reason": reason},
        )


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def sign_in_session_recheck(*, session_key: str, now: float) -> float:
    """Ask the IAM again, when due, whether the session's person is who they were.

    Due ``IAM_RECHECK_SECONDS`` after the last check. The IAM's claims go
    through ``iam_profile_from_claims`` and ``user_apply_iam_profile`` as at
    sign-in: roles and organisation updated and audited, the member's sockets
    told ``access.changed``. When the IAM says the person is gone, or the claims
    no longer make them a member, the session ends (audited
    ``iam_access_ended``, its sockets closed) and ``SessionEnded`` is raised.
    When the IAM does not answer, the session is kept until
    ``IAM_UNREACHABLE_GRACE_SECONDS`` past the interval since the IAM last
    confirmed it, asking again every minute meanwhile.

    Only one check of a session runs at a time: it is claimed by moving
    ``checked_at``, so a refresh token is never redeemed twice at once.
    Returns when the next check is due (``inf`` for a session without IAM).
    """
    sign_in = (
        SignInSession.objects.select_related("user__organisation")
        .filter(session_key=session_key)
        .first()
    )
    if sign_in is None:
        return math.inf
    interval = float(settings.IAM_RECHECK_SECONDS)
    due = sign_in.checked_at.timestamp() + interval
    if now < due:
        return due
    claimed = SignInSession.objects.filter(pk=sign_in.pk, checked_at=sign_in.checked_at).update(
        checked_at=_at(now)
    )
    if not claimed:
        return now + min(interval, IAM_RETRY_SECONDS)
    tokens = iam.Tokens(
        id_token=sign_in.id_token,
        access_token=sign_in.access_token,
        refresh_token=sign_in.refresh_token,
    )
    try:
        confirmation = iam.confirm(subject=sign_in.subject, tokens=tokens)
        profile = iam_profile_from_claims(subject=sign_in.subject, claims=confirmation.claims)
    except iam.IAMUnavailable as error:
        unconfirmed = now - sign_in.confirmed_at.timestamp()
        if unconfirmed < interval + settings.IAM_UNREACHABLE_GRACE_SECONDS:
            logger.warning("The IAM could not confirm a session; kept for now: %s", error)
            retry = now + min(interval, IAM_RETRY_SECONDS)
            SignInSession.objects.filter(pk=sign_in.pk).update(checked_at=_at(retry - interval))
            return retry
        reason = "iam_unreachable"
    except iam.IAMRefused as refusal:
        reason = refusal.reason
    except SignInRefused as refusal:
        reason = refusal.reason
    else:
        try:
            with transaction.atomic():
                user_apply_iam_profile(user=sign_in.user, profile=profile, is_new=False)
                SignInSession.objects.filter(pk=sign_in.pk).update(
                    id_token=confirmation.tokens.id_token,
                    access_token=confirmation.tokens.access_token,
                    refresh_token=confirmation.tokens.refresh_token,
                    confirmed_at=_at(now),
                )
            return now + interval
        except ValidationError:
            # The claims cannot be applied (an e-mail address another member
            # has, say): the roles here could not follow the IAM's, so the
            # session does not go on with the old ones.
            logger.exception("The IAM's claims could not be applied to user:%s", sign_in.user_id)
            reason = "claims_not_applicable"
    with transaction.atomic():
        _platform_session_end(session_key=session_key, user_id=sign_in.user_id)
        audit_record(
            action=AuditEntry.Action.IAM_ACCESS_ENDED,
            actor=sign_in.user,
            target=f"user:{sign_in.user_id}",
            summary=reason,
            data={"reason": reason},
        )
    raise SessionEnded(reason)


def sign_in_session_due(*, session_key: str) -> float:
    """When the IAM is next to be asked about this session (``inf`` if it has no IAM)."""
    checked = (
        SignInSession.objects.filter(session_key=session_key)
        .values_list("checked_at", flat=True)
        .first()
    )
    return math.inf if checked is None else checked.timestamp() + settings.IAM_RECHECK_SECONDS


def session_check(
    *, session_key: str, data: Mapping[str, Any], user: User, now: float, ask_iam: bool = True
) -> SessionCheck:
    """Apply the session's idle timeout, lifetime and (when due) the IAM re-check.

    ``data`` is the session's data as loaded. Raises ``SessionEnded`` after
    ending a session that is over (``session_expire``,
    ``sign_in_session_recheck``); otherwise says when to look again. Without
    ``ask_iam`` a due re-check is not made but only reported in the deadline,
    for callers that must not wait for the IAM.
    """
    reason = lifetime.lifetime_expired(data, now)
    if reason:
        session_expire(session_key=session_key, user=user, reason=reason)
        raise SessionEnded(reason)
    iam_due = lifetime.iam_due(data)
    rechecked = iam_due <= now
    if rechecked:
        if ask_iam:
            iam_due = sign_in_session_recheck(session_key=session_key, now=now)
        else:
            iam_due = sign_in_session_due(session_key=session_key)
    return SessionCheck(
        deadline=min(lifetime.lifetime_deadline(data, now), iam_due),
        iam_due=iam_due,
        rechecked=rechecked,
    )


def session_reverify(*, session_key: str, now: float) -> float:
    """``session_check`` for a live socket whose deadline passed: reads the session again.

    Raises ``SessionEnded`` if the session is gone or over; returns the next deadline.
    """
    data = _session_store(session_key).load()
    user_id = data.get(SESSION_KEY)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise SessionEnded("gone")
    return session_check(session_key=session_key, data=data, user=user, now=now).deadline


def member_deactivate(*, actor: User, user: User) -> User:
    """Deactivate a member: they can no longer sign in, and are signed out everywhere at once.

    Only platform admins. Writes ``User.is_active``, audits
    ``member_deactivated``, ends the member's sessions and closes every live
    socket of theirs on every process after commit.
    """
    if not can_deactivate(actor):
        raise PermissionDenied
    with transaction.atomic():
        user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit_record(
                action=AuditEntry.Action.MEMBER_DEACTIVATED,
                actor=actor,
                target=f"user:{user.pk}",
            )
        _member_sessions_end(user)
    return user


def member_reactivate(*, actor: User, user: User) -> User:
    """Let a deactivated member sign in again (roles come from the IAM at that sign-in)."""
    if not can_deactivate(actor):
        raise PermissionDenied
    with transaction.atomic():
        user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
        if not user.is_active and user.anonymised_at is None:
            user.is_active = True
            user.save(update_fields=["is_active"])
            audit_record(
                action=AuditEntry.Action.MEMBER_REACTIVATED,
                actor=actor,
                target=f"user:{user.pk}",
            )
    return user


def member_deactivation_record(*, actor: User, user: User) -> None:
    """Record a deactivation Wagtail's own user views already wrote, and sign the member out.

    Wagtail's user edit form and its bulk "set active state" save ``is_active``
    themselves; this audits ``member_deactivated``, ends the member's sessions
    and closes their sockets everywhere after commit, as ``member_deactivate``.
    """
    with transaction.atomic():
        audit_record(
            action=AuditEntry.Action.MEMBER_DEACTIVATED, actor=actor, target=f"user:{user.pk}"
        )
        _member_sessions_end(user)


def member_sign_out_everywhere(*, actor: User, user: User) -> None:
    """End every session of a member and close all their sockets (before Wagtail deletes them)."""
    if not can_deactivate(actor):
        raise PermissionDenied
    with transaction.atomic():
        _member_sessions_end(user)


def member_delete(*, actor: User, user: User) -> None:
    """Delete a member's row (back office): their sessions end and their sockets close first."""
    if not can_deactivate(actor):
        raise PermissionDenied
    with transaction.atomic():
        _member_sessions_end(user)
        user.delete()


def sessions_end_by_iam(*, subject: str, sid: str) -> int:
    """End the platform sessions the IAM ended (back-channel logout).

    Deletes the sessions linked to ``sid`` (or, without one, every session of
    ``subject``), writes an audit entry and tells the member's open websockets
    to close. Returns the number of sessions ended.
    """
    sign_ins = SignInSession.objects.select_related("user")
    if sid:
        sign_ins = sign_ins.filter(sid=sid)
        if subject:
            sign_ins = sign_ins.filter(subject=subject)
    elif subject:
        sign_ins = sign_ins.filter(subject=subject)
    else:
        raise PermissionDenied("A logout token names a sid or a sub.")
    ended = list(sign_ins)
    with transaction.atomic():
        for sign_in in ended:
            _session_store(sign_in.session_key).delete()
            broadcast_on_commit(
                user_group(sign_in.user_id), SESSION_ENDED, {}, session_key=sign_in.session_key
            )
            audit_record(
                action=AuditEntry.Action.BACKCHANNEL_LOGOUT,
                actor=sign_in.user,
                target=f"user:{sign_in.user_id}",
            )
        SignInSession.objects.filter(pk__in=[s.pk for s in ended]).delete()
    return len(ended)


def profile_update(
    *,
    actor: User,
    user: User,
    title: str,
    preferred_language: str,
    notification_email: str,
    expertise: Iterable[str],
) -> User:
    """Update the fields a member keeps themself (name, e-mail and roles come from the IAM)."""
    if actor.pk != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        before = {
            "title": user.title,
            "preferred_language": user.preferred_language,
            "notification_email": user.notification_email,
            "expertise": sorted(tag.name for tag in user.expertise.all()),
        }
        user.title = title
        user.preferred_language = preferred_language
        user.notification_email = notification_email
        user.full_clean(exclude=["password"])
        user.save(update_fields=["title", "preferred_language", "notification_email"])
        tags = sorted({tag.strip() for tag in expertise if tag.strip()})
        user.expertise.set(tags, clear=True)
        after = {
            "title": user.title,
            "preferred_language": user.preferred_language,
            "notification_email": user.notification_email,
            "expertise": sorted(tag.name for tag in user.expertise.all()),
        }
        changed = sorted(name for name in before if before[name] != after[name])
        if changed:
            # Field names only: what a member writes of themself stays out of the log.
            audit_record(
                action=AuditEntry.Action.PROFILE_CHANGED,
                actor=actor,
                target=f"user:{user.pk}",
                summary=", ".join(changed),
                data={"fields": changed},
            )
    return user


def feed_token_renew(*, user: User) -> str:
    user.feed_token = new_feed_token()
    user.save(update_fields=["feed_token"])
    return user.feed_token


def member_anonymise(*, actor: User, user: User) -> User:
    """Anonymise a departed member; their posts remain as "former member of <city>".

    Only platform admins. Clears personal fields, the @handle, roles, tags,
    sessions and the stored ID tokens of their sign-ins; removes their name
    and handle from the forum (their posts and earlier versions, @mentions of
    them, other members' notifications about them: ``forum.anonymisation``),
    re-renders the stored live events of those posts (``forum.events``) and
    re-indexes for search everything that showed their name.

    The audit log is not rewritten: it names people by id and keeps the
    actor's name snapshot for the legal retention period (see ``AuditEntry``).
    """
    if not actor.is_platform_admin:
        raise PermissionDenied
    with transaction.atomic():
        user = (
            User.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=user.pk)
        )
        names = [user.display_name, user.get_full_name()]
        handle = user.handle
        user.email = f"former-{user.pk}@anonymised.invalid"
        user.username = f"former-{user.pk}"
        user.display_name = ""
        user.first_name = ""
        user.last_name = ""
        user.title = ""
        user.handle = None
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.anonymised_at = timezone.now()
        user.feed_token = new_feed_token()
        user.set_unusable_password()
        user.save()
        user.expertise.clear()
        UserRole.objects.filter(user=user).delete()
        user.__dict__.pop("role_set", None)
        SocialAccount.objects.filter(user=user).delete()
        _member_sessions_end(user)
        rewritten = member_forum_anonymise(
            user_id=user.pk, names=names, handle=handle, label=str(user.public_name)
        )
        member_events_anonymise(user_id=user.pk, post_ids=rewritten)
        for need_id in Need.objects.filter(Q(contact=user) | Q(created_by=user)).values_list(
            "pk", flat=True
        ):
            index_on_commit("need", need_id)
        audit_record(
            action=AuditEntry.Action.MEMBER_ANONYMISED, actor=actor, target=f"user:{user.pk}"
        )
    return user


def sign_in_sessions_purge() -> int:
    """Forget the sign-ins (and their stored ID tokens) whose platform session has ended.

    Signing out and the IAM's back-channel logout remove their own; this
    catches sessions that simply expired. Run periodically
    (``manage.py purge_sign_in_sessions``). Returns the number removed.
    """
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    sign_ins = SignInSession.objects.all()
    if hasattr(store, "get_model_class"):
        live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
        ended = sign_ins.exclude(session_key__in=live.values("session_key"))
    else:
        ended = sign_ins.filter(
            pk__in=[
                s.pk
                for s in sign_ins.only("pk", "session_key")
                if not store().exists(s.session_key)
            ]
        )
    removed, _ = ended.delete()
    return removed
