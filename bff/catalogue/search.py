"""In-memory "search as you type" index for the service catalogue.

The index is pure Python (plus ``pypinyin`` and ``rapidfuzz``), so it behaves the same whatever
database the catalogue comes from. Build it once per catalogue version and query it many times::

    index = SearchIndex.build(docs)
    hits = index.search("gjj提取", limit=10, kinds=frozenset({"item"}))

Matching
--------
Every text of a document (name, aliases, keywords) is normalised (NFKC, lower case, punctuation,
symbols and spaces dropped) and kept with a map back to the original characters, so spans always
refer to the original text. Per text the index also keeps the pinyin of every character: the
context-aware reading from ``lazy_pinyin`` first, then pypinyin's other (heteronym) readings that
start with a different letter (so 银行 matches ``yinhang`` and, tolerantly, ``yinxing``), and the
``u`` spelling of ``ü`` readings (律师: ``lvshi`` and ``lushi``).

A query is normalised with :func:`normalize_query` and tried in stages, best first; a text keeps
the first (best) stage that matched it:

1. literal: the query (without spaces) is a substring of the text — exact, prefix or substring;
   a query with spaces instead needs its words in order ("公积金 提取"), which counts less;
2. subsequence (queries with Chinese characters): the characters in order with gaps
   ("住房提取", "etc办理");
3. full pinyin: the query is a sequence of complete readings of consecutive characters, the
   last one possibly incomplete ("gongjijin", "gong ji jin ti qu", "gongjij"; a space forces a
   syllable boundary); for a Chinese-only query: homophones, i.e. characters whose main reading
   is a reading of the query character ("公基金", "公积金提区");
4. initials / mixed: every query chunk is a prefix of the main reading of consecutive
   characters ("gjj", "zfgjjtq", "zhfgjj"); Chinese characters in the query stand for one
   character with that reading ("gjj提取", "公积金tq");
5. typo tolerance: for a Chinese query of at least 3 characters one wrong/missing/extra
   character; for a pinyin query of at least 6 letters one wrong/missing/extra letter, with the
   usual "fuzzy pinyin" confusions zh/z, ch/c, sh/s, ing/in, eng/en, ang/an and ü/v/u treated
   as equal ("gongjijng"). Uses ``rapidfuzz.fuzz.partial_ratio`` over names and aliases.

Keywords go through stages 1-4 too but always rank in the keyword tier. A stage is skipped
when ``limit`` documents already score above anything it could produce, so the results are
exactly those of running every stage, but short queries with many hits stop early.

The stages 1-4 are regular expressions over three strings holding every distinct text of the
index (normalised characters; pinyin with all kept readings; one private-use character per main
reading), so the scanning runs in C and the Python work is proportional to the number of
matching texts. Patterns are built from the query and the readings that occur in the index (a syllable
boundary is only allowed where the letters so far split into known readings) and cached.

Ranking
-------
Each document scores the best of its texts. The tier sets the integer part of the score, a few
points of in-tier bonus (never enough to cross a tier) order documents inside a tier:

=====  ==================================================================
tier   match
=====  ==================================================================
100    exact name
 95    name prefix
 90    exact alias
 85    name substring
 80    alias substring (alias prefix gets a bonus)
 75    words in order (query with spaces)
 70    characters in order with gaps
 60    full pinyin / homophones
 50    initials, mixed initials + characters
 40    typo tolerance
 20    keyword only
=====  ==================================================================

In-tier bonus (< 4.5): whole text / prefix / compactness of the match (up to 1.0), the share of
the matched text the query covers (up to 2.0, so shorter names win for the same match quality),
0.4 for matching the name rather than an alias, and ``popularity / 100`` (up to 1.0). Ties are
broken by ``key`` then ``kind``, so results are deterministic. When the name and an alias of a
document match in the same tier, the better score counts but the name is reported (and
highlighted).

Limitations
-----------
* Pinyin segmentation is not dictionary based: a query parses as any sequence of syllable
  prefixes of consecutive characters, so short Latin queries ("g", "zh") match many documents
  (at the full-pinyin / initials tier, ranked by the bonuses above).
* Only the first match of a query in each text is considered (the leftmost); the best scoring
  parse is not searched for.
* Heteronyms of a character are kept only if their first letter differs from the readings
  already kept (e.g. 行 keeps hang and xing but not heng) to avoid ambiguous branches. Chinese
  query characters match homophones only through the main (contextual) reading of the indexed
  character.
* Typo tolerance covers one edit only and is not combined with initials ("gjjtiqv" is not a
  typo match); mixed queries ("gjj提取") get no typo tolerance. It is skipped when enough
  better matches exist (see above).
* Query time grows with the number of texts matching a stage: one-letter queries such as "s"
  (matching most of the catalogue) are the slowest, together with very long queries whose
  patterns are compiled for the first time.
* ``name_spans`` for alias or keyword matches highlight the characters of the name that align,
  in order, with the matched part of the alias (longest common subsequence), and only when at
  least two characters align: 换驾照 highlights nothing in 机动车驾驶证换证.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin
from rapidfuzz import fuzz, process
from rapidfuzz.distance import ScoreAlignment

__all__ = [
    "MAX_QUERY_LENGTH",
    "QueryTooLong",
    "SearchDoc",
    "SearchHit",
    "SearchIndex",
    "normalize_query",
]

MAX_QUERY_LENGTH = 64
"""Longest accepted query, in characters after :func:`normalize_query`."""


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """A searchable catalogue entry (a service item or a 一件事 bundle)."""

    key: str  # e.g. an item's task_code or a bundle's code
    kind: str  # "item" | "bundle"
    name: str  # official name, e.g. 住房公积金提取
    aliases: tuple[str, ...] = ()  # colloquial names 俗称, e.g. ("提公积金", "取公积金")
    keywords: tuple[str, ...] = ()  # weaker text: department name, category, life events
    popularity: int = 0  # 0..100, tie-breaker / small boost


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result."""

    key: str
    kind: str
    score: float  # higher is better
    matched_text: str  # the text that matched best: the name, or the alias/keyword that matched
    matched_field: str  # "name" | "alias" | "keyword"
    # [start, end) character spans of the *name* to highlight (may be empty when only an alias
    # matched without overlap)
    name_spans: tuple[tuple[int, int], ...]
    matched_spans: tuple[tuple[int, int], ...]  # spans within matched_text


class QueryTooLong(ValueError):
    """The normalised query is longer than ``max_length`` characters."""

    def __init__(self, max_length: int, length: int) -> None:
        super().__init__(f"query too long: {length} characters, at most {max_length} allowed")
        self.max_length = max_length
        self.length = length


# --------------------------------------------------------------------------------------------
# Normalisation


def _keep(ch: str) -> bool:
    """Letters, digits and combining marks are kept; punctuation, symbols, controls are not."""
    return unicodedata.category(ch)[0] in "LNM"


def normalize_query(query: str) -> str:
    """NFKC, strip, lower case, collapse whitespace and drop punctuation and symbols.

    Punctuation is removed without leaving a gap ("《出生医学证明》" -> "出生医学证明"), whitespace
    separates words.
    """
    text = unicodedata.normalize("NFKC", query).lower()
    out: list[str] = []
    for ch in text:
        if ch.isspace() or unicodedata.category(ch).startswith("Z"):
            out.append(" ")
        elif _keep(ch):
            out.append(ch)
    return " ".join("".join(out).split())


@lru_cache(maxsize=8192)
def _norm_char(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", ch).lower() if _keep(c))


def _normalize_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Compact normalised text (no spaces) and, per character, its index in ``text``."""
    chars: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(text):
        for c in _norm_char(ch):
            chars.append(c)
            pos.append(i)
    return "".join(chars), tuple(pos)


def _is_han(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x20000 <= o <= 0x3134F
        or 0xF900 <= o <= 0xFAFF
        or o == 0x3007
    )


# --------------------------------------------------------------------------------------------
# Pinyin


@lru_cache(maxsize=16384)
def _heteronyms(ch: str) -> tuple[str, ...]:
    readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="default")
    found = [r.lower() for r in (readings[0] if readings else []) if r.isascii() and r.isalpha()]
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=16384)
def _query_readings(ch: str) -> tuple[str, ...]:
    """Every reading of a Chinese query character (for homophone matching)."""
    return _heteronyms(ch) or (ch,)


@lru_cache(maxsize=16384)
def _doc_readings(ch: str, primary: str) -> tuple[str, ...]:
    """Readings of a document character: the contextual one first, then other readings with a
    different first letter (keeps the pinyin patterns free of ambiguous branches), then the
    ``u`` spelling of ``ü`` readings (lv -> lu, nve -> nue) that many people type."""
    kept = [primary]
    for r in _heteronyms(ch):
        if all(r[0] != k[0] for k in kept):
            kept.append(r)
    kept += [r.replace("v", "u") for r in kept if "v" in r and r.replace("v", "u") not in kept]
    return tuple(kept)


def _unit_readings(norm: str) -> list[tuple[str, ...]]:
    """Readings per character of a normalised text (non-Chinese characters read as themselves)."""
    items = lazy_pinyin(norm, style=Style.NORMAL, errors="default")
    out: list[tuple[str, ...]] = []
    i = 0
    for item in items:
        if i >= len(norm):
            break
        if not _is_han(norm[i]) and norm.startswith(item, i):
            out.extend((c,) for c in item)
            i += len(item)
        else:
            primary = item.lower() if item.isascii() and item.isalpha() else norm[i]
            out.append(_doc_readings(norm[i], primary))
            i += 1
    if i == len(norm) and len(out) == len(norm):
        return out
    # pypinyin grouped the text in an unexpected way: fall back to per-character readings
    result: list[tuple[str, ...]] = []
    for ch in norm:
        hs = _heteronyms(ch) if _is_han(ch) else ()
        result.append(_doc_readings(ch, hs[0]) if hs else (ch,))
    return result


def _canon(s: str) -> tuple[str, list[int]]:
    """Fold common pinyin confusions (zh/z, ch/c, sh/s, ng/n, v/u); map output to input index."""
    out: list[str] = []
    src: list[int] = []
    i = 0
    n = len(s)
    while i < n:
        two = s[i : i + 2]
        if two in ("zh", "ch", "sh", "ng"):
            out.append(two[0])
            src.append(i)
            i += 2
        else:
            out.append("u" if s[i] == "v" else s[i])
            src.append(i)
            i += 1
    return "".join(out), src


# --------------------------------------------------------------------------------------------
# Query plans (compiled per distinct normalised query, cached)

# In the pinyin blob every character ("unit") is "|" followed by ",reading" per reading and every
# text ends with "\n". _NEXT skips the rest of the current unit and lands on the start of one of
# the readings of the next unit; _END asserts that the current reading is complete.
_NEXT = r"[^|\n]*+\|,(?:[^,|\n]*+,)*?"
_NEXT_MAIN = r"[^|\n]*+\|,"  # the same, landing on the main (first) reading only
_END = r"(?=[,|\n])"

_LITERAL, _SEGMENTS, _SUBSEQ, _PINYIN, _INITIALS, _FUZZY = range(6)
_KIND_TIER = {_SEGMENTS: 75.0, _SUBSEQ: 70.0, _PINYIN: 60.0, _INITIALS: 50.0, _FUZZY: 40.0}
_T_KEYWORD = 20.0

_NAME, _ALIAS, _KEYWORD = 0, 1, 2
_FIELD_NAMES = ("name", "alias", "keyword")

_Token = tuple[bool, tuple[str, ...], bool]  # (is_han, readings or (char,), space before)
_Ranges = tuple[tuple[int, int], ...]
_TextMatch = tuple[int, _Ranges, float]  # (match kind, unit ranges in the text, fuzzy quality)
_Best = tuple[float, int, int, float]  # (score, reported text id, its field, tier)


@dataclass(frozen=True, slots=True)
class _Plan:
    # regular expressions, compiled only when their stage runs
    literal: str | None
    segments: str | None
    subseq: str | None
    homophones: str | None  # over the syllable blob (Chinese-only queries)
    pinyin_full: str | None
    pinyin_prefix: str | None
    fuzzy_han: str | None
    fuzzy_pinyin: str | None


def _in_order_pattern(parts: Sequence[str]) -> str:
    """Parts in order within one text; the first occurrence of each is taken (atomic)."""
    body = "(" + re.escape(parts[0]) + ")"
    body += "".join(r"(?>[^\n]*?(" + re.escape(p) + "))" for p in parts[1:])
    return body + r"[^\n]*+"


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """The readings occurring in the index; used to keep the pinyin patterns small."""

    readings: frozenset[str]  # every reading of every indexed character
    bigrams: frozenset[str]  # two consecutive letters inside one reading
    firsts: frozenset[str]  # first letters of readings
    longest: int  # longest reading

    @classmethod
    def of(cls, readings: Iterable[str]) -> _Lexicon:
        found = frozenset(readings)
        return cls(
            readings=found,
            bigrams=frozenset(r[k : k + 2] for r in found for k in range(len(r) - 1)),
            firsts=frozenset(r[0] for r in found),
            longest=max((len(r) for r in found), default=1),
        )


def _pinyin_pattern(tokens: Sequence[_Token], *, full: bool, lex: _Lexicon) -> str | None:
    """Regular expression over the pinyin blob, or None when nothing can match.

    Every Chinese token is one whole reading of a character. Latin tokens continue the reading
    of the previous letter or start the reading of the next character: in ``full`` mode only
    where the letters so far split into whole readings, otherwise (initials mode) anywhere. A
    space or a Chinese token forces the start of a new character. Initials mode only uses the
    main reading of each character (other readings would make "xyz" match 行业从 as
    xing-ye-zong).
    """
    start, jump = (",", _NEXT) if full else (r"\|,", _NEXT_MAIN)
    n = len(tokens)
    # reach[i]: tokens[:i] split into whole readings, so a new character may start at token i
    reach = [not full] * (n + 1)
    if full:
        reach[0] = True
        for i in range(n):
            if not reach[i]:
                continue
            if tokens[i][0]:
                reach[i + 1] = True
                continue
            text = ""
            for j in range(i, min(n, i + lex.longest)):
                is_han, readings, boundary = tokens[j]
                if is_han or (j > i and boundary):
                    break
                text += readings[0]
                if text in lex.readings:
                    reach[j + 1] = True
    parts: list[str] = []
    for i, (is_han, readings, boundary) in enumerate(tokens):
        if is_han:
            body = "(?:" + "|".join(re.escape(r) for r in readings) + ")" + _END
        else:
            body = re.escape(readings[0])
        if i == 0:
            parts.append(start + body)
            continue
        prev_han = tokens[i - 1][0]
        end = _END if full and not prev_han else ""
        if prev_han or is_han or boundary:  # must start the next character
            if not reach[i]:
                return None
            parts.append(end + jump + body)
            continue
        can_continue = tokens[i - 1][1][0] + readings[0] in lex.bigrams
        can_jump = reach[i] if full else readings[0] in lex.firsts
        if can_continue and can_jump:
            parts.append("(?:" + end + jump + ")??" + body)
        elif can_continue:
            parts.append(body)
        elif can_jump:
            parts.append(end + jump + body)
        else:
            return None
    return "(" + "".join(parts) + r")[^\n]*+"


_CACHE_SIZE = 2048  # query plans and compiled patterns
_SHORT_QUERY = 2  # results of queries of at most this many characters are cached ...
_SHORT_QUERY_LIMIT = 100  # ... when asking for at most this many hits
_RESULT_CACHE_SIZE = 1024


@lru_cache(maxsize=_CACHE_SIZE)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _plan(q: str, lex: _Lexicon, syllable_ids: dict[str, str]) -> _Plan:
    compact = q.replace(" ", "")
    words = q.split(" ")
    all_han = all(_is_han(c) for c in compact)
    tokens: list[_Token] = []
    boundary = False
    for ch in q:
        if ch == " ":
            boundary = True
            continue
        if _is_han(ch):
            tokens.append((True, _query_readings(ch), boundary))
        else:
            tokens.append((False, (ch,), boundary))
        boundary = False
    homophones: str | None = None
    if all_han:
        classes: list[str] = []
        for ch in compact:
            ids = sorted({syllable_ids[r] for r in _query_readings(ch) if r in syllable_ids})
            if not ids:
                break
            classes.append(ids[0] if len(ids) == 1 else "[" + "".join(ids) + "]")
        else:
            homophones = "(" + "".join(classes) + r")[^\n]*+"
    return _Plan(
        literal="(" + re.escape(compact) + r")[^\n]*+" if len(words) == 1 else None,
        segments=_in_order_pattern(words) if len(words) > 1 else None,
        subseq=_in_order_pattern(list(compact))
        if len(compact) > 1 and any(_is_han(c) for c in compact)
        else None,
        homophones=homophones,
        pinyin_full=None if all_han else _pinyin_pattern(tokens, full=True, lex=lex),
        pinyin_prefix=_pinyin_pattern(tokens, full=False, lex=lex)
        if not all_han and len(tokens) > 1
        else None,
        fuzzy_han=compact if all_han and len(compact) >= 3 else None,
        fuzzy_pinyin=_canon(compact)[0]
        if compact.isascii() and compact.isalpha() and len(compact) >= 6
        else None,
    )


# --------------------------------------------------------------------------------------------
# Index


@dataclass(slots=True)
class _Text:
    orig: str
    norm: str
    pos: tuple[int, ...]  # index in orig per normalised character
    refs: list[tuple[int, int]]  # (doc index, field)
    canon_units: tuple[int, ...] = ()  # character index per letter of the folded pinyin


class _Choices:
    """Strings for rapidfuzz, sorted by length so that too short ones are skipped cheaply."""

    __slots__ = ("lengths", "strings", "tids")

    def __init__(self, strings: list[str], tids: list[int]) -> None:
        pairs = sorted(zip(strings, tids, strict=True), key=lambda p: (len(p[0]), p[1]))
        self.strings = [p[0] for p in pairs]
        self.tids = [p[1] for p in pairs]
        self.lengths = [len(p[0]) for p in pairs]

    def at_least(self, length: int) -> tuple[list[str], list[int]]:
        start = bisect_left(self.lengths, length)
        return self.strings[start:], self.tids[start:]


def _fuzzy_cutoff(length: int) -> float:
    """Lowest partial_ratio for one edit: partial_ratio compares the shorter string with windows
    of the same length of the longer one, where one wrong, missing or extra character costs at
    most 2 insertions/deletions out of ``2 * length`` characters."""
    return 100.0 * (1.0 - 1.0 / max(length, 2)) - 1e-6


def _merge(ranges: Iterable[tuple[int, int]]) -> _Ranges:
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return tuple(out)


def _runs(indices: Iterable[int]) -> _Ranges:
    return _merge((i, i + 1) for i in indices)


def _orig_spans(pos: tuple[int, ...], ranges: _Ranges) -> _Ranges:
    return _runs(pos[i] for s, e in ranges for i in range(s, e))


def _aligned(matched: str, name: str) -> list[int]:
    """Indices of ``name`` aligned with ``matched`` (longest common subsequence), if at least two
    characters (or all of a one-character ``matched``) align; used to highlight the name when
    an alias or keyword matched: 提公积金 -> 住房[公积金]提取, 社保卡 -> [社]会[保]障[卡]."""
    common = set(matched) & set(name)
    if not common:
        return []
    a = [c for c in matched if c in common]
    positions = [j for j, c in enumerate(name) if c in common]
    b = [name[j] for j in positions]
    m, n = len(a), len(b)
    # lcs[i][j]: length of the longest common subsequence of a[i:] and b[j:]
    lcs = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(m - 1, -1, -1):
        row, below = lcs[i], lcs[i + 1]
        for j in range(n - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    out: list[int] = []
    i = j = 0
    while i < m and j < n:
        if a[i] == b[j]:
            out.append(positions[j])
            i += 1
            j += 1
        elif lcs[i + 1][j] >= lcs[i][j + 1]:
            i += 1
        else:
            j += 1
    return out if len(out) >= min(2, len(matched)) else []


class SearchIndex:
    """Search index over one catalogue version.

    Immutable apart from bounded caches (query plans, and the results of one- and two-character
    queries, the first keystrokes everybody types and the ones matching the most texts), so
    one instance can be shared by all requests and threads of a process.
    """

    __slots__ = (
        "_docs",
        "_fz_han",
        "_fz_py",
        "_kinds",
        "_lex",
        "_lit_blob",
        "_lit_starts",
        "_name_tid",
        "_order",
        "_plans",
        "_pop",
        "_py_blob",
        "_py_char_unit",
        "_py_text",
        "_py_unit",
        "_results",
        "_sy_blob",
        "_sy_ids",
        "_text_len",
        "_text_refs",
        "_texts",
    )

    def __init__(self, docs: Sequence[SearchDoc]) -> None:
        """Prefer :meth:`build`."""
        self._docs = tuple(docs)
        self._kinds = tuple(d.kind for d in self._docs)
        # position of each document in (key, kind) order, the tie-break after the score
        ranked = sorted(range(len(self._docs)), key=lambda i: (docs[i].key, docs[i].kind))
        order = [0] * len(ranked)
        for rank, i in enumerate(ranked):
            order[i] = rank
        self._order = tuple(order)
        self._pop = tuple(max(0, min(100, d.popularity)) / 100.0 for d in self._docs)
        seen: set[tuple[str, str]] = set()
        for d in self._docs:
            if (d.kind, d.key) in seen:
                raise ValueError(f"duplicate document {d.kind}:{d.key}")
            seen.add((d.kind, d.key))

        texts: list[_Text] = []
        by_orig: dict[str, int] = {}
        name_tid: list[int] = []

        def add(text: str, doc: int, field: int) -> int:
            tid = by_orig.get(text)
            if tid is None:
                norm, pos = _normalize_with_map(text)
                tid = len(texts)
                by_orig[text] = tid
                texts.append(_Text(text, norm, pos, []))
            if (doc, field) not in texts[tid].refs:
                texts[tid].refs.append((doc, field))
            return tid

        for di, d in enumerate(self._docs):
            name_tid.append(add(d.name, di, _NAME))
            for a in d.aliases:
                add(a, di, _ALIAS)
            for k in d.keywords:
                add(k, di, _KEYWORD)

        lit_parts: list[str] = []
        # one private-use character (planes 15-16: room for 131072 distinct readings) per
        # character of a text, standing for its main reading
        sy_parts: list[str] = []
        sy_ids: dict[str, str] = {}
        lit_starts: list[int] = []
        py_parts: list[str] = []
        py_char_unit: list[int] = []  # global unit index of every character of the blob
        py_text: list[int] = []
        py_unit: list[int] = []
        fz_han: list[str] = []
        fz_han_tids: list[int] = []
        fz_py: list[str] = []
        fz_py_tids: list[int] = []
        lit_len = 0
        readings_cache: dict[str, list[tuple[str, ...]]] = {}
        for tid, t in enumerate(texts):
            lit_starts.append(lit_len)
            lit_parts.append(t.norm + "\n")
            lit_len += len(t.norm) + 1
            readings = readings_cache.get(t.norm)
            if readings is None:
                readings = readings_cache[t.norm] = _unit_readings(t.norm)
            for rs in readings:
                sid = sy_ids.get(rs[0])
                if sid is None:
                    sid = sy_ids[rs[0]] = chr(0xF0000 + len(sy_ids))
                sy_parts.append(sid)
            sy_parts.append("\n")
            for ui, rs in enumerate(readings):
                unit = "|," + ",".join(rs)
                py_char_unit.extend([len(py_text)] * len(unit))
                py_text.append(tid)
                py_unit.append(ui)
                py_parts.append(unit)
            py_parts.append("\n")
            py_char_unit.append(-1)
            if t.norm and any(field != _KEYWORD for _, field in t.refs):
                fz_han.append(t.norm)
                fz_han_tids.append(tid)
                raw_units = [ui for ui, rs in enumerate(readings) for _ in rs[0]]
                canon, src = _canon("".join(rs[0] for rs in readings))
                t.canon_units = tuple(raw_units[i] for i in src)
                fz_py.append(canon)
                fz_py_tids.append(tid)

        self._texts = tuple(texts)
        self._text_len = tuple(len(t.norm) for t in texts)
        self._text_refs = tuple(tuple(t.refs) for t in texts)
        self._name_tid = tuple(name_tid)
        self._lit_blob = "".join(lit_parts)
        self._lit_starts = lit_starts
        self._lex = _Lexicon.of(r for rs in readings_cache.values() for unit in rs for r in unit)
        self._plans: dict[str, _Plan] = {}
        self._results: dict[tuple[str, int, frozenset[str] | None], tuple[SearchHit, ...]] = {}
        self._sy_blob = "".join(sy_parts)
        self._sy_ids = sy_ids
        self._py_blob = "".join(py_parts)
        self._py_char_unit = array("i", py_char_unit)
        self._py_text = py_text
        self._py_unit = py_unit
        self._fz_han = _Choices(fz_han, fz_han_tids)
        self._fz_py = _Choices(fz_py, fz_py_tids)

    @classmethod
    def build(cls, docs: Iterable[SearchDoc]) -> SearchIndex:
        """Build the index; raises ``ValueError`` on a duplicate (kind, key)."""
        return cls(list(docs))

    def __len__(self) -> int:
        return len(self._docs)

    # ----------------------------------------------------------------------------------------

    def search(
        self, query: str, *, limit: int = 20, kinds: frozenset[str] | None = None
    ) -> list[SearchHit]:
        """Best matching documents first; ``[]`` for an empty query.

        Raises :class:`QueryTooLong` if the normalised query exceeds ``MAX_QUERY_LENGTH``.
        """
        q = normalize_query(query)
        if len(q) > MAX_QUERY_LENGTH:
            raise QueryTooLong(MAX_QUERY_LENGTH, len(q))
        if not q or limit <= 0:
            return []
        short = len(q) <= _SHORT_QUERY and limit <= _SHORT_QUERY_LIMIT
        if short:
            cached = self._results.get((q, limit, kinds))
            if cached is not None:
                return list(cached)
        hits_out = self._search(q, limit, kinds)
        if short:
            if len(self._results) >= _RESULT_CACHE_SIZE:
                self._results.clear()
            self._results[(q, limit, kinds)] = tuple(hits_out)
        return hits_out

    def _search(self, q: str, limit: int, kinds: frozenset[str] | None) -> list[SearchHit]:
        plan = self._plans.get(q)
        if plan is None:
            if len(self._plans) >= _CACHE_SIZE:
                self._plans.clear()
            plan = self._plans[q] = _plan(q, self._lex, self._sy_ids)
        hits: dict[int, _TextMatch] = {}  # best match per text, from the first stage matching it
        best: dict[int, _Best] = {}  # per document
        stages: list[tuple[int, str | None, str]] = [
            (_LITERAL, plan.literal, self._lit_blob),
            (_SEGMENTS, plan.segments, self._lit_blob),
            (_SUBSEQ, plan.subseq, self._lit_blob),
            (_PINYIN, plan.homophones, self._sy_blob),
            (_PINYIN, plan.pinyin_full, self._py_blob),
            (_INITIALS, plan.pinyin_prefix, self._py_blob),
        ]
        for kind, pattern, blob in stages:
            if pattern is None:
                continue
            if kind != _LITERAL and self._settled(best, _KIND_TIER[kind], limit):
                break
            new: dict[int, _TextMatch] = {}
            if blob is self._py_blob:
                self._scan_pinyin(_compile(pattern), kind, hits, new)
            else:
                self._scan_literal(_compile(pattern), blob, kind, hits, new)
            hits.update(new)
            self._aggregate(new.items(), kinds, best)

        if (plan.fuzzy_han is not None or plan.fuzzy_pinyin is not None) and not self._settled(
            best, _KIND_TIER[_FUZZY], limit
        ):
            new = {}
            if plan.fuzzy_han is not None:
                self._scan_fuzzy_han(plan.fuzzy_han, hits, new)
            if plan.fuzzy_pinyin is not None:
                self._scan_fuzzy_pinyin(plan.fuzzy_pinyin, hits, new)
            hits.update(new)
            self._aggregate(new.items(), kinds, best)

        order = self._order
        top = heapq.nsmallest(limit, [(-b[0], order[di], di) for di, b in best.items()])
        return [self._hit(di, best[di], hits[best[di][1]]) for _, _, di in top]

    # ----------------------------------------------------------------------------------------

    @staticmethod
    def _settled(best: dict[int, _Best], next_tier: float, limit: int) -> bool:
        """Whether ``limit`` documents already score above anything a stage of ``next_tier``
        could give (in-tier bonuses stay below 5), so the top results can no longer change."""
        threshold = next_tier + 5.0
        return sum(1 for b in best.values() if b[0] >= threshold) >= limit

    def _scan_literal(
        self,
        pattern: re.Pattern[str],
        blob: str,
        kind: int,
        seen: dict[int, _TextMatch],
        out: dict[int, _TextMatch],
    ) -> None:
        starts = self._lit_starts
        groups = pattern.groups
        for m in pattern.finditer(blob):
            s = m.start(1)
            tid = bisect_right(starts, s) - 1
            if tid in seen:
                continue
            base = starts[tid]
            if groups == 1:
                ranges: _Ranges = ((s - base, m.end(1) - base),)
            else:
                ranges = _merge((m.start(g) - base, m.end(g) - base) for g in range(1, groups + 1))
            out[tid] = (kind, ranges, 0.0)

    def _scan_pinyin(
        self,
        pattern: re.Pattern[str],
        kind: int,
        seen: dict[int, _TextMatch],
        out: dict[int, _TextMatch],
    ) -> None:
        char_unit = self._py_char_unit
        unit_text = self._py_text
        unit_index = self._py_unit
        for m in pattern.finditer(self._py_blob):
            u0 = char_unit[m.start()]
            tid = unit_text[u0]
            if tid in seen:
                continue
            out[tid] = (kind, ((unit_index[u0], unit_index[char_unit[m.end(1) - 1]] + 1),), 0.0)

    def _fuzzy_candidates(
        self, q: str, pool: _Choices, seen: dict[int, _TextMatch], out: dict[int, _TextMatch]
    ) -> Iterator[tuple[int, str, float, float, ScoreAlignment]]:
        """Texts within one edit of `q`: (text id, text, score, cutoff, alignment)."""
        choices, tids = pool.at_least(len(q) - 1)
        # rapidfuzz rounds its cutoff internally: ask with some slack, filter exactly here
        for choice, score, idx in process.extract(
            q,
            choices,
            scorer=fuzz.partial_ratio,
            score_cutoff=_fuzzy_cutoff(len(q) - 1) - 1.0,
            limit=None,
        ):
            tid = tids[idx]
            if tid in seen or tid in out:
                continue
            cutoff = _fuzzy_cutoff(min(len(q), len(choice)))
            if score < cutoff:
                continue
            al = fuzz.partial_ratio_alignment(q, choice)
            if al is not None:
                yield tid, choice, score, cutoff, al

    def _scan_fuzzy_han(
        self, q: str, seen: dict[int, _TextMatch], out: dict[int, _TextMatch]
    ) -> None:
        chars = set(q)
        for tid, choice, score, cutoff, al in self._fuzzy_candidates(q, self._fz_han, seen, out):
            window = range(al.dest_start, al.dest_end)
            ranges = _runs(i for i in window if choice[i] in chars) or _runs(window)
            if ranges:
                out[tid] = (_FUZZY, ranges, (score - cutoff) / (100.0 - cutoff))

    def _scan_fuzzy_pinyin(
        self, q: str, seen: dict[int, _TextMatch], out: dict[int, _TextMatch]
    ) -> None:
        for tid, _choice, score, cutoff, al in self._fuzzy_candidates(q, self._fz_py, seen, out):
            units = self._texts[tid].canon_units
            # characters whose (folded) reading the aligned window covers at least half of
            covered = Counter(units[al.dest_start : al.dest_end])
            size = Counter(units)
            ranges = _runs(u for u, c in covered.items() if 2 * c >= size[u])
            ranges = ranges or _runs(covered)
            if ranges:
                out[tid] = (_FUZZY, ranges, (score - cutoff) / (100.0 - cutoff))

    def _aggregate(
        self,
        items: Iterable[tuple[int, _TextMatch]],
        kinds: frozenset[str] | None,
        best: dict[int, _Best],
    ) -> None:
        text_len = self._text_len
        text_refs = self._text_refs
        doc_kinds = self._kinds
        pop = self._pop
        for tid, (kind, ranges, quality) in items:
            n = text_len[tid]
            first = ranges[0][0]
            last = ranges[-1][1]
            covered = last - first if len(ranges) == 1 else sum(e - s for s, e in ranges)
            coverage = covered / n
            whole = first == 0 and last == n
            bonus = 0.6 if whole else 0.4 if first == 0 else 0.0
            bonus += 0.4 * (quality if kind == _FUZZY else covered / (last - first))
            if kind == _LITERAL:
                name_tier = 100.0 if whole else 95.0 if first == 0 else 85.0
                alias_tier = 90.0 if whole else 80.0
            else:
                name_tier = alias_tier = _KIND_TIER[kind]
            base = bonus + 2.0 * coverage
            for doc, field in text_refs[tid]:
                if kinds is not None and doc_kinds[doc] not in kinds:
                    continue
                if field == _NAME:
                    tier = name_tier
                    score = tier + 0.4 + base + pop[doc]
                elif field == _ALIAS:
                    tier = alias_tier
                    score = tier + base + pop[doc]
                else:
                    tier = _T_KEYWORD
                    score = tier + 0.02 * name_tier + coverage + pop[doc]
                current = best.get(doc)
                if current is None:
                    best[doc] = (score, tid, field, tier)
                elif current[3] == tier and (field == _NAME) != (current[2] == _NAME):
                    # same tier for the name and an alias: rank by the better score but report
                    # (and highlight) the name
                    if field == _NAME:
                        best[doc] = (max(score, current[0]), tid, field, tier)
                    else:
                        best[doc] = (max(score, current[0]), current[1], current[2], tier)
                elif score > current[0]:
                    best[doc] = (score, tid, field, tier)

    def _hit(self, doc_index: int, best: _Best, match: _TextMatch) -> SearchHit:
        score, tid, field, _ = best
        ranges = match[1]
        text = self._texts[tid]
        doc = self._docs[doc_index]
        matched_spans = _orig_spans(text.pos, ranges)
        if field == _NAME:
            name_spans = matched_spans
        else:
            name = self._texts[self._name_tid[doc_index]]
            matched = "".join(text.norm[s:e] for s, e in ranges)
            name_spans = _runs(name.pos[i] for i in _aligned(matched, name.norm))
        return SearchHit(
            key=doc.key,
            kind=doc.kind,
            score=round(score, 4),
            matched_text=text.orig,
            matched_field=_FIELD_NAMES[field],
            name_spans=name_spans,
            matched_spans=matched_spans,
        )
