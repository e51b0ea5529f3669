"""The check-in voucher: real Chinese glyphs from the bundled font, large type in elder mode,
and a QR code a scanner reads back to the signed payload."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import segno
from PIL import Image, ImageChops, ImageDraw, ImageFont

from accessibility.presentation import contrast_ratio
from accessibility.voucher import (
    ELDER,
    FONT_PATH,
    PLACEHOLDER,
    QR_BORDER,
    QR_ERROR,
    STANDARD,
    VoucherContent,
    has_glyph,
    qr_image,
    render_voucher,
    voucher_font,
    wrap_text,
)

REPO = Path(__file__).resolve().parents[2]
PAYLOAD = "HB1.eyJiIjoiMDFKRFo4UTNXNVg3WTlBQkNERUZHSEpLTU4iLCJoIjoiaGFsbC16ei1iZGMiLCJ0IjoxNzY0OTgyODAwLCJ2IjoxfQ.Xv0s3kq9mJ1n8b2c4d5e6f7g8h9i0j1k2l3m4n5o6p7"
CONTENT = VoucherContent(
    hall_name="郑州市不动产登记中心服务大厅",
    hall_address="金水区经三路与纬四路交叉口东南",
    item_title="个人住房公积金提取",
    starts_at_text="12月6日（星期六）上午9:00–10:00",
    booking_code="K7Q2M9XA",
    qr_payload=PAYLOAD,
    hotline="12345",
    citizen_name_masked="张*明",
)
LONG = VoucherContent(
    hall_name="郑州市不动产登记中心服务大厅",
    hall_address="金水区经三路与纬四路交叉口东南（荥阳、中牟方向可乘地铁2号线至省人民医院站）",
    item_title="个人住房公积金提取（购买、建造、翻建、大修自住住房）" * 3,
    starts_at_text="12月6日（星期六）上午9:00–10:00",
    booking_code="K7Q2M9XA",
    qr_payload=PAYLOAD,
    hotline="0371-12345",
    note="请携带本人身份证原件，提前10分钟到达；过号需重新取号。" * 2,
)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.load()
    return image


def glyph(char: str, size: int = 64) -> Image.Image:
    canvas = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(canvas).text((size // 2, size // 2), char, font=voucher_font(size), fill=255)
    return canvas


NOTDEF = "\U0010fffd"  # private use, plane 16: in no font, so drawn as glyph 0 (.notdef)


def same(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is None


# The font


def test_the_bundled_font_is_small_and_ships_with_its_licence() -> None:
    assert FONT_PATH.stat().st_size < 2.5 * 1024 * 1024
    licence = (FONT_PATH.parent / "OFL.txt").read_text("utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Adobe" in licence
    assert (FONT_PATH.parent / "README.md").exists()


def test_chinese_renders_as_real_glyphs_not_empty_boxes() -> None:
    notdef = glyph(NOTDEF)
    assert notdef.getbbox() is not None  # .notdef is a visible box: what "tofu" looks like
    text = "预约凭证办事大厅郑州市金水区星期六上午号码"
    rendered = {char: glyph(char) for char in text}
    for char, image in rendered.items():
        assert image.getbbox() is not None, f"{char} has no ink"
        assert not same(image, notdef), f"{char} renders as .notdef"
    assert not same(rendered["预"], rendered["约"])
    assert len({image.tobytes() for image in rendered.values()}) == len(set(text))


def test_pillows_default_font_would_have_drawn_boxes() -> None:
    # Why we ship a font: Pillow's own has no CJK glyphs ("预" and "约" look the same).
    default = ImageFont.load_default(size=32)

    def draw(char: str) -> bytes:
        canvas = Image.new("L", (64, 64), 0)
        ImageDraw.Draw(canvas).text((8, 8), char, font=default, fill=255)
        return canvas.tobytes()

    assert draw("预") == draw("约")


def test_a_character_outside_the_subset_is_detected_and_never_drawn_as_a_box() -> None:
    assert has_glyph("预") and has_glyph("A") and has_glyph(" ") and has_glyph(PLACEHOLDER)
    assert not has_glyph("龘")  # not in GB 2312
    content = VoucherContent(**{**CONTENT.__dict__, "citizen_name_masked": "龘*龘"})
    assert decode(render_voucher(content, elder=False)).size == (720, 1280)


def test_every_catalogue_hall_department_and_item_name_has_glyphs() -> None:
    catalogue = json.loads((REPO / "bff/catalogue/demo/catalogue.json").read_text("utf-8"))
    names = [h["name"] + h["address"] for h in catalogue["halls"]]
    names += [d["name"] for d in catalogue["departments"]]
    names += [i["name"] + i["plain_name"] for i in catalogue["items"]]
    missing = {c for name in names for c in name if not has_glyph(c)}
    assert not missing, f"rebuild the font (scripts/build_voucher_font.py): {sorted(missing)}"


def test_the_subset_covers_what_its_readme_promises() -> None:
    ttlib = pytest.importorskip("fontTools.ttLib")
    with ttlib.TTFont(FONT_PATH, lazy=True) as font:
        cmap = font.getBestCmap()
    gb2312_level1 = {bytes((row, 0xA1)).decode("gb2312") for row in range(0xB0, 0xD8)}
    assert all(ord(c) in cmap for c in gb2312_level1)
    assert all(ord(c) in cmap for c in "0123456789ABCXYZabcxyz:–，。、（）《》")
    assert 6000 < len(cmap) < 9000


# The voucher


def test_standard_voucher_is_a_720_by_1280_png() -> None:
    image = decode(render_voucher(CONTENT, elder=False))
    assert image.size == (720, 1280)


def test_elder_voucher_is_larger_at_twice_the_density() -> None:
    image = decode(render_voucher(CONTENT, elder=True))
    assert image.size == (1080, 1920)


def test_elder_type_meets_the_miit_sizes_at_2x_density() -> None:
    assert ELDER.value_px >= 36 and ELDER.label_px >= 36 and ELDER.title_px >= 56
    assert ELDER.value_px > STANDARD.value_px and ELDER.title_px > STANDARD.title_px


def darkest(image: Image.Image) -> float:
    """The lowest grey level of an "L" image."""
    low, _ = image.getextrema()
    assert isinstance(low, int | float)
    return low


def ink_rows(image: Image.Image, *, top: int, bottom: int) -> list[tuple[int, int]]:
    """Runs of rows with dark pixels (text lines) between `top` and `bottom`."""
    grey = image.convert("L")
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for y in range(top, bottom):
        dark = darkest(grey.crop((0, y, grey.width, y + 1))) < 128
        if dark and start is None:
            start = y
        elif not dark and start is not None:
            runs.append((start, y))
            start = None
    return runs


def test_elder_glyphs_are_measurably_bigger_on_the_image() -> None:
    standard = decode(render_voucher(CONTENT, elder=False))
    elder = decode(render_voucher(CONTENT, elder=True))
    s_title = ink_rows(standard, top=0, bottom=200)[0]
    e_title = ink_rows(elder, top=0, bottom=300)[0]
    e_height = e_title[1] - e_title[0]
    assert e_height > s_title[1] - s_title[0]
    assert e_height >= 0.8 * 56  # the ink of a CJK glyph is ~90% of its em
    # Every text line of the elder voucher is at least 36 px type (ink ≥ ~80% of that).
    lines = ink_rows(elder, top=0, bottom=700)
    assert len(lines) >= 6
    assert min(b - a for a, b in lines) >= 0.8 * 36


def test_elder_voucher_is_black_on_white_with_no_colour() -> None:
    image = decode(render_voucher(CONTENT, elder=True)).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16) or []}
    assert all(isinstance(c, tuple) and c[0] == c[1] == c[2] for c in colours)  # greys only
    assert (0, 0, 0) in colours and (255, 255, 255) in colours
    assert contrast_ratio(ELDER.palette.text, ELDER.palette.background) >= 7
    assert contrast_ratio(ELDER.label_colour, ELDER.palette.background) >= 7


def test_standard_text_colours_meet_aaa_contrast_too() -> None:
    for colour in (STANDARD.palette.text, STANDARD.label_colour):
        assert contrast_ratio(colour, STANDARD.palette.background) >= 7
    # The rule under the fields is decoration: WCAG asks 3:1 of non-text graphics.
    assert contrast_ratio(STANDARD.rule_colour, STANDARD.palette.background) >= 3


def test_long_content_grows_the_canvas_instead_of_overflowing() -> None:
    for elder, base in ((False, (720, 1280)), (True, (1080, 1920))):
        image = decode(render_voucher(LONG, elder=elder))
        assert image.width == base[0] and image.height > base[1]
        # The bottom margin stays blank: nothing was drawn off the canvas.
        bottom = image.convert("L").crop((0, image.height - 24, image.width, image.height))
        assert darkest(bottom) > 200


def test_english_labels_render_too() -> None:
    assert decode(render_voucher(CONTENT, elder=False, locale="en")).size == (720, 1280)


# Wrapping


def test_chinese_wraps_by_character_within_the_width() -> None:
    font = voucher_font(32)
    text = "个人住房公积金提取（购买、建造、翻建、大修自住住房）需要提交身份证和购房合同。"
    lines = wrap_text(text, font, 300)
    assert len(lines) > 2 and "".join(lines) == text
    assert all(font.getlength(line) <= 300 for line in lines)


def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_one() -> None:
    font = voucher_font(32)
    text = "一二三四五六七八，一二三四五六七（八）。一二三四五六（七八九十）。」一二“三”"
    for width in range(160, 400):  # 5 to 12 characters a line
        lines = wrap_text(text, font, width)
        assert "".join(lines) == text
        assert not any(line[0] in "，。、）》：；！？" for line in lines[1:]), lines
        assert not any(line[-1] in "（《“" for line in lines), lines


def test_times_codes_and_numbers_are_not_split() -> None:
    font = voucher_font(32)
    text = "12月6日（星期六）上午9:00–10:00，电话0371-12345"
    for width in range(220, 500, 11):
        joined = "\n".join(wrap_text(text, font, width))
        assert "9:00–10:00" in joined and "0371-12345" in joined


def test_a_run_wider_than_the_line_is_split_rather_than_overflowing() -> None:
    font = voucher_font(32)
    lines = wrap_text("X" * 80, font, 300)
    assert "".join(lines) == "X" * 80
    assert all(font.getlength(line) <= 300 for line in lines)


# The QR code


def find_qr(image: Image.Image, modules: int, scale: int) -> tuple[int, int]:
    """The top-left corner of the QR symbol (quiet zone included): centred, so only the row
    needs finding: the first whose finder-pattern top edge is black beside a white quiet zone."""
    grey = image.convert("L")
    size = modules * scale
    x0 = (image.width - size) // 2
    quiet, finder = QR_BORDER * scale, 7 * scale
    for y in range(quiet, image.height):
        edge = grey.crop((x0 + quiet, y, x0 + quiet + finder, y + 1)).getextrema()
        margin = grey.crop((x0, y, x0 + quiet, y + 1)).getextrema()
        if edge == (0, 0) and margin == (255, 255):
            return x0, y - quiet
    raise AssertionError("no QR symbol found")


@pytest.mark.parametrize("elder", [False, True])
def test_the_qr_module_grid_on_the_voucher_matches_the_payload(elder: bool) -> None:
    image = decode(render_voucher(CONTENT, elder=elder)).convert("L")
    code = segno.make(PAYLOAD, error=QR_ERROR, micro=False, boost_error=False)
    assert code.error == QR_ERROR.upper()
    modules = int(code.symbol_size(scale=1, border=QR_BORDER)[0])
    scale = qr_image(PAYLOAD, target_px=(ELDER if elder else STANDARD).qr_px).width // modules
    assert scale >= (6 if elder else 4)
    x0, y0 = find_qr(image, modules, scale)
    symbol = image.crop((x0, y0, x0 + modules * scale, y0 + modules * scale))
    assert {c for _, c in symbol.getcolors() or []} == {0, 255}  # crisp: no grey, no blur
    pixels = symbol.load()
    assert pixels is not None
    for row in range(modules):
        for column in range(modules):
            inside = QR_BORDER <= row < modules - QR_BORDER
            inside = inside and QR_BORDER <= column < modules - QR_BORDER
            dark = inside and bool(code.matrix[row - QR_BORDER][column - QR_BORDER])
            # Every pixel of the module, not just its centre, has the module's colour.
            block = symbol.crop(
                (column * scale, row * scale, (column + 1) * scale, (row + 1) * scale)
            )
            assert block.getextrema() == ((0, 0) if dark else (255, 255)), (row, column)


@pytest.mark.parametrize("elder", [False, True])
def test_a_scanner_reads_the_payload_back_from_the_voucher(elder: bool) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    image = decode(render_voucher(CONTENT, elder=elder)).convert("L")
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [PAYLOAD]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
