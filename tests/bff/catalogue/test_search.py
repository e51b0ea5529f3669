"""Tests for the in-memory catalogue search index (bff.catalogue.search)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# No conftest / packaging yet: make the repository root importable when pytest is run from
# anywhere (e.g. ``python -m pytest /work/main/tests/...``).
_ROOT = Path(__file__).resolve().parents[3]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from bff.catalogue.search import (  # noqa: E402
    MAX_QUERY_LENGTH,
    QueryTooLong,
    SearchDoc,
    SearchHit,
    SearchIndex,
    normalize_query,
)

GJJ = "市住房公积金管理中心"
GA = "市公安局"

CORPUS: tuple[SearchDoc, ...] = (
    SearchDoc("GJJ-TQ", "item", "住房公积金提取", ("提公积金", "取公积金"), (GJJ, "住房"), 95),
    SearchDoc("GJJ-JC", "item", "住房公积金缴存证明", ("公积金证明",), (GJJ, "证明开具"), 60),
    SearchDoc("GJJ-DK", "item", "住房公积金贷款", ("公积金贷款",), (GJJ, "购房"), 70),
    SearchDoc("GJJ-ZY", "item", "住房公积金个人账户转移", ("公积金转移",), (GJJ,), 30),
    SearchDoc("GJJ-JS", "item", "住房公积金缴存基数调整", (), (GJJ,), 25),
    SearchDoc(
        "BDL-XSE", "bundle", "新生儿出生一件事", ("生娃一件事",), ("出生", "生育", "户口"), 85
    ),
    SearchDoc("WJ-CSZM", "item", "《出生医学证明》首次签发", (), ("新生儿", "市卫生健康委"), 50),
    SearchDoc("GA-CSDJ", "item", "出生登记", ("新生儿落户", "报户口"), (GA, "户籍", "新生儿"), 70),
    SearchDoc("WJ-SYDJ", "item", "生育登记", ("准生证",), ("市卫生健康委", "生育"), 60),
    SearchDoc("YB-XSE", "item", "新生儿医保参保登记", (), ("市医疗保障局", "新生儿"), 35),
    SearchDoc(
        "YB-CB", "item", "城乡居民基本医疗保险参保登记", ("医保参保",), ("市医疗保障局",), 55
    ),
    SearchDoc("GA-JSZHZ", "item", "机动车驾驶证换证", ("换驾照",), (GA, "驾驶证"), 75),
    SearchDoc("GA-JSZBZ", "item", "机动车驾驶证补证", ("补驾照",), (GA, "驾驶证"), 40),
    SearchDoc("GA-XSZ", "item", "机动车行驶证补领", ("补行驶证",), (GA,), 30),
    SearchDoc(
        "SC-GTH", "item", "个体工商户设立登记", ("个体户营业执照",), ("市场监管局", "开店"), 55
    ),
    SearchDoc("SC-GTHZX", "item", "个体工商户注销登记", (), ("市场监管局",), 20),
    SearchDoc(
        "ZJ-GZF", "item", "公共租赁住房申请", ("公租房申请", "申请公租房"), ("住房保障",), 50
    ),
    SearchDoc("BDL-QYKB", "bundle", "企业开办一件事", ("开公司",), ("市场监管局", "税务"), 65),
    SearchDoc("BDL-QYZX", "bundle", "企业注销一件事", (), ("市场监管局",), 30),
    SearchDoc("BDL-TX", "bundle", "退休一件事", (), ("养老",), 40),
    SearchDoc("MZ-GLJT", "item", "高龄津贴申领", ("老人补贴",), ("市民政局", "养老"), 45),
    SearchDoc("GA-SFZHL", "item", "居民身份证换领", ("换身份证",), (GA, "户籍"), 80),
    SearchDoc("GA-SFZBL", "item", "居民身份证补领", ("补办身份证", "身份证丢了"), (GA,), 70),
    SearchDoc("GA-LSSFZ", "item", "临时居民身份证申领", (), (GA,), 20),
    SearchDoc("RS-SBK", "item", "社会保障卡申领", ("办社保卡",), ("市人力社保局",), 60),
    SearchDoc("RS-SYJ", "item", "失业保险金申领", ("领失业金",), ("市人力社保局",), 40),
    SearchDoc("RS-YLJ", "item", "养老金发放银行账户变更", (), ("市人力社保局", "养老"), 35),
    SearchDoc("SW-HSQJ", "item", "个人所得税综合所得汇算清缴", ("个税退税",), ("市税务局",), 60),
    SearchDoc("JY-JSZG", "item", "教师资格认定", ("教资认定",), ("市教育局",), 35),
    SearchDoc("ZY-BDC", "item", "不动产登记", ("办房产证",), ("市自然资源和规划局",), 50),
    SearchDoc("SF-XZFY", "item", "行政复议申请", (), ("市司法局",), 20),
    SearchDoc("GA-HZ", "item", "普通护照签发", ("办护照",), (GA, "出入境"), 50),
    SearchDoc("GA-GAT", "item", "往来港澳通行证签发", ("港澳通行证",), (GA, "出入境"), 55),
    SearchDoc("MZ-JH", "item", "内地居民婚姻登记", ("结婚登记", "领结婚证"), ("市民政局",), 65),
    SearchDoc("MZ-DB", "item", "最低生活保障申请", ("低保申请",), ("市民政局",), 40),
    SearchDoc("ZJ-ZLBA", "item", "房屋租赁登记备案", ("租房备案",), ("住房保障",), 30),
    SearchDoc("JT-ETC", "item", "ETC卡办理", (), ("交通",), 20),
    SearchDoc("ZW-12345", "item", "12345热线投诉", (), ("政务服务",), 10),
    SearchDoc("CL-CJR", "item", "残疾人证办理", ("办残疾证",), ("市残联",), 25),
    SearchDoc("RS-JYDJ", "item", "个人就业登记", (), ("市人力社保局",), 30),
)
GJJ_KEYS = {"GJJ-TQ", "GJJ-JC", "GJJ-DK", "GJJ-ZY", "GJJ-JS"}

INDEX = SearchIndex.build(CORPUS)


def keys(hits: list[SearchHit]) -> list[str]:
    return [h.key for h in hits]


def hit_for(hits: list[SearchHit], key: str) -> SearchHit:
    return next(h for h in hits if h.key == key)


def test_len_and_build() -> None:
    assert len(INDEX) == len(CORPUS) == 40
    assert len(SearchIndex.build([])) == 0
    assert SearchIndex.build([]).search("公积金") == []


def test_duplicate_kind_and_key_is_rejected() -> None:
    doc = SearchDoc("X", "item", "出生登记")
    with pytest.raises(ValueError):
        SearchIndex.build([doc, doc])
    # the same code as an item and as a bundle is fine
    assert len(SearchIndex.build([doc, SearchDoc("X", "bundle", "出生一件事")])) == 2


def test_normalize_query() -> None:
    assert normalize_query("  《住房公积金》，提取！ ") == "住房公积金提取"
    assert normalize_query("ＧＯＮＧ　ＪＩ\tJIN") == "gong ji jin"
    assert normalize_query("xi'an---") == "xian"
    assert normalize_query(" ，。!? ") == ""


def test_chinese_substring() -> None:
    hits = INDEX.search("公积金提取")
    top = hits[0]
    assert top.key == "GJJ-TQ"
    assert top.kind == "item"
    assert top.matched_field == "name"
    assert top.matched_text == "住房公积金提取"
    assert top.name_spans == ((2, 7),)
    assert top.matched_spans == ((2, 7),)


def test_newborn_bundle_first() -> None:
    hits = INDEX.search("新生儿")
    assert hits[0].key == "BDL-XSE"
    assert hits[0].kind == "bundle"
    assert hits[0].name_spans == ((0, 3),)
    # name prefix > alias prefix > keyword-only
    order = keys(hits)
    assert order.index("YB-XSE") < order.index("GA-CSDJ") < order.index("WJ-CSZM")
    assert hit_for(hits, "GA-CSDJ").matched_field == "alias"
    assert hit_for(hits, "GA-CSDJ").matched_text == "新生儿落户"
    assert hit_for(hits, "WJ-CSZM").matched_field == "keyword"


def test_characters_in_order_count_less_than_contiguous() -> None:
    contiguous = INDEX.search("公积金提取")[0]
    spaced = INDEX.search("公积金 提取")
    gapped = INDEX.search("住房提取")
    assert spaced[0].key == "GJJ-TQ"
    assert gapped[0].key == "GJJ-TQ"
    assert spaced[0].name_spans == ((2, 7),)
    assert gapped[0].name_spans == ((0, 2), (5, 7))
    assert contiguous.score > spaced[0].score > gapped[0].score


def test_alias_match_highlights_name_overlap() -> None:
    hits = INDEX.search("提公积金")
    top = hits[0]
    assert top.key == "GJJ-TQ"
    assert top.matched_field == "alias"
    assert top.matched_text == "提公积金"
    assert top.matched_spans == ((0, 4),)
    assert top.name_spans == ((2, 5),)  # 公积金 in 住房公积金提取


def test_alias_without_overlap_has_empty_name_spans() -> None:
    top = INDEX.search("换驾照")[0]
    assert top.key == "GA-JSZHZ"
    assert top.matched_field == "alias"
    assert top.matched_spans == ((0, 3),)
    assert top.name_spans == ()


def test_full_pinyin() -> None:
    for query in ("gongjijin", "gong ji jin", "zhufanggongjijin", "gongjij", "GongJiJin"):
        hits = INDEX.search(query)
        assert set(keys(hits[:5])) == GJJ_KEYS, query
        assert hit_for(hits, "GJJ-DK").matched_field == "name"
    assert hit_for(INDEX.search("gongjijin"), "GJJ-TQ").name_spans == ((2, 5),)
    assert hit_for(INDEX.search("gongjij"), "GJJ-JC").name_spans == ((2, 5),)
    assert hit_for(INDEX.search("zhufanggongjijin"), "GJJ-TQ").name_spans == ((0, 5),)
    top = INDEX.search("gong ji jin ti qu")[0]
    assert top.key == "GJJ-TQ"
    assert top.name_spans == ((2, 7),)
    assert INDEX.search("gongjijintiqu")[0].key == "GJJ-TQ"


def test_pinyin_highlight_maps_to_original_characters() -> None:
    top = INDEX.search("chushengyixue")[0]
    assert top.key == "WJ-CSZM"
    assert top.matched_text == "《出生医学证明》首次签发"
    assert top.name_spans == ((1, 5),)  # 出生医学, skipping 《
    top = INDEX.search("出生医学证明首次签发")[0]
    assert top.key == "WJ-CSZM"
    assert top.name_spans == ((1, 7), (8, 12))


def test_initials() -> None:
    hits = INDEX.search("gjj")
    assert set(keys(hits[:5])) == GJJ_KEYS
    assert hit_for(hits, "GJJ-DK").name_spans == ((2, 5),)
    top = INDEX.search("zfgjjtq")[0]
    assert top.key == "GJJ-TQ"
    assert top.name_spans == ((0, 7),)
    top = INDEX.search("hjz")[0]
    assert top.key == "GA-JSZHZ"
    assert top.matched_field == "alias"
    assert top.matched_text == "换驾照"
    assert top.matched_spans == ((0, 3),)
    # zh/ch/sh as two-letter initials, and full syllables mixed with initials
    assert INDEX.search("zhfgjj")[0].key in GJJ_KEYS
    assert INDEX.search("zhufanggjjtq")[0].key == "GJJ-TQ"


def test_mixed_initials_and_characters() -> None:
    top = INDEX.search("gjj提取")[0]
    assert top.key == "GJJ-TQ"
    assert top.name_spans == ((2, 7),)
    assert INDEX.search("公积金tq")[0].key == "GJJ-TQ"
    assert INDEX.search("公积金tiqu")[0].key == "GJJ-TQ"


def test_full_pinyin_ranks_above_initials() -> None:
    # "jiaz": 驾照 is jia + z(hao) (full pinyin, incomplete last syllable);
    # 教资 is jia(o) + z(i), an incomplete syllable in the middle (initials tier)
    hits = INDEX.search("jiaz")
    order = keys(hits)
    assert order[0] == "GA-JSZHZ"
    assert order.index("GA-JSZHZ") < order.index("JY-JSZG")
    assert hits[0].score >= 60 > hit_for(hits, "JY-JSZG").score >= 50


def test_homophones() -> None:
    hits = INDEX.search("公基金")
    assert set(keys(hits[:5])) == GJJ_KEYS
    assert hit_for(hits, "GJJ-DK").name_spans == ((2, 5),)
    top = INDEX.search("公积金提区")[0]
    assert top.key == "GJJ-TQ"
    assert top.name_spans == ((2, 7),)


def test_chinese_typos() -> None:
    wrong = INDEX.search("公积全提取")[0]
    assert wrong.key == "GJJ-TQ"
    assert wrong.name_spans == ((2, 4), (5, 7))  # the mistyped 金 is not highlighted
    assert INDEX.search("住房公积金金提取")[0].key == "GJJ-TQ"  # extra character
    assert INDEX.search("住房公积提取")[0].key == "GJJ-TQ"  # missing character
    assert INDEX.search("居民身分证换领")[0].key == "GA-SFZHL"  # 分 for 份 (homophone)
    assert INDEX.search("居民身价证换领")[0].key == "GA-SFZHL"  # wrong character


def test_pinyin_typos() -> None:
    for query in ("gongjijng", "gongjijing", "gongjjin", "gongjiijn", "zhufanggongjijim"):
        hits = INDEX.search(query)
        assert hits, query
        assert hits[0].key in GJJ_KEYS, query
    typo = hit_for(INDEX.search("gongjijng"), "GJJ-DK")
    assert typo.score < 50
    assert typo.name_spans == ((2, 5),)
    assert INDEX.search("shenfenzhen")[0].key.startswith("GA-")  # zheng -> zhen
    # fewer than 6 letters: no typo tolerance
    assert not GJJ_KEYS & set(keys(INDEX.search("gomgj")))


def test_keyword_only_matches_rank_last() -> None:
    hits = INDEX.search("市民政局")
    assert {h.key for h in hits} == {"MZ-GLJT", "MZ-JH", "MZ-DB"}
    assert all(h.matched_field == "keyword" and h.score < 40 for h in hits)
    assert hits[0].matched_text == "市民政局"
    assert hits[0].name_spans == ()
    # a name match beats any keyword match
    hits = INDEX.search("养老")
    assert hits[0].key == "RS-YLJ"
    assert hits[0].matched_field == "name"


def test_ranking_tiers() -> None:
    # popularity is the reverse of the expected order: tiers must win
    docs = [
        SearchDoc("A", "item", "社保卡", popularity=0),
        SearchDoc("B", "item", "社保卡激活", popularity=10),
        SearchDoc("C", "item", "社会保障卡申领", aliases=("社保卡",), popularity=20),
        SearchDoc("D", "item", "补领社保卡", popularity=30),
        SearchDoc("E", "item", "社会保障卡挂失", aliases=("挂失社保卡",), popularity=40),
        SearchDoc("F", "item", "社会保险卡片", popularity=50),
        SearchDoc("G", "item", "社宝卡积分", popularity=60),
        SearchDoc("H", "item", "社保金查询", popularity=70),
        SearchDoc("I", "item", "医保电子凭证", keywords=("社保卡",), popularity=100),
        SearchDoc("J", "item", "护照签发", keywords=("出入境",), popularity=100),
    ]
    hits = SearchIndex.build(docs).search("社保卡")
    assert keys(hits) == ["A", "B", "C", "D", "E", "F", "G", "H", "I"]
    # the alias 社保卡 highlights the aligned characters of 社会保障卡申领
    assert hits[2].name_spans == ((0, 1), (2, 3), (4, 5))
    assert hits[6].name_spans == ((0, 3),)  # homophone 社宝卡
    assert hits[8].name_spans == ()  # keyword only, nothing in common with the name
    fields = [h.matched_field for h in hits]
    assert fields == ["name", "name", "alias", "name", "alias", "name", "name", "name", "keyword"]
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == len(scores)


def test_popularity_length_and_key_tie_breaks() -> None:
    docs = [
        SearchDoc("b", "item", "护照签发", popularity=50),
        SearchDoc("a", "item", "护照签发", popularity=50),
        SearchDoc("c", "item", "护照签发", popularity=90),
        SearchDoc("a", "bundle", "护照签发", popularity=50),
        SearchDoc("x", "item", "护照签发补发换发", popularity=50),
        SearchDoc("y", "item", "护照签发补发", popularity=50),
    ]
    index = SearchIndex.build(docs)
    hits = index.search("护照签发")
    assert [(h.key, h.kind) for h in hits] == [
        ("c", "item"),  # popularity breaks the tie
        ("a", "bundle"),  # then key, then kind
        ("a", "item"),
        ("b", "item"),
        ("y", "item"),  # name prefix: shorter name first
        ("x", "item"),
    ]
    assert hits[1].score == hits[2].score == hits[3].score > hits[4].score > hits[5].score
    assert keys(index.search("huzhao"))[-2:] == ["y", "x"]


def test_kinds_filter() -> None:
    assert INDEX.search("新生儿", kinds=frozenset({"bundle"}))[0].key == "BDL-XSE"
    item_hits = INDEX.search("新生儿", kinds=frozenset({"item"}))
    assert item_hits
    assert all(h.kind == "item" for h in item_hits)
    assert "BDL-XSE" not in keys(item_hits)
    bundles = INDEX.search("yijianshi", kinds=frozenset({"bundle"}))
    assert {h.key for h in bundles} == {"BDL-XSE", "BDL-QYKB", "BDL-QYZX", "BDL-TX"}
    assert INDEX.search("新生儿", kinds=frozenset()) == []


def test_limit() -> None:
    assert len(INDEX.search("gjj", limit=2)) == 2
    assert INDEX.search("gjj", limit=0) == []
    # stages that cannot change the top ``limit`` are skipped: same results as a full run
    queries = ("gjj", "g", "s", "d", "登记", "申", "公积金", "gongjijng", "公积全提取", "shenfen")
    for query in queries:
        everything = INDEX.search(query, limit=1000)
        for limit in (1, 2, 3, 5, 10):
            assert INDEX.search(query, limit=limit) == everything[:limit], (query, limit)
        for kinds in (frozenset({"item"}), frozenset({"bundle"})):
            filtered = [h for h in everything if h.kind in kinds]
            assert INDEX.search(query, limit=3, kinds=kinds) == filtered[:3], (query, kinds)


def test_empty_and_punctuation_queries() -> None:
    for query in ("", "   ", "\t\n", "，。！？", "《》", "---", "!!!"):
        assert INDEX.search(query) == [], repr(query)


def test_query_too_long() -> None:
    ok = "公" * MAX_QUERY_LENGTH
    assert isinstance(INDEX.search(ok), list)
    with pytest.raises(QueryTooLong) as exc_info:
        INDEX.search("公" * (MAX_QUERY_LENGTH + 1))
    assert exc_info.value.max_length == MAX_QUERY_LENGTH == 64
    assert isinstance(exc_info.value, ValueError)
    with pytest.raises(QueryTooLong):
        INDEX.search("g" * 200)
    # punctuation does not count towards the limit
    assert isinstance(INDEX.search("，" * 100 + "公积金"), list)


def test_u_umlaut_spellings() -> None:
    docs = [SearchDoc("L", "item", "律师执业证补办"), SearchDoc("N", "item", "女职工生育津贴")]
    index = SearchIndex.build(docs)
    for query in ("lvshi", "lushi", "ls"):
        assert keys(index.search(query)) == ["L"], query
    assert keys(index.search("nvzhigong")) == ["N"]
    assert keys(index.search("nuzhigong")) == ["N"]


def test_heteronyms() -> None:
    assert INDEX.search("yinhang")[0].key == "RS-YLJ"  # 银行: hang
    assert INDEX.search("xingzheng")[0].key == "SF-XZFY"  # 行政: xing
    assert INDEX.search("gangaotongxingzheng")[0].key == "GA-GAT"
    assert INDEX.search("xingshizheng")[0].key == "GA-XSZ"
    assert INDEX.search("yinxing")[0].key == "RS-YLJ"  # other reading of 行 is tolerated
    assert INDEX.search("hangzheng") is not None  # no crash


def test_latin_and_digits_in_names() -> None:
    top = INDEX.search("etc")[0]
    assert top.key == "JT-ETC"
    assert top.name_spans == ((0, 3),)
    assert INDEX.search("ETC卡办理")[0].name_spans == ((0, 6),)
    assert INDEX.search("etc办理")[0].key == "JT-ETC"
    assert INDEX.search("ETCkabanli")[0].key == "JT-ETC"
    top = INDEX.search("12345")[0]
    assert top.key == "ZW-12345"
    assert top.name_spans == ((0, 5),)
    assert INDEX.search("１２３４５rexian")[0].key == "ZW-12345"


def test_deterministic_regardless_of_input_order() -> None:
    reordered = SearchIndex.build(list(reversed(CORPUS)))
    queries = ("gjj", "g", "新生儿", "公积金", "shenfenzheng", "登记", "dj", "gongjijng", "市")
    for query in queries:
        assert INDEX.search(query) == reordered.search(query), query
        assert INDEX.search(query) == INDEX.search(query), query


def test_short_latin_prefix_while_typing() -> None:
    # each keystroke returns something sensible and never crashes
    for i in range(1, len("shenfenzheng") + 1):
        hits = INDEX.search("shenfenzheng"[:i])
        assert hits, i
    assert INDEX.search("shenfenzheng")[0].key in {"GA-SFZHL", "GA-SFZBL", "GA-LSSFZ"}
    assert set(keys(INDEX.search("shenfenzheng")[:3])) == {"GA-SFZHL", "GA-SFZBL", "GA-LSSFZ"}


def test_returned_lists_are_independent() -> None:
    first = INDEX.search("g")
    assert first
    first.clear()
    assert INDEX.search("g")
    assert INDEX.search("g") == INDEX.search("g")
    assert INDEX.search("g") is not INDEX.search("g")
