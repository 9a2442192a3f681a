"""Reading the organisation and roles out of the IAM's claims.

Which claims are read is configuration (``IAM_ORGANISATION_CLAIMS``,
``IAM_ORGANISATION_GROUP_PREFIX``, ``IAM_ROLE_CLAIMS``, ``IAM_ROLE_MAP``), so
that an IAM administrator can map Keycloak's ``organization`` claim, a plain
``municipality`` claim or a group path such as ``/cities/pori`` without code.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings


def merged_claims(extra_data: Mapping[str, Any]) -> dict[str, Any]:
    """ID token claims overlaid with userinfo claims, as allauth stores them."""
    claims: dict[str, Any] = {}
    for part in ("id_token", "userinfo"):
        value = extra_data.get(part)
        if isinstance(value, Mapping):
            claims.update(value)
    if not claims:
        claims.update(extra_data)
    return claims


def _lookup(claims: Mapping[str, Any], dotted: str) -> Any:
    value: Any = claims
    for key in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _as_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        # Keycloak's organization claim: {"pori": {"id": ..., ...}}
        return [str(key) for key in value]
    if isinstance(value, Iterable):
        return [str(item) for item in value if isinstance(item, str | int)]
    return [str(value)]


def organisation_candidates(claims: Mapping[str, Any]) -> list[str]:
    """Organisation identifiers named by the claims, most specific source first."""
    prefix = settings.IAM_ORGANISATION_GROUP_PREFIX
    found: list[str] = []
    for name in settings.IAM_ORGANISATION_CLAIMS:
        for value in _as_strings(_lookup(claims, name)):
            if name == "groups" or value.startswith("/"):
                if not (prefix and value.startswith(prefix)):
                    continue
                value = value.removeprefix(prefix).split("/")[0]
            value = value.strip().lower()
            if value and value not in found:
                found.append(value)
    return found


def roles_from_claims(claims: Mapping[str, Any]) -> set[str]:
    """Platform roles granted by the claims, through ``IAM_ROLE_MAP``."""
    role_map: Mapping[str, str] = settings.IAM_ROLE_MAP
    roles: set[str] = set()
    for name in settings.IAM_ROLE_CLAIMS:
        for value in _as_strings(_lookup(claims, name)):
            if value in role_map:
                roles.add(role_map[value])
    return roles
