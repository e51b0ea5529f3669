"""Uploaded images (a photo of a paper document, a face photo for a verification provider),
cleaned before anything else touches them.

What comes back is a fresh encoding of the pixels and nothing else: the type is decided by
the bytes (never the file name or the client's content type), every size limit is decided
from the header before pixels are decoded, EXIF orientation is applied and then every piece
of metadata (EXIF with GPS, XMP, comments, text chunks, colour profiles) is gone. Because the
output is re-encoded from decoded pixels, whatever else the upload carried (a script in a
polyglot file, a motion photo's trailing video, an MPO's extra frames) does not survive.

`clean_image` is pure and keeps no shared state, so callers run it off the event loop with
`clean_image_async`; Pillow releases the GIL for most of the work (decoding, colour
conversion, resizing, encoding).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import struct
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from PIL import (
    Image,
    ImageCms,
    ImageFile,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    WebPImagePlugin,
)

from accessibility.i18n import _
from bff.errors import ErrorCode, HaobanError

_MIB = 1024 * 1024

# Pillow's ways of saying "this data is malformed". A warning is in the list because Pillow
# warns about some malformed data (a bad APNG header, corrupt EXIF) and carries on; where
# warnings are errors (as in the tests) that warning arrives as an exception instead.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    KeyError,
    struct.error,
    Warning,
)
_PROFILE_ERRORS = (ImageCms.PyCMSError, OSError, ValueError, TypeError, Warning)

JPEG_QUALITY = 85


class ImageReason(StrEnum):
    IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
    IMAGE_TOO_MANY_PIXELS = "IMAGE_TOO_MANY_PIXELS"
    IMAGE_TOO_SMALL = "IMAGE_TOO_SMALL"
    IMAGE_TYPE_NOT_ALLOWED = "IMAGE_TYPE_NOT_ALLOWED"
    IMAGE_UNREADABLE = "IMAGE_UNREADABLE"


class ImageError(HaobanError):
    """An upload we refuse; `extra["reason"]` tells the client which rule, and the limit
    that was broken travels in `extra` too so a client can shrink the photo and retry."""

    def __init__(self, reason: ImageReason, message: str, /, **params: Any) -> None:
        super().__init__(ErrorCode.INVALID_ARGUMENT, message, **params)
        self.reason = reason
        self.extra["reason"] = reason.value


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    media_type: str  # "image/jpeg" | "image/png"
    width: int
    height: int
    sha256: str  # hex digest of `data`


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_bytes: int = 8 * _MIB
    max_pixels: int = 40_000_000
    min_side: int = 200  # on the short side: below this a document photo cannot be read
    max_side: int = 4096  # on the long side, after orientation; larger images are downscaled

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_pixels, self.min_side, self.max_side) < 1:
            raise ValueError("image limits must be positive")
        if self.min_side > self.max_side:
            raise ValueError("min_side must not exceed max_side")


def clean_image(
    data: bytes,
    *,
    limits: ImageLimits = ImageLimits(),
    output: Literal["jpeg", "auto"] = "jpeg",
) -> CleanImage:
    """The upload re-encoded as JPEG, or as PNG when `output="auto"` and it has transparent
    pixels; raises `ImageError` for anything we will not pass on."""
    if len(data) > limits.max_bytes:
        raise ImageError(
            ImageReason.IMAGE_TOO_LARGE,
            _("The image is larger than %(limit_mb)s MB."),
            limit_mb=_millions(limits.max_bytes, _MIB),
        ).with_extra(maxBytes=limits.max_bytes)
    opener = _sniff(data)
    if opener is None:
        raise ImageError(
            ImageReason.IMAGE_TYPE_NOT_ALLOWED,
            _("Only JPEG, PNG and WEBP images are accepted."),
        )
    header = _open(data, opener, limits)
    if getattr(header, "is_animated", False):
        # An animation has no one frame the citizen meant, and an APNG's still fallback
        # may differ from what their phone showed them; refusing beats guessing. (A JPEG's
        # extra MPO frames are gain maps or depth data, so there the first frame is the photo.)
        raise ImageError(
            ImageReason.IMAGE_TYPE_NOT_ALLOWED,
            _("Animated images are not accepted; please upload a still photo."),
        )
    _check_size(header.size, limits)
    try:
        # verify() checks what load() does not (PNG chunk checksums) and leaves the image
        # unusable, so the pixels come from a second open.
        header.verify()
        image: Image.Image = _open(data, opener, limits)
        # With LOAD_TRUNCATED_IMAGES left False (Pillow's default), missing data raises
        # here instead of coming back as grey rows.
        image.load()
    except _DECODE_ERRORS as exc:
        raise _unreadable() from exc
    image = _orient(image)
    image = _to_srgb(image)
    fitted = _fit(image.size, limits.max_side)
    if fitted != image.size:
        image = image.resize(fitted, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return _encode(image, output)


async def clean_image_async(
    data: bytes,
    *,
    limits: ImageLimits = ImageLimits(),
    output: Literal["jpeg", "auto"] = "jpeg",
) -> CleanImage:
    """`clean_image` in a worker thread: decoding a 40-megapixel photo takes long enough to
    stall every other request on the event loop."""
    return await asyncio.to_thread(clean_image, data, limits=limits, output=output)


_Opener = type[ImageFile.ImageFile]


def _sniff(data: bytes) -> _Opener | None:
    """The Pillow plugin for the file's real type, by its leading bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return JpegImagePlugin.JpegImageFile
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PngImagePlugin.PngImageFile
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WebPImagePlugin.WebPImageFile
    return None


def _open(data: bytes, opener: _Opener, limits: ImageLimits) -> ImageFile.ImageFile:
    """The image with only its header read.

    Not `Image.open`: it tries every format Pillow knows when the sniffed one fails, and it
    checks Pillow's process-wide MAX_IMAGE_PIXELS before we see the size, warning (an error
    under `-W error`) between that limit and twice it. Silencing the warning would take
    `warnings.catch_warnings`, which swaps global state and is not safe in a thread. The
    plugin class reads the header of its own format only and leaves the pixel limit to us.
    """
    try:
        return opener(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        # WEBP's plugin still applies Pillow's hard limit while reading the header.
        raise _too_many_pixels(limits) from exc
    except _DECODE_ERRORS as exc:
        raise _unreadable() from exc


def _check_size(size: tuple[int, int], limits: ImageLimits) -> None:
    """Every size rule, from the header alone: orientation swaps the sides but changes
    neither the pixel count nor which side is short."""
    width, height = size
    if width * height > limits.max_pixels:
        raise _too_many_pixels(limits)
    if min(width, height) < limits.min_side:
        raise ImageError(
            ImageReason.IMAGE_TOO_SMALL,
            _(
                "The image is too small to read: its shorter side must be at least "
                "%(min_side)s pixels."
            ),
            min_side=limits.min_side,
        ).with_extra(minSide=limits.min_side)
    if min(_fit(size, limits.max_side)) < limits.min_side:
        # A strip so long that bringing its long side down to max_side leaves the short side
        # unreadable (a very long screenshot, say); max_side is a promise to whoever reads
        # the output, so the strip is refused rather than kept larger.
        raise ImageError(
            ImageReason.IMAGE_TOO_SMALL,
            _(
                "The image is too long and narrow to read; please crop it or send it in "
                "several parts."
            ),
        ).with_extra(minSide=limits.min_side, maxSide=limits.max_side)


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return size
    scale = max_side / longest
    return (
        max(1, min(max_side, round(width * scale))),
        max(1, min(max_side, round(height * scale))),
    )


def _orient(image: Image.Image) -> Image.Image:
    """The pixels the way a viewer shows them, so dropping EXIF afterwards loses nothing."""
    try:
        return ImageOps.exif_transpose(image)
    except _DECODE_ERRORS:
        # EXIF too corrupt to read an orientation from: the pixels are fine, and a photo
        # on its side is better than refusing a document the citizen can see clearly.
        return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB or RGBA pixels in sRGB.

    An embedded colour profile is applied and then dropped rather than kept: staff browsers
    and face-verification providers read untagged pixels as sRGB, so converting keeps the
    colours of Display P3 phone photos and CMYK scans right, while a kept profile would be
    one more blob of free text (device and vendor names) for downstream parsers.
    """
    profile = image.info.get("icc_profile")
    image = _normalise_mode(image)
    if profile:
        target = image.mode if image.mode != "CMYK" else "RGB"
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if _colour_space(image.mode) == source.profile.xcolor_space.strip():
                converted = ImageCms.profileToProfile(
                    image,
                    source,
                    ImageCms.createProfile("sRGB"),
                    renderingIntent=ImageCms.Intent.PERCEPTUAL,
                    outputMode=target,
                )
                if converted is not None:
                    image = converted
        except _PROFILE_ERRORS:
            # A broken or mismatched profile says nothing trustworthy about the colours;
            # the pixels read as sRGB are still the document.
            pass
    if image.mode == "CMYK":
        image = image.convert("RGB")
    return image


def _colour_space(mode: str) -> str:
    return "CMYK" if mode == "CMYK" else "RGB"


def _normalise_mode(image: Image.Image) -> Image.Image:
    """RGB, RGBA (when the image has any notion of transparency) or CMYK."""
    if image.mode in ("RGB", "RGBA", "CMYK") and "transparency" not in image.info:
        return image
    if image.mode.startswith("I"):
        # 16-bit greyscale PNG: Pillow's conversion to 8 bits clips instead of scaling,
        # which would turn everything above 1/256 of full brightness white.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    try:
        return image.convert("RGBA" if has_alpha else "RGB")
    except ValueError as exc:
        raise _unreadable() from exc


def _encode(image: Image.Image, output: Literal["jpeg", "auto"]) -> CleanImage:
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    transparent = alpha is not None and alpha.getextrema()[0] != 255
    if transparent and output == "auto":
        media_type, mode = "image/png", "RGBA"
    else:
        media_type, mode = "image/jpeg", "RGB"
    # A new image holds the pixels and nothing else: `convert` and `resize` copy `info`,
    # and Pillow's encoders write parts of it (PNG the ICC profile, JPEG the comment).
    clean = Image.new(mode, image.size, "white")
    if mode == "RGB" and alpha is not None:
        # Onto white, not black: a transparent background on a document is its paper, and
        # black text on a black background would vanish.
        clean.paste(image.convert("RGB"), mask=alpha)
    else:
        clean.paste(image)
    buffer = io.BytesIO()
    if media_type == "image/png":
        clean.save(buffer, format="PNG")
    else:
        # 4:4:4 (no chroma subsampling): red seals and coloured stamps on documents bleed
        # and blur under the default 4:2:0.
        clean.save(
            buffer,
            format="JPEG",
            quality=JPEG_QUALITY,
            subsampling=0,
            progressive=True,
            optimize=True,
        )
    data = buffer.getvalue()
    return CleanImage(
        data=data,
        media_type=media_type,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _unreadable() -> ImageError:
    return ImageError(
        ImageReason.IMAGE_UNREADABLE,
        _("The image could not be read; it may be damaged or incomplete. Please send it again."),
    )


def _too_many_pixels(limits: ImageLimits) -> ImageError:
    error = ImageError(
        ImageReason.IMAGE_TOO_MANY_PIXELS,
        _("The image has too many pixels; at most %(limit_mp)s megapixels are accepted."),
        limit_mp=_millions(limits.max_pixels, 1_000_000),
    )
    error.extra["maxPixels"] = limits.max_pixels
    return error


def _millions(value: int, unit: int) -> str:
    """8 for 8 MiB, 4.8 for 5,000,000 bytes: what a person reads in a message."""
    return f"{value / unit:.1f}".removesuffix(".0")
