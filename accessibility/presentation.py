"""Presentation policy: standard or elder (长辈版), and the numbers each one promises.

Numbers are the MIIT 适老化 rules (工信厅信管函〔2021〕67号 附件2) and WCAG 2.2 AAA; see
shared/domain/README.md §1. Colours we return are checked against the contrast they claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MODE_HEADER = "x-haoban-mode"


class Presentation(StrEnum):
    STANDARD = "standard"
    ELDER = "elder"


def resolve_presentation(*, saved_preference: str | None, header: str | None) -> Presentation:
    """The signed-in user's saved preference wins, then the header, then standard."""
    for candidate in (saved_preference, header):
        if candidate:
            value = candidate.strip().lower()
            if value in ("elder", "senior", "care", "长辈版", "关怀版"):
                return Presentation.ELDER
            if value == "standard":
                return Presentation.STANDARD
    return Presentation.STANDARD


@dataclass(frozen=True)
class Palette:
    text: str
    background: str
    accent: str  # links and buttons: text on background, and background of primary buttons
    on_accent: str
    warning: str


@dataclass(frozen=True)
class PresentationProfile:
    mode: Presentation
    body_font_px: int
    largest_font_px: int
    line_height: float
    paragraph_spacing: float
    touch_target_px: int
    min_contrast_ratio: float
    max_list_items: int | None
    show_promotions: bool
    palette: Palette


STANDARD_PALETTE = Palette(
    text="#1F2329", background="#FFFFFF", accent="#0A58CA", on_accent="#FFFFFF", warning="#A4262C"
)
# Every pair here measures at least 7:1 (WCAG AAA); tests recompute it.
ELDER_PALETTE = Palette(
    text="#000000", background="#FFFFFF", accent="#003A8C", on_accent="#FFFFFF", warning="#7A0000"
)

PROFILES = {
    Presentation.STANDARD: PresentationProfile(
        mode=Presentation.STANDARD,
        body_font_px=16,
        largest_font_px=24,
        line_height=1.5,
        paragraph_spacing=1.3,
        touch_target_px=44,
        min_contrast_ratio=4.5,
        max_list_items=None,
        show_promotions=True,
        palette=STANDARD_PALETTE,
    ),
    Presentation.ELDER: PresentationProfile(
        mode=Presentation.ELDER,
        body_font_px=20,
        largest_font_px=32,
        line_height=1.5,
        paragraph_spacing=1.3,
        touch_target_px=60,
        min_contrast_ratio=7.0,
        max_list_items=5,
        show_promotions=False,
        palette=ELDER_PALETTE,
    ),
}


def profile_for(mode: Presentation) -> PresentationProfile:
    return PROFILES[mode]


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio between two sRGB colours."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)
