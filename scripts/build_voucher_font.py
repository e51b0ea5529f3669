#!/usr/bin/env python3
"""Subset Noto Sans CJK SC to the characters a check-in voucher needs.

Pillow's built-in font has no Chinese glyphs and a fresh server may have no CJK font at all, so
the voucher renderer ships its own: a subset of Noto Sans CJK SC (SIL OFL 1.1) with

* printable ASCII, Latin-1 punctuation and the CJK / full-width punctuation vouchers use;
* the 6,763 hanzi of GB 2312, taken from Python's own ``gb2312`` codec (no download): level 1
  (3,755 一级汉字) is the offline stand-in for the 3,500 characters of 《通用规范汉字表》
  level 1 (the two lists overlap almost entirely), and level 2 (3,008 二级汉字) covers the
  rarer characters of citizens' names and addresses (``--levels 1`` leaves it out, ~0.8 MB
  instead of ~1.5 MB);
* every CJK character in the demo catalogue (hall, department and item names, addresses):
  those include rarer place-name characters such as 荥 or 嵩;
* the words of the voucher itself (title, labels, weekdays, 上午/下午).

Usage (needs the ``fonts-noto-cjk`` Debian package on the building machine only)::

    apt-get install fonts-noto-cjk
    .venv/bin/python scripts/build_voucher_font.py [--source PATH.ttc] [--weight Regular|Bold]

writes ``accessibility/fonts/NotoSansSC-voucher.otf`` and ``accessibility/fonts/OFL.txt``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped,unused-ignore]
from fontTools.ttLib import TTCollection, TTFont  # type: ignore[import-untyped,unused-ignore]

REPO = Path(__file__).resolve().parent.parent
FONT_DIR = REPO / "accessibility" / "fonts"
OUTPUT = FONT_DIR / "NotoSansSC-voucher.otf"
LICENCE = FONT_DIR / "OFL.txt"
CATALOGUE = REPO / "bff" / "catalogue" / "demo" / "catalogue.json"
NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
FAMILY = "Noto Sans CJK SC"

CJK_PUNCTUATION = (
    "，。、；：？！…—–·“”‘’（）《》〈〉【】〔〕「」『』〖〗～￥％＋－＝×÷／＃＠＆＊"
    "０１２３４５６７８９　・‧•°℃№※→←↑↓○●□■△▲☆★√〓"
)
LATIN_EXTRA = "©®™§¶«»¿¡¢£¥€ ·"
VOUCHER_WORDS = (
    "预约凭证办事大厅地址时间事项预约号码服务热线请凭此码签到取号"
    "年月日星期一二三四五六日天上午下午中晚早至点分"
    "老年模式长辈版证件姓名备注请提前分钟到达过号作废身份证"
    "不动产公积金车驾管出入境医社保其他窗口排队等候叫号优先"
)


def gb2312_hanzi(levels: int = 2) -> set[str]:
    """GB 2312 hanzi from the stdlib codec: level 1 is rows 16-55, level 2 rows 56-87."""
    chars: set[str] = set()
    for row in range(0xB0, 0xD8 if levels == 1 else 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # rows 55 and 87 end early
    return chars


def catalogue_chars(path: Path) -> set[str]:
    if not path.exists():
        return set()
    text = json.dumps(json.loads(path.read_text("utf-8")), ensure_ascii=False)
    return {c for c in text if "\u3400" <= c <= "\u9fff"}


def voucher_charset(levels: int = 2) -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    chars |= set(CJK_PUNCTUATION) | set(LATIN_EXTRA) | set(VOUCHER_WORDS)
    chars |= gb2312_hanzi(levels)
    chars |= catalogue_chars(CATALOGUE)
    return chars


def find_face(source: Path) -> TTFont:
    """The Simplified Chinese face of a Noto CJK collection (or the font itself)."""
    if source.suffix.lower() != ".ttc":
        return TTFont(source)
    collection = TTCollection(source)
    for font in collection.fonts:
        if font["name"].getDebugName(1) == FAMILY:
            return font
    raise SystemExit(f"no {FAMILY!r} face in {source}")


def licence_text(font: TTFont) -> str:
    """OFL 1.1 with the font's own copyright lines, the body taken from Debian's copyright."""
    copyright_line = font["name"].getDebugName(0) or "Copyright 2014-2021 Adobe"
    trademark = font["name"].getDebugName(7) or ""
    body = DEBIAN_COPYRIGHT.read_text("utf-8")
    match = re.search(r"^License: SIL-1\.1\n((?: .*\n)+)", body, flags=re.MULTILINE)
    if match is None:
        raise SystemExit(f"no SIL-1.1 licence text in {DEBIAN_COPYRIGHT}")
    lines = [line[1:] for line in match.group(1).splitlines()]
    ofl = "\n".join("" if line == "." else line for line in lines).strip("\n")
    header = (
        f"{copyright_line.replace('©', 'Copyright').rstrip('.')}, with Reserved Font Name 'Source'.\n"
        f"{trademark}\n\n"
        "This Font Software is licensed under the SIL Open Font License, Version 1.1.\n"
        "This license is copied below, and is also available with a FAQ at:\n"
        "https://openfontlicense.org\n\n"
    )
    return header + ofl + "\n"


def build(source: Path, output: Path, *, levels: int = 2) -> tuple[int, int]:
    font = find_face(source)
    cmap = font.getBestCmap()
    wanted = sorted(ord(c) for c in voucher_charset(levels) if ord(c) in cmap)
    options = subset.Options()
    options.layout_features = ["kern", "palt"]  # horizontal, SC forms only: no locl/vert
    options.hinting = False  # rendered at >= 24 px: hints only add bytes
    options.desubroutinize = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]
    options.name_languages = [0x409]
    options.notdef_outline = True
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE"]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    output.parent.mkdir(parents=True, exist_ok=True)
    font.save(output)
    return len(wanted), len(font.getGlyphOrder())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weight", choices=["Regular", "Bold"], default="Regular")
    parser.add_argument("--source", type=Path, help="a Noto Sans CJK .ttc/.otf")
    parser.add_argument("--levels", type=int, choices=[1, 2], default=2, help="GB 2312 levels")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    source: Path = args.source or NOTO_DIR / f"NotoSansCJK-{args.weight}.ttc"
    if not source.exists():
        print(f"{source} not found: apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    characters, glyphs = build(source, args.output, levels=args.levels)
    LICENCE.write_text(licence_text(find_face(source)), "utf-8")
    size = args.output.stat().st_size
    print(f"{args.output.relative_to(REPO)}: {characters} characters, {glyphs} glyphs, {size} B")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
