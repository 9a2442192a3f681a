"""Small previews of uploaded pictures, made with Pillow.

A thumbnail is a new file drawn from the picture's pixels alone: turned as its
EXIF orientation says, then saved without any of the original's metadata (no
camera, no GPS position). It is stored and served like its picture, through the
view that asks the picture's read rule.
"""

import io
import logging

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = (480, 480)
THUMBNAIL_TYPE = "image/webp"
# A picture of more pixels than this is not opened (a "decompression bomb"
# of a few kilobytes could otherwise take the worker's memory).
MAX_PIXELS = 40_000_000
# Stored beside the attachment under a random name; this only gives the extension.
THUMBNAIL_NAME = "thumbnail.webp"


def thumbnail_make(upload: UploadedFile) -> ContentFile | None:
    """A WebP thumbnail of the picture in ``upload``, or None if it cannot be drawn."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image.seek(0)  # the first frame of an animation
            picture = ImageOps.exif_transpose(image)
            picture.thumbnail(THUMBNAIL_SIZE)
            if picture.mode not in {"RGB", "RGBA"}:
                picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
            buffer = io.BytesIO()
            picture.save(buffer, format="WEBP", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError):
        logger.info("No thumbnail for an upload that Pillow could not read", exc_info=True)
        return None
    finally:
        upload.seek(0)
    return ContentFile(buffer.getvalue(), name=THUMBNAIL_NAME)
