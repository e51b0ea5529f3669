"""The check-in voucher (预约凭证) as a PNG: hall, time, item, QR code and booking code.

Rendered with Pillow and the bundled Noto Sans CJK SC subset (accessibility/fonts/), because
Pillow's built-in font has no Chinese glyphs and a server may have no CJK font installed.
The elder variant (长辈版) renders at 2x density on a 1080 px wide canvas: main text 44 px,
labels 36 px, title 64 px (MIIT 适老化: main text >= 18 dp, largest >= 30 dp), pure black on
white (21:1), and no colour that carries meaning on its own. Long lines wrap per character, as
Chinese typesetting does, keeping Latin/digit runs such as "9:00–10:00" whole and keeping
closing punctuation off the start of a line (避头尾).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from accessibility.presentation import ELDER_PALETTE, STANDARD_PALETTE, Palette

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-voucher.otf"
QR_ERROR = "q"  # 25 % of the code can be smudged or scratched and it still reads
QR_BORDER = 4  # the quiet zone ISO/IEC 18004 asks for, in modules
PLACEHOLDER = "〓"  # 替代符: stands in for a character the bundled font lacks (never a tofu box)

# Characters that must not start a line (closing punctuation) or end one (opening punctuation).
NO_LINE_START = frozenset("，。、；：？！…—）》〉】〕」』〗”’,.;:?!)]}%％·～")
NO_LINE_END = frozenset("（《〈【〔「『〖“‘([{")
# Runs that must not be split: Latin words, numbers, times, codes and phone numbers.
_TOKEN = re.compile(r"[A-Za-z0-9@#&*+\-–/:.,()_]+|\s+|.", re.DOTALL)


@dataclass(frozen=True)
class VoucherContent:
    hall_name: str
    hall_address: str
    item_title: str
    starts_at_text: str  # already formatted, e.g. "12月6日（星期六）上午9:00–10:00"
    booking_code: str
    qr_payload: str
    hotline: str
    citizen_name_masked: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class _Style:
    width: int
    min_height: int
    margin: int
    title_px: int
    label_px: int
    value_px: int
    value_stroke: int  # faux-bold for the values in elder mode: thicker strokes read better
    line_spacing: float
    field_gap: int
    qr_px: int
    palette: Palette
    label_colour: str
    rule_colour: str


STANDARD = _Style(
    width=720,
    min_height=1280,
    margin=48,
    title_px=48,
    label_px=24,
    value_px=32,
    value_stroke=0,
    line_spacing=1.4,
    field_gap=20,
    qr_px=360,
    palette=STANDARD_PALETTE,
    label_colour="#4E5969",  # 7.0:1 on white
    rule_colour=STANDARD_PALETTE.accent,
)
ELDER = _Style(
    width=1080,
    min_height=1920,
    margin=64,
    title_px=64,
    label_px=36,
    value_px=44,
    value_stroke=1,
    line_spacing=1.45,
    field_gap=28,
    qr_px=600,
    palette=ELDER_PALETTE,
    label_colour=ELDER_PALETTE.text,
    rule_colour=ELDER_PALETTE.text,
)

_LABELS: dict[str, dict[str, str]] = {
    "zh_Hans": {
        "title": "预约凭证",
        "hall": "办事大厅",
        "address": "地址",
        "time": "预约时间",
        "item": "办理事项",
        "citizen": "预约人",
        "scan": "到厅后出示此码签到取号",
        "code": "预约号",
        "hotline": "咨询电话",
        "note": "温馨提示",
    },
    "en": {
        "title": "Appointment voucher",
        "hall": "Service hall",
        "address": "Address",
        "time": "Time",
        "item": "Service",
        "citizen": "Booked by",
        "scan": "Show this code at the hall to check in",
        "code": "Booking code",
        "hotline": "Hotline",
        "note": "Note",
    },
}


@cache
def voucher_font(size: int) -> ImageFont.FreeTypeFont:
    """The bundled CJK font at one pixel size, loaded once per size.

    The basic layout engine keeps the output identical whether or not libraqm is present;
    Chinese needs no shaping.
    """
    return ImageFont.truetype(str(FONT_PATH), size, layout_engine=ImageFont.Layout.BASIC)


@cache
def _notdef_mask() -> bytes:
    # A plane-16 private-use code point: never in the font, so FreeType draws glyph 0.
    return _mask_bytes("\U0010fffd")


def _mask_bytes(char: str) -> bytes:
    mask = voucher_font(24).getmask(char)
    return f"{mask.size}".encode() + bytes(mask)


@lru_cache(maxsize=8192)
def has_glyph(char: str) -> bool:
    """Whether the bundled font draws `char` as itself rather than as .notdef (an empty box)."""
    return char.isspace() or _mask_bytes(char) != _notdef_mask()


def _printable(text: str) -> str:
    return "".join(c if has_glyph(c) else PLACEHOLDER for c in text)


def _tokens(text: str) -> Iterator[str]:
    for match in _TOKEN.finditer(text):
        yield match.group(0)


def _break_point(line: list[str], token: str) -> int:
    """Where to end `line` when `token` does not fit: as late as possible, but never so that
    the next line starts with closing punctuation or this one ends with an opening one."""
    for cut in range(len(line), 0, -1):
        first = line[cut] if cut < len(line) else token
        if first[0] not in NO_LINE_START and line[cut - 1][-1] not in NO_LINE_END:
            return cut
    return len(line)


def wrap_text(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Lines no wider than `width`: break between any two CJK characters, inside Latin runs
    only when a run is wider than a line, and never put closing punctuation first on a line
    or opening punctuation last."""
    lines: list[list[str]] = []
    line: list[str] = []

    def fits(tokens: list[str]) -> bool:
        return font.getlength("".join(tokens)) <= width

    for paragraph in text.splitlines() or [""]:
        for token in _tokens(paragraph):
            if fits([*line, token]):
                line.append(token)
                continue
            if token.isspace():
                lines.append(line)
                line = []
                continue
            cut = _break_point(line, token)
            if cut:
                lines.append(line[:cut])
            line = [*line[cut:], token]
            while not fits(line) and len("".join(line)) > 1:
                # A single run wider than the line (a long code): split it by characters.
                joined = "".join(line)
                cut = len(joined) - 1
                while cut > 1 and font.getlength(joined[:cut]) > width:
                    cut -= 1
                lines.append([joined[:cut]])
                line = [joined[cut:]]
        lines.append(line)
        line = []
    return ["".join(tokens).strip() for tokens in lines if "".join(tokens).strip()]


def qr_image(payload: str, *, target_px: int) -> Image.Image:
    """The QR code with its 4-module quiet zone, each module a whole number of pixels square.

    Scaled by pixel replication (nearest neighbour), never resampled, so edges stay crisp.
    """
    code = segno.make(payload, error=QR_ERROR, micro=False, boost_error=False)
    modules = int(code.symbol_size(scale=1, border=QR_BORDER)[0])
    scale = max(1, target_px // modules)
    small = Image.new("L", (modules, modules), 255)
    pixels = small.load()
    assert pixels is not None
    for row, bits in enumerate(code.matrix):
        for column, bit in enumerate(bits):
            if bit:
                pixels[column + QR_BORDER, row + QR_BORDER] = 0
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


@dataclass(frozen=True)
class _Block:
    text: str
    font: ImageFont.FreeTypeFont
    colour: str
    stroke: int
    gap_after: int


def _field_blocks(content: VoucherContent, style: _Style, labels: dict[str, str]) -> list[_Block]:
    label_font, value_font = voucher_font(style.label_px), voucher_font(style.value_px)
    ink = style.palette.text
    fields: list[tuple[str, str | None]] = [
        ("hall", content.hall_name),
        ("address", content.hall_address),
        ("time", content.starts_at_text),
        ("item", content.item_title),
        ("citizen", content.citizen_name_masked),
    ]
    blocks: list[_Block] = []
    for key, value in fields:
        if not value:
            continue
        blocks.append(_Block(labels[key], label_font, style.label_colour, 0, 4))
        blocks.append(_Block(value, value_font, ink, style.value_stroke, style.field_gap))
    return blocks


def render_voucher(content: VoucherContent, *, elder: bool, locale: str = "zh_Hans") -> bytes:
    """The voucher as PNG bytes: 720x1280 (standard) or 1080x1920 (elder, 2x density).

    The canvas grows downwards only when the content (a very long item title, say) needs it.
    """
    style = ELDER if elder else STANDARD
    labels = _LABELS.get(locale, _LABELS["zh_Hans"])
    text_width = style.width - 2 * style.margin
    qr = qr_image(content.qr_payload, target_px=style.qr_px)

    title_font = voucher_font(style.title_px)
    value_font = voucher_font(style.value_px)
    label_font = voucher_font(style.label_px)
    head: list[_Block] = [
        _Block(labels["title"], title_font, style.palette.text, 1, style.field_gap * 2),
        *_field_blocks(content, style, labels),
    ]
    tail: list[_Block] = [
        _Block(labels["scan"], label_font, style.label_colour, 0, style.field_gap),
        _Block(f"{labels['code']}  {content.booking_code}", value_font, style.palette.text, 1, 8),
        _Block(f"{labels['hotline']}  {content.hotline}", label_font, style.palette.text, 0, 8),
    ]
    if content.note:
        tail.append(_Block(content.note, label_font, style.label_colour, 0, 0))

    def laid_out(blocks: list[_Block]) -> list[tuple[_Block, list[str]]]:
        return [(b, wrap_text(_printable(b.text), b.font, text_width)) for b in blocks]

    def height_of(layout: list[tuple[_Block, list[str]]]) -> int:
        return sum(
            round(b.font.size * style.line_spacing) * len(lines) + b.gap_after
            for b, lines in layout
        )

    head_layout, tail_layout = laid_out(head), laid_out(tail)
    rule_gap = style.field_gap
    needed = (
        style.margin * 2
        + height_of(head_layout)
        + rule_gap * 2
        + qr.height
        + style.field_gap
        + height_of(tail_layout)
    )
    height = max(style.min_height, needed)

    image = Image.new("RGB", (style.width, height), style.palette.background)
    draw = ImageDraw.Draw(image)
    y = style.margin

    def draw_blocks(layout: list[tuple[_Block, list[str]]], y: int, *, centred: bool) -> int:
        for block, lines in layout:
            step = round(block.font.size * style.line_spacing)
            for line in lines:
                x = style.margin
                if centred:
                    x = round((style.width - block.font.getlength(line)) / 2)
                draw.text(
                    (x, y + (step - block.font.size) // 2),
                    line,
                    font=block.font,
                    fill=block.colour,
                    stroke_width=block.stroke,
                    stroke_fill=block.colour,
                )
                y += step
            y += block.gap_after
        return y

    y = draw_blocks(head_layout, y, centred=False)
    rule = max(2, style.value_px // 16)
    draw.rectangle(
        (style.margin, y, style.width - style.margin, y + rule - 1), fill=style.rule_colour
    )
    y += rule_gap
    # The quiet zone is part of `qr`; paste at whole pixels so no module straddles two pixels.
    image.paste(qr, ((style.width - qr.width) // 2, y))
    y += qr.height + style.field_gap
    draw_blocks(tail_layout, y, centred=True)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
