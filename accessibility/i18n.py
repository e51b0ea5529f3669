"""Locale negotiation and message catalogues (Babel); zh_Hans first, English second."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.core import negotiate_locale
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "haoban"
SUPPORTED = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags by descending q, as Babel's negotiation wants them."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > 0 and tag.strip() != "*":
            weighted.append((-q, position, tag.strip().replace("-", "_")))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(header: str | None) -> str:
    """zh, zh-CN, zh-Hans, zh-SG → zh_Hans; en-* → en; anything else → zh_Hans."""
    preferred = parse_accept_language(header)
    aliases = {"zh": "zh_Hans", "zh_CN": "zh_Hans", "zh_SG": "zh_Hans", "zh_Hans_CN": "zh_Hans"}
    for tag in preferred:
        if tag in aliases:
            return aliases[tag]
        found = negotiate_locale([tag], list(SUPPORTED), sep="_")
        if found:
            return found
        if tag.split("_")[0] == "en":
            return "en"
        if tag.split("_")[0] == "zh":
            return "zh_Hans"
    return DEFAULT_LOCALE


@cache
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(LOCALE_DIR), [locale], DOMAIN)


@dataclass(frozen=True)
class Translator:
    locale: str

    @property
    def babel_locale(self) -> Locale:
        return Locale.parse(self.locale)

    def gettext(self, message: str, **params: object) -> str:
        text = translations(self.locale).gettext(message)
        return text % params if params else text


def _(message: str) -> str:
    """Marks a string for extraction; translation happens per request through Translator."""
    return message
