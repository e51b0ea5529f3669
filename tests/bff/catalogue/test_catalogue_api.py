"""The catalogue as a client sees it over GraphQL."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import GraphQLClient, StatementCounter

ELDER = {"X-Haoban-Mode": "elder"}
CJK = re.compile(r"[\u4e00-\u9fff]")

SEARCH = """
query Search($text: String!, $first: Int = 5) {
  search(text: $text, first: $first) {
    results {
      kind
      match { field text marked }
      node {
        __typename
        ... on ServiceItem { code name }
        ... on Bundle { code name }
      }
    }
  }
}
"""


async def _search(gql: GraphQLClient, text: str) -> list[dict[str, Any]]:
    body = await gql(SEARCH, {"text": text})
    results: list[dict[str, Any]] = body["data"]["search"]["results"]
    return results


async def _item_code(gql: GraphQLClient, name: str) -> str:
    for result in await _search(gql, name):
        if result["node"]["name"] == name:
            return str(result["node"]["code"])
    raise AssertionError(f"{name} not in the catalogue")


async def test_search_finds_housing_fund_withdrawal_by_colloquial_name(gql: GraphQLClient) -> None:
    results = await _search(gql, "提公积金")
    assert results[0]["node"]["name"] == "住房公积金提取"
    assert results[0]["match"]["field"] == "alias"
    assert "【" in results[0]["match"]["marked"]


async def test_search_finds_housing_fund_withdrawal_by_pinyin_initials(gql: GraphQLClient) -> None:
    results = await _search(gql, "gjj")
    names = [r["node"]["name"] for r in results]
    assert names and all("公积金" in n for n in names[:3]), names


async def test_search_ranks_exact_words_first(gql: GraphQLClient) -> None:
    results = await _search(gql, "公积金提取")
    assert results[0]["node"]["name"] == "住房公积金提取"


async def test_search_finds_the_newborn_bundle_first(gql: GraphQLClient) -> None:
    results = await _search(gql, "新生儿")
    assert results[0]["kind"] == "BUNDLE"
    assert "新生儿" in results[0]["node"]["name"]


async def test_search_tolerates_a_homophone_typo(gql: GraphQLClient) -> None:
    results = await _search(gql, "公基金提取")
    assert results and results[0]["node"]["name"] == "住房公积金提取"


ITEM = """
query Item($code: String!) {
  serviceItem(code: $code) {
    code title name zeroMaterial hotline faceVerification
    materials { name required source noPaperNeeded }
    materialCount
    guide { style sentences }
    halls { name }
  }
  presentation { mode bodyFontPx largestFontPx lineHeight touchTargetPx minContrastRatio showPromotions
    palette { text background accent onAccent warning } }
  highlights { title }
}
"""


async def test_elder_mode_renders_the_same_item_simpler_from_the_same_schema(
    gql: GraphQLClient,
) -> None:
    code = await _item_code(gql, "住房公积金提取")
    standard = (await gql(ITEM, {"code": code}))["data"]
    elder = (await gql(ITEM, {"code": code}, headers=ELDER))["data"]
    s_item, e_item = standard["serviceItem"], elder["serviceItem"]
    assert s_item["code"] == e_item["code"]
    assert s_item["title"] == "住房公积金提取"
    assert e_item["title"] != s_item["title"] and len(e_item["title"]) <= 10
    assert s_item["guide"]["style"] == "FULL" and e_item["guide"]["style"] == "SIMPLE"
    assert len(e_item["guide"]["sentences"]) <= len(s_item["guide"]["sentences"])
    assert all(len(s) <= 60 for s in e_item["guide"]["sentences"])
    assert e_item["hotline"]
    assert elder["presentation"]["mode"] == "elder"
    assert elder["presentation"]["bodyFontPx"] >= 18
    assert elder["presentation"]["largestFontPx"] >= 30
    assert elder["presentation"]["lineHeight"] >= 1.3
    assert elder["presentation"]["touchTargetPx"] >= 60
    assert elder["presentation"]["minContrastRatio"] >= 7
    assert elder["presentation"]["showPromotions"] is False
    assert elder["highlights"] == [] and standard["highlights"]


async def test_elder_mode_caps_lists_and_orders_materials_by_need(gql: GraphQLClient) -> None:
    query = """query($first: Int) { serviceItems(first: $first) { edges { node {
        materialCount materials { required } halls { code } } } } }"""
    standard = (await gql(query, {"first": 100}))["data"]["serviceItems"]["edges"]
    elder = (await gql(query, {"first": 100}, headers=ELDER))["data"]["serviceItems"]["edges"]
    long_ones = [e for e in standard if e["node"]["materialCount"] > 5]
    assert long_ones, "the demo catalogue should have items with many materials"
    for edge in elder:
        materials = edge["node"]["materials"]
        assert len(materials) <= 5
        flags = [m["required"] for m in materials]
        assert flags == sorted(flags, reverse=True), "required materials come first"
        assert len(edge["node"]["halls"]) <= 5


async def test_elder_palette_meets_the_contrast_it_promises(gql: GraphQLClient) -> None:
    from accessibility.presentation import contrast_ratio

    data = (
        await gql(
            "{ presentation { minContrastRatio palette { text background accent onAccent warning } } }",
            headers=ELDER,
        )
    )["data"]
    p = data["presentation"]["palette"]
    need = data["presentation"]["minContrastRatio"]
    assert contrast_ratio(p["text"], p["background"]) >= need
    assert contrast_ratio(p["accent"], p["background"]) >= need
    assert contrast_ratio(p["onAccent"], p["accent"]) >= need
    assert contrast_ratio(p["warning"], p["background"]) >= need


async def test_zero_material_is_derived_from_the_materials(gql: GraphQLClient) -> None:
    query = """query($z: Boolean) { serviceItems(first: 100, filter: {zeroMaterial: $z}) {
        totalCount edges { node { zeroMaterial materials(limit: 100) { required noPaperNeeded } } } } }"""
    yes = (await gql(query, {"z": True}))["data"]["serviceItems"]
    no = (await gql(query, {"z": False}))["data"]["serviceItems"]
    assert yes["totalCount"] > 0 and no["totalCount"] > 0
    for edge in yes["edges"]:
        required = [m for m in edge["node"]["materials"] if m["required"]]
        assert required and all(m["noPaperNeeded"] for m in required)
    for edge in no["edges"]:
        required = [m for m in edge["node"]["materials"] if m["required"]]
        assert not required or not all(m["noPaperNeeded"] for m in required)


async def test_facets_count_what_each_filter_would_return(gql: GraphQLClient) -> None:
    query = """query($f: ServiceItemFilter) { serviceItems(first: 1, filter: $f) { totalCount
        facets(dimensions: [WEEKEND_CATEGORY, ZERO_MATERIAL, LEVEL]) { dimension values { value label count } } } }"""
    data = (await gql(query, {"f": {"weekendAvailable": True}}))["data"]["serviceItems"]
    facets = {f["dimension"]: f["values"] for f in data["facets"]}
    assert {v["value"] for v in facets["WEEKEND_CATEGORY"]} <= {
        "不动产",
        "公积金",
        "车驾管",
        "出入境",
        "医社保",
    }
    zero = {v["value"]: v["count"] for v in facets["ZERO_MATERIAL"]}
    assert sum(zero.values()) == data["totalCount"]
    fund = next(v for v in facets["WEEKEND_CATEGORY"] if v["value"] == "公积金")
    filtered = (await gql(query, {"f": {"weekendCategories": ["公积金"]}}))["data"]["serviceItems"]
    assert filtered["totalCount"] == fund["count"]


async def test_cursor_pages_cover_the_list_without_overlap(gql: GraphQLClient) -> None:
    query = """query($after: String) { serviceItems(first: 40, after: $after, filter: {levels: [CITY]}) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { code } } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await gql(query, {"after": after}))["data"]["serviceItems"]
        seen += [e["node"]["code"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"]


PAGE = """
query Page($first: Int!) {
  serviceItems(first: $first) {
    edges { node { code title department { name } materials { name } halls { name address } } }
  }
}
"""


async def test_a_page_of_items_with_relations_costs_constant_queries(
    gql: GraphQLClient, count_statements: StatementCounter
) -> None:
    await gql(PAGE, {"first": 5})  # warm the catalogue version and any lazy state
    count_statements.count = 0
    await gql(PAGE + " ", {"first": 5})
    small = count_statements.count
    count_statements.count = 0
    await gql(PAGE + "  ", {"first": 50})
    large = count_statements.count
    assert large == small, count_statements.statements
    assert large <= 6


async def test_halls_are_sorted_by_distance_from_the_citizen(gql: GraphQLClient) -> None:
    query = """{ halls(near: {lat: 34.7466, lng: 113.6253}, first: 20) { name distanceMeters } }"""
    halls = (await gql(query))["data"]["halls"]
    distances = [h["distanceMeters"] for h in halls]
    assert len(halls) >= 8 and distances == sorted(distances)


async def test_weekend_halls_serve_the_five_weekend_categories(gql: GraphQLClient) -> None:
    query = """{ halls(weekendOnly: true, first: 50) { weekendCategories opensOnWeekends
        openingHours { weekday sessions { start end } } } }"""
    halls = (await gql(query))["data"]["halls"]
    categories = {c for h in halls for c in h["weekendCategories"]}
    assert categories == {"不动产", "公积金", "车驾管", "出入境", "医社保"}
    assert all(h["opensOnWeekends"] for h in halls)


async def test_bundle_savings_are_computed_from_member_items(gql: GraphQLClient) -> None:
    query = """{ bundles(first: 100) { totalCount nodes { code name promisedDays
        items { promisedDays visits materials(limit: 100) { required } }
        savings { materialsSeparately materialsBundled daysSeparately daysBundled
                  visitsSeparately visitsBundled daysSaved } } } }"""
    data = (await gql(query))["data"]["bundles"]
    assert data["totalCount"] >= 20
    for bundle in data["nodes"]:
        s, items = bundle["savings"], bundle["items"]
        assert s["daysSeparately"] == sum(i["promisedDays"] or 0 for i in items)
        assert s["daysBundled"] == bundle["promisedDays"]
        assert s["visitsSeparately"] == sum(i["visits"] for i in items)
        assert s["materialsSeparately"] == sum(
            1 for i in items for m in i["materials"] if m["required"]
        )
        assert s["materialsBundled"] <= s["materialsSeparately"]


async def _error(
    gql: GraphQLClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = await gql(query, variables, expect_errors=True)
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    return error


async def test_unknown_item_code_is_a_typed_error_in_chinese(gql: GraphQLClient) -> None:
    error = await _error(gql, '{ serviceItem(code: "NO-SUCH-CODE") { name } }')
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert CJK.search(error["message"])


async def test_malformed_cursor_is_a_typed_error(gql: GraphQLClient) -> None:
    error = await _error(gql, '{ serviceItems(after: "not-a-cursor!") { totalCount } }')
    assert error["extensions"]["code"] == "BAD_CURSOR"
    assert CJK.search(error["message"])


async def test_over_long_search_is_a_typed_error(gql: GraphQLClient) -> None:
    error = await _error(
        gql, "query($t: String!) { search(text: $t) { totalCount } }", {"t": "公积金" * 100}
    )
    assert error["extensions"]["code"] == "SEARCH_TOO_LONG"


async def test_invalid_filter_is_a_typed_error(gql: GraphQLClient) -> None:
    error = await _error(
        gql, '{ serviceItems(filter: {weekendCategories: ["游泳"]}) { totalCount } }'
    )
    assert error["extensions"]["code"] == "INVALID_ARGUMENT"
    assert CJK.search(error["message"])
    error = await _error(gql, "{ serviceItems(filter: {levels: [PLANET]}) { totalCount } }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_oversized_page_is_a_typed_error(gql: GraphQLClient) -> None:
    error = await _error(gql, "{ serviceItems(first: 1000) { totalCount } }")
    assert error["extensions"]["code"] == "PAGE_TOO_LARGE"


async def test_english_locale_translates_labels_and_errors(gql: GraphQLClient) -> None:
    headers = {"Accept-Language": "en-US,en;q=0.9"}
    body = await gql(
        '{ serviceItem(code: "NO-SUCH-CODE") { name } }', headers=headers, expect_errors=True
    )
    assert not CJK.search(body["errors"][0]["message"].replace("NO-SUCH-CODE", ""))
    body = await gql("{ serviceItems(first: 1) { edges { node { typeLabel } } } }", headers=headers)
    assert not CJK.search(body["data"]["serviceItems"]["edges"][0]["node"]["typeLabel"])
    body = await gql("{ serviceItems(first: 1) { edges { node { typeLabel } } } }")
    assert CJK.search(body["data"]["serviceItems"]["edges"][0]["node"]["typeLabel"])
