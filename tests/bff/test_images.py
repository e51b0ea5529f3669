"""Uploaded photos: what comes back is a plain, upright JPEG (or PNG) of what the citizen saw,
with nothing about their phone or whereabouts in it, and anything else is refused with a
reason a client can act on."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import warnings
import zlib
from collections.abc import Callable

import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo

from bff.errors import ErrorCode
from bff.images import (
    CleanImage,
    ImageError,
    ImageLimits,
    ImageReason,
    clean_image,
    clean_image_async,
)

RED = (220, 20, 30)
BLUE = (30, 60, 200)
PAPER = (245, 245, 240)


def encode(image: Image.Image, format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **params)
    return buffer.getvalue()


def document(size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A page with a block of "text" and a red seal, so the content has edges to keep."""
    image = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((width // 10, height // 10, width // 2, height // 5), fill=(20, 20, 20))
    draw.ellipse((width * 6 // 10, height * 6 // 10, width * 9 // 10, height * 9 // 10), fill=RED)
    return image


def png_1bit(width: int, height: int) -> bytes:
    """A valid all-black 1-bit PNG of any declared size, a few hundred KB at most.

    Written by hand because Pillow keeps a 1-bit image at a byte per pixel, so building
    30000×30000 with Pillow would take 900 MB before the file ever existed.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def refusal(data: bytes, **kwargs: object) -> ImageError:
    with pytest.raises(ImageError) as caught:
        clean_image(data, **kwargs)  # type: ignore[arg-type]
    error = caught.value
    # The contract every client relies on, whatever the rule.
    assert error.code is ErrorCode.INVALID_ARGUMENT
    assert error.extra["reason"] == error.reason.value
    return error


def reopened(result: CleanImage) -> Image.Image:
    image = Image.open(io.BytesIO(result.data))
    image.load()
    return image


def near(actual: object, expected: tuple[int, ...], tolerance: int = 12) -> bool:
    assert isinstance(actual, tuple)
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


# Accepted uploads


def test_a_jpeg_photo_comes_back_as_a_fresh_jpeg_of_the_same_size() -> None:
    original = encode(document(), "JPEG", quality=95, comment=b"scanned at desk 3")

    result = clean_image(original)

    assert (result.media_type, result.width, result.height) == ("image/jpeg", 800, 600)
    assert result.data != original
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    image = reopened(result)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (800, 600))
    assert near(image.getpixel((5, 5)), PAPER)
    assert near(image.getpixel((600, 450)), RED)
    assert "comment" not in image.info
    # The same upload cleans to the same bytes, so the hash can find duplicates.
    assert clean_image(original).sha256 == result.sha256


def test_an_opaque_png_becomes_a_jpeg_even_when_png_output_is_allowed() -> None:
    original = encode(document((640, 480)), "PNG")

    for output in ("jpeg", "auto"):
        result = clean_image(original, output=output)
        assert (result.media_type, result.width, result.height) == ("image/jpeg", 640, 480)
        assert near(reopened(result).getpixel((480, 360)), RED)


def test_a_webp_photo_is_accepted() -> None:
    result = clean_image(encode(document((400, 300)), "WEBP", quality=90))

    assert (result.media_type, result.width, result.height) == ("image/jpeg", 400, 300)
    assert near(reopened(result).getpixel((300, 225)), RED)


def transparent_page() -> Image.Image:
    """Black "ink" on a transparent background, as a cut-out scan app produces."""
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((100, 100, 200, 200), fill=(0, 0, 0, 255))
    return image


def test_transparency_becomes_white_paper_in_a_jpeg() -> None:
    result = clean_image(encode(transparent_page(), "PNG"))

    assert result.media_type == "image/jpeg"
    image = reopened(result)
    # Not black on black: the ink stays readable.
    assert near(image.getpixel((10, 10)), (255, 255, 255), tolerance=3)
    assert near(image.getpixel((150, 150)), (0, 0, 0), tolerance=3)


def test_transparency_is_kept_as_png_when_the_caller_allows_it() -> None:
    result = clean_image(encode(transparent_page(), "PNG"), output="auto")

    assert (result.media_type, result.width, result.height) == ("image/png", 300, 300)
    image = reopened(result)
    assert (image.format, image.mode) == ("PNG", "RGBA")
    assert image.getpixel((10, 10))[3] == 0  # type: ignore[index]
    assert image.getpixel((150, 150)) == (0, 0, 0, 255)


def test_a_palette_png_with_a_transparent_colour_keeps_its_transparency() -> None:
    image = Image.new("P", (300, 300), 0)
    image.putpalette([*PAPER, *RED])
    ImageDraw.Draw(image).rectangle((100, 100, 200, 200), fill=1)

    result = clean_image(encode(image, "PNG", transparency=0), output="auto")

    assert result.media_type == "image/png"
    out = reopened(result)
    assert out.getpixel((10, 10))[3] == 0  # type: ignore[index]
    assert out.getpixel((150, 150)) == (*RED, 255)


def test_a_cmyk_jpeg_comes_back_in_rgb_with_its_colours() -> None:
    cmyk_red = Image.new("CMYK", (300, 300), (0, 255, 255, 0))

    result = clean_image(encode(cmyk_red, "JPEG", quality=95))

    image = reopened(result)
    assert image.mode == "RGB"
    assert near(image.getpixel((150, 150)), (255, 0, 0), tolerance=20)


def test_a_16_bit_greyscale_png_keeps_its_tones_instead_of_turning_white() -> None:
    mid_grey = Image.new("I;16", (300, 300), 32768)

    image = reopened(clean_image(encode(mid_grey, "PNG")))

    assert near(image.getpixel((150, 150)), (128, 128, 128), tolerance=3)


def test_colour_profiles_are_applied_then_dropped_and_a_broken_one_is_ignored() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

    for profile in (srgb, b"not a colour profile at all"):
        result = clean_image(encode(document((400, 300)), "JPEG", icc_profile=profile))
        image = reopened(result)
        assert "icc_profile" not in image.info
        assert near(image.getpixel((300, 225)), RED)


# Orientation and metadata


def phone_photo_on_its_side() -> bytes:
    """Landscape pixels with a red corner, EXIF orientation 6 (display rotated 90° clockwise),
    plus the location, device and XMP a phone adds."""
    pixels = Image.new("RGB", (400, 300), BLUE)
    ImageDraw.Draw(pixels).rectangle((0, 0, 59, 59), fill=RED)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Model] = "PhoneCo X1"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 16.0, 26.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (120.0, 9.0, 18.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    data = encode(pixels, "JPEG", quality=95, exif=exif, xmp=xmp, comment=b"PhoneCo")
    # The upload really carries what the test says it does.
    original = Image.open(io.BytesIO(data))
    assert original.size == (400, 300)
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "xmp" in original.info
    return data


def test_a_sideways_phone_photo_comes_back_upright_with_the_marker_where_it_was_seen() -> None:
    result = clean_image(phone_photo_on_its_side())

    assert (result.width, result.height) == (300, 400)
    image = reopened(result)
    # Orientation 6 shows the stored top-left corner at the top right.
    assert near(image.getpixel((270, 30)), RED)
    for corner in ((30, 30), (30, 370), (270, 370)):
        assert near(image.getpixel(corner), BLUE)


def test_no_metadata_survives_not_even_the_location() -> None:
    result = clean_image(phone_photo_on_its_side())

    image = reopened(result)
    assert not image.getexif()
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "comment", "icc_profile"} & image.info.keys()
    for trace in (b"Exif\x00\x00", b"PhoneCo", b"adobe:ns:meta", b"http://ns.adobe.com/xap"):
        assert trace not in result.data


def test_png_text_chunks_and_exif_do_not_survive_in_png_output() -> None:
    notes = PngInfo()
    notes.add_text("Author", "Zhang San")
    notes.add_text("Comment", "PhoneCo", zip=True)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"

    original = encode(transparent_page(), "PNG", pnginfo=notes, exif=exif)
    result = clean_image(original, output="auto")

    image = reopened(result)
    assert result.media_type == "image/png"
    assert not image.getexif()
    assert not {"exif", "Author", "Comment"} & image.info.keys()
    assert b"PhoneCo" not in result.data and b"Zhang San" not in result.data


# Sizes


def test_a_large_photo_is_downscaled_to_the_longest_side_allowed() -> None:
    wide = document((5000, 1000))

    result = clean_image(encode(wide, "PNG"))

    assert (result.width, result.height) == (4096, 819)
    assert near(reopened(result).getpixel((3072, 614)), RED)


def test_the_longest_side_is_limited_after_turning_the_photo_upright() -> None:
    result = clean_image(phone_photo_on_its_side(), limits=ImageLimits(max_side=200, min_side=100))

    assert (result.width, result.height) == (150, 200)


def test_a_long_screenshot_is_kept_whole_at_a_reduced_size() -> None:
    result = clean_image(encode(document((1080, 6000)), "PNG"))

    assert (result.width, result.height) == (737, 4096)


def test_a_photo_too_small_to_read_is_refused() -> None:
    error = refusal(encode(document((150, 400)), "JPEG"))

    assert error.reason is ImageReason.IMAGE_TOO_SMALL
    assert error.extra["minSide"] == 200
    assert "200 pixels" in str(error)
    # The boundary itself is fine.
    assert clean_image(encode(document((200, 200)), "JPEG")).width == 200


def test_a_strip_that_would_be_unreadable_once_downscaled_is_refused() -> None:
    error = refusal(encode(Image.new("L", (8000, 300), 255), "PNG"))

    assert error.reason is ImageReason.IMAGE_TOO_SMALL
    assert error.extra["maxSide"] == 4096


def test_an_upload_over_the_byte_limit_is_refused_before_it_is_decoded() -> None:
    # Bytes that could not be decoded anyway: the size answer proves nothing was tried.
    error = refusal(b"\xff\xd8\xff" + bytes(8 * 1024 * 1024))

    assert error.reason is ImageReason.IMAGE_TOO_LARGE
    assert error.extra["maxBytes"] == 8 * 1024 * 1024
    assert str(error) == "The image is larger than 8 MB."
    small = refusal(encode(document(), "JPEG"), limits=ImageLimits(max_bytes=1000))
    assert small.reason is ImageReason.IMAGE_TOO_LARGE


@pytest.mark.parametrize(
    ("width", "height", "limits"),
    [
        # Far past Pillow's own limit: Pillow would raise DecompressionBombError.
        (30000, 30000, ImageLimits()),
        # Between Pillow's limit and twice it: Pillow would only warn, and decode.
        (10000, 10000, ImageLimits()),
        # Below Pillow's limit, above ours.
        (2000, 2000, ImageLimits(max_pixels=1_000_000)),
    ],
    ids=["pillow-error", "pillow-warning", "ours-only"],
)
def test_a_decompression_bomb_is_refused_from_its_header_without_warnings(
    width: int, height: int, limits: ImageLimits
) -> None:
    bomb = png_1bit(width, height)
    assert len(bomb) < 200_000

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        error = refusal(bomb, limits=limits)

    assert caught == []
    assert error.reason is ImageReason.IMAGE_TOO_MANY_PIXELS
    assert error.extra["maxPixels"] == limits.max_pixels


# Files that are not what they claim


def gif() -> bytes:
    return encode(document((300, 300)).convert("P"), "GIF")


DISGUISED: dict[str, Callable[[], bytes]] = {
    "html": lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "svg": lambda: (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="400" '
        b'height="400"><script>alert(1)</script><rect width="400" height="400"/></svg>'
    ),
    "gif": gif,
    "pdf": lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "bmp": lambda: encode(document((300, 300)), "BMP"),
    "tiff": lambda: encode(document((300, 300)), "TIFF"),
    "text": lambda: "身份证号码 330106199001011234\n".encode() * 20,
    "random": lambda: random.Random(7).randbytes(4096),
    "empty": lambda: b"",
}


@pytest.mark.parametrize("kind", DISGUISED)
def test_files_that_are_not_jpeg_png_or_webp_are_refused_whatever_their_name(kind: str) -> None:
    error = refusal(DISGUISED[kind]())

    assert error.reason is ImageReason.IMAGE_TYPE_NOT_ALLOWED
    assert "JPEG, PNG and WEBP" in str(error)


def animated(format: str) -> bytes:
    frames = [Image.new("RGB", (300, 300), colour) for colour in (RED, BLUE)]
    return encode(frames[0], format, save_all=True, append_images=frames[1:], duration=100)


@pytest.mark.parametrize("format", ["PNG", "WEBP"])
def test_animated_images_are_refused(format: str) -> None:
    error = refusal(animated(format))

    assert error.reason is ImageReason.IMAGE_TYPE_NOT_ALLOWED


def truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def damaged_png() -> bytes:
    data = bytearray(encode(document((300, 300)), "PNG"))
    data[len(data) // 2] ^= 0xFF  # inside the pixel data, so only its checksum notices
    return bytes(data)


def png_without_pixels() -> bytes:
    data = encode(document((300, 300)), "PNG")
    return data[: data.index(b"IDAT") - 4]


UNREADABLE: dict[str, Callable[[], bytes]] = {
    "truncated-jpeg": lambda: truncated(encode(Image.effect_noise((400, 300), 60), "JPEG")),
    "truncated-png": lambda: truncated(encode(Image.effect_noise((400, 300), 60), "PNG")),
    "truncated-webp": lambda: truncated(encode(Image.effect_noise((400, 300), 60), "WEBP")),
    "damaged-png": damaged_png,
    "png-without-pixels": png_without_pixels,
    "jpeg-signature-then-html": lambda: b"\xff\xd8\xff<html><script>alert(1)</script></html>",
    "jpeg-signature-then-noise": lambda: b"\xff\xd8\xff" + random.Random(3).randbytes(4096),
    "webp-signature-then-noise": lambda: b"RIFF\x00\x10\x00\x00WEBP" + bytes(4096),
}


@pytest.mark.parametrize("kind", UNREADABLE)
def test_damaged_or_incomplete_images_are_refused_as_unreadable(kind: str) -> None:
    error = refusal(UNREADABLE[kind]())

    assert error.reason is ImageReason.IMAGE_UNREADABLE


# The API around it


async def test_the_async_form_gives_the_same_result() -> None:
    original = encode(document((400, 300)), "JPEG")

    result = await clean_image_async(original)

    assert result == clean_image(original)
    with pytest.raises(ImageError):
        await clean_image_async(b"<html></html>")


def test_limits_that_contradict_each_other_are_rejected() -> None:
    with pytest.raises(ValueError):
        ImageLimits(min_side=500, max_side=400)
    with pytest.raises(ValueError):
        ImageLimits(max_bytes=0)
