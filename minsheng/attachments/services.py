"""Every write of an attachment: the one check of an uploaded photo and the one way to store it.

clean_photo checks an upload by its content (JPEG, PNG or WebP only, MINSHENG_MAX_UPLOAD bytes,
MAX_PIXELS pixels) and re-encodes it without metadata; store writes it under a random name in the
owner's folder (owners.register_owner) and records who uploaded it. The owner's own rules (who may add a
photo, how many) stay in the owner's service, which calls these functions in its transaction.
"""

from __future__ import annotations

import io
import secrets
import warnings
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import ContentFile, File
from django.db import models
from PIL import Image, ImageOps, UnidentifiedImageError

from minsheng.core.errors import InvalidInput

from .models import Attachment
from .owners import owner_of

PHOTO_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 40_000_000

CleanPhoto = tuple[bytes, str, str]
Actor = AbstractBaseUser | AnonymousUser | None


def clean_photo(upload: File) -> CleanPhoto:
    """Check an uploaded photo by its content (not its name), and re-encode it without metadata
    (EXIF, including GPS location). Returns (bytes, content type, extension)."""
    size = getattr(upload, "size", None)
    if size is None or size <= 0:
        raise InvalidInput("file: 文件为空", field="file")
    if size > settings.MINSHENG_MAX_UPLOAD:
        raise InvalidInput(f"file: 文件不能超过 {settings.MINSHENG_MAX_UPLOAD // (1024 * 1024)} MB", field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in PHOTO_FORMATS:
                raise InvalidInput("file: 只接受 JPEG、PNG 或 WebP 图片", field="file")
            if image.width * image.height > MAX_PIXELS:
                raise InvalidInput("file: 图片尺寸过大", field="file")
            image.load()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput("file: 不是有效的图片文件", field="file") from None
    content_type, ext = PHOTO_FORMATS[image.format]
    fmt = image.format
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF said, then drop EXIF
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 88} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue(), content_type, ext


def store(owner: models.Model, photo: CleanPhoto, *, actor: Actor = None, kind: str = "", caption: str = "",
          part: models.Model | None = None, at: datetime | None = None) -> Attachment:
    """Write a photo already checked by clean_photo under a random name in the owner's folder."""
    data, content_type, ext = photo
    name = f"{secrets.token_hex(8)}.{ext}"
    a = Attachment(owner=owner, part=part, kind=kind, caption=caption[:120], stored_name=name,
                   content_type=content_type, size=len(data),
                   uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    if at is not None:
        a.created_at = at
    a.file.save(f"{owner_of(owner).folder(owner)}/{name}", ContentFile(data), save=False)
    a.save()
    return a


def add_photo(owner: models.Model, upload: File, **kwargs) -> Attachment:
    """clean_photo then store: an upload checked, stripped and stored in one call."""
    return store(owner, clean_photo(upload), **kwargs)
