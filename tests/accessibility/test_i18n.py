"""Message catalogues and locale/presentation negotiation."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from accessibility.i18n import Translator, negotiate
from accessibility.presentation import Presentation, resolve_presentation

REPO = Path(__file__).resolve().parents[2]
LOCALE = REPO / "accessibility" / "locale"


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path: Path) -> None:
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
            "-k", "_", "-k", "gettext", "-k", "HaobanError:2", "-k", "NotFound:1",
            "-k", "InvalidArgument:1", "-k", "RatingError:2", "-k", "BookingError:2", "-k", "FlowError:2", "--no-location", "-o", str(pot), ".",
        ],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    extracted = {m.id for m in read_po(io.BytesIO(pot.read_bytes())) if m.id}
    zh = {
        m.id: m.string
        for m in read_po(io.BytesIO((LOCALE / "zh_Hans/LC_MESSAGES/haoban.po").read_bytes()))
        if m.id
    }
    missing = sorted(extracted - {k for k, v in zh.items() if v})
    assert not missing, f"untranslated (run `make messages` and translate): {missing}"


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_compiled_catalogues_match_their_sources(locale: str) -> None:
    base = LOCALE / locale / "LC_MESSAGES"
    po = {
        m.id: m.string
        for m in read_po(io.BytesIO((base / "haoban.po").read_bytes()))
        if m.id and m.string
    }
    mo = {m.id: m.string for m in read_mo(io.BytesIO((base / "haoban.mo").read_bytes())) if m.id}
    assert po == mo, "run `make messages` to recompile the .mo files"


def test_translator_formats_chinese_by_default_and_english_on_request() -> None:
    assert (
        Translator("zh_Hans").gettext("It takes %(days)s working days.", days=3)
        == "3个工作日内办好。"
    )
    assert (
        Translator("en").gettext("It takes %(days)s working days.", days=3)
        == "It takes 3 working days."
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh_Hans"),
        ("", "zh_Hans"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("en-US,en;q=0.9", "en"),
        ("en;q=0.5, zh-Hans;q=0.9", "zh_Hans"),
        ("fr-FR", "zh_Hans"),
        ("de, en-GB;q=0.7", "en"),
        ("zh-TW", "zh_Hans"),
    ],
)
def test_locale_negotiation(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_saved_preference_wins_over_the_header() -> None:
    assert resolve_presentation(saved_preference="elder", header="standard") is Presentation.ELDER
    assert (
        resolve_presentation(saved_preference="standard", header="elder") is Presentation.STANDARD
    )
    assert resolve_presentation(saved_preference=None, header="elder") is Presentation.ELDER
    assert resolve_presentation(saved_preference=None, header="nonsense") is Presentation.STANDARD
    assert resolve_presentation(saved_preference=None, header=None) is Presentation.STANDARD
