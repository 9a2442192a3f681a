"""The one way a protected file leaves the platform, after its view has asked the read rule."""

import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import patch_cache_control

# Shown in the browser; every other type is downloaded, so that no uploaded HTML,
# SVG or PDF runs in the platform's origin.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def content_disposition(filename: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII ``filename`` for old clients and the exact name in ``filename*``."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(c if c.isprintable() and c not in '"\\/;' else "_" for c in fallback)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{quote(filename)}"


def file_download(file: FieldFile, *, filename: str, content_type: str) -> HttpResponse:
    """The response that sends ``file`` to a viewer the caller has already let read it.

    With ``PROTECTED_FILES_ACCEL_PREFIX`` set, the reverse proxy sends the bytes
    from its ``internal`` location (nginx's ``X-Accel-Redirect``) and the
    response carries only the headers; otherwise Django streams the file.
    ``content_type`` is the type stored after checking the file's content, never
    what the uploader's browser claimed. A row whose file is missing from storage
    answers 404, as nginx does.
    """
    prefix = settings.PROTECTED_FILES_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(file.name)
    else:
        try:
            response = FileResponse(file.open("rb"), content_type=content_type)
        except FileNotFoundError:
            raise Http404 from None
    response["Content-Disposition"] = content_disposition(
        filename, inline=content_type in INLINE_TYPES
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True)
    return response
