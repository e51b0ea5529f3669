#!/usr/bin/env python3
"""Build the demo catalogue of a Zhengzhou-like city from the real source data.

Reads ``service-items.json``, ``one-things.json`` and ``halls.json`` from ``--source``
(default ``../shared/data`` relative to the repository root) and writes
``bff/catalogue/demo/catalogue.json``.

The real records (mostly the 办事指南 list of 四川省广安市广安区) carry names, types,
codes and sources but no guides. This script adapts them to one city (郑州市), maps the
广安 departments to plausible 郑州 departments, spreads the items between city, district
and township level, adds hand-curated high-traffic citizen items, and invents complete
guides with a seeded ``random.Random`` so every run writes the same bytes. Everything
invented is marked ``"demo": true``; real records keep ``source`` and ``source_id``.

Standard library only, no network. The self-check at the end fails loudly on bad output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

JSON = dict[str, Any]

VERSION: Final = "demo-2026.11"
SEED: Final = "haoban-demo-catalogue-2026.11"
REPO_ROOT: Final = Path(__file__).resolve().parent.parent
OUTPUT: Final = REPO_ROOT / "bff" / "catalogue" / "demo" / "catalogue.json"
MAX_BYTES: Final = 2_500_000

CITY: Final = "郑州市"
CITY_REGION: Final = "410100000000"
DISTRICTS: Final[dict[str, tuple[str, str]]] = {
    # district -> (6-digit code, slug)
    "中原区": ("410102", "zhongyuan"),
    "二七区": ("410103", "erqi"),
    "管城回族区": ("410104", "guancheng"),
    "金水区": ("410105", "jinshui"),
    "惠济区": ("410108", "huiji"),
    "郑东新区": ("410171", "zhengdong"),
}
WEEKEND_CATEGORIES: Final = ("不动产", "公积金", "车驾管", "出入境", "医社保")
LICENCE_TYPES: Final = (
    "身份证",
    "户口簿",
    "结婚证",
    "不动产权证书",
    "社保卡",
    "出生医学证明",
    "营业执照",
    "驾驶证",
    "行驶证",
    "残疾人证",
    "退役军人证",
)
ITEM_TYPES: Final = (
    "licence",
    "payment",
    "confirmation",
    "reward",
    "adjudication",
    "other",
    "public_service",
)
SOURCE_TYPE_MAP: Final = {
    "行政许可": "licence",
    "行政给付": "payment",
    "行政确认": "confirmation",
    "行政奖励": "reward",
    "行政裁决": "adjudication",
    "其他行政权力": "other",
    "公共服务": "public_service",
}
LEVELS: Final = ("city", "district", "township")
CHANNELS: Final = ("online", "mobile", "kiosk", "window")
CROSS_REGION: Final = ("none", "province", "nation", "region")
MATERIAL_FORMATS: Final = ("original", "copy", "electronic", "form")
MATERIAL_SOURCES: Final = ("upload", "licence", "data_sharing", "commitment")
FIELD_TYPES: Final = ("text", "date", "select", "idcard", "phone")
ZERO_SOURCES: Final = frozenset({"licence", "data_sharing", "commitment"})
# Names that only make sense in 四川 (provincial orders, provincial cards) are left out.
EXCLUDE_NAME_PATTERN: Final = re.compile(r"四川|广安|成都")


def digest(key: str) -> int:
    """A stable integer for ``key`` (``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(f"{SEED}:{key}".encode()).digest()[:8], "big")


def rng_for(key: str) -> random.Random:
    """A private, seeded generator per record, so one record's changes never shift another."""
    return random.Random(f"{SEED}:{key}")


# ---------------------------------------------------------------------------
# Unified social credit codes (GB 32100-2015) for the demo departments
# ---------------------------------------------------------------------------

_USCC_CHARS: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code(key: str) -> str:
    body = f"{digest('org:' + key) % 10**8:08d}"
    total = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(key: str, prefix: str, region6: str) -> str:
    """An 18-character code with valid check characters (demo values, not real codes)."""
    base = prefix + region6 + _org_code(key)
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(base, _USCC_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return base + _USCC_CHARS[check]


# ---------------------------------------------------------------------------
# Departments
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dept:
    code: str
    name: str
    short_name: str
    level: str
    district: str | None
    region_code: str
    credit_prefix: str = "11"

    @property
    def credit(self) -> str:
        return credit_code(self.code, self.credit_prefix, self.region_code[:6])

    @property
    def phone(self) -> str:
        return f"0371-6{digest('phone:' + self.code) % 10**7:07d}"

    def to_json(self) -> JSON:
        return {
            "code": self.code,
            "name": self.name,
            "short_name": self.short_name,
            "level": self.level,
            "district": self.district,
            "region_code": self.region_code,
            "phone": self.phone,
            "demo": True,
        }


# (suffix, name, short name, credit prefix: 11 机关, 12 事业单位, 91 企业)
CITY_DEPTS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("RSJ", "郑州市人力资源和社会保障局", "市人社局", "11"),
    ("GJJ", "郑州住房公积金管理中心", "市公积金中心", "12"),
    ("GAJ", "郑州市公安局", "市公安局", "11"),
    ("GAJ-HZ", "郑州市公安局户政管理支队", "市公安局户政支队", "11"),
    ("GAJ-CGS", "郑州市公安局交通警察支队车辆管理所", "市车管所", "11"),
    ("GAJ-CRJ", "郑州市公安局出入境管理支队", "市出入境支队", "11"),
    ("BDC", "郑州市不动产登记中心", "市不动产登记中心", "12"),
    ("YBJ", "郑州市医疗保障局", "市医保局", "11"),
    ("WJW", "郑州市卫生健康委员会", "市卫健委", "11"),
    ("SJJ", "郑州市市场监督管理局", "市市场监管局", "11"),
    ("MZJ", "郑州市民政局", "市民政局", "11"),
    ("SWJ", "国家税务总局郑州市税务局", "市税务局", "11"),
    ("JTJ", "郑州市交通运输局", "市交通运输局", "11"),
    ("FGJ", "郑州市住房保障和房地产管理局", "市住房保障局", "11"),
    ("CJJ", "郑州市城乡建设局", "市城建局", "11"),
    ("CGJ", "郑州市城市管理局", "市城管局", "11"),
    ("YLJ", "郑州市园林局", "市园林局", "11"),
    ("ZRJ", "郑州市自然资源和规划局", "市自然资源和规划局", "11"),
    ("JYJ", "郑州市教育局", "市教育局", "11"),
    ("TYJ", "郑州市体育局", "市体育局", "11"),
    ("KJJ", "郑州市科学技术局", "市科技局", "11"),
    ("NYJ", "郑州市农业农村局", "市农业农村局", "11"),
    ("SFJ", "郑州市司法局", "市司法局", "11"),
    ("WGLJ", "郑州市文化广电和旅游局", "市文广旅局", "11"),
    ("LYJ", "郑州市林业局", "市林业局", "11"),
    ("SHJ", "郑州市生态环境局", "市生态环境局", "11"),
    ("CL", "郑州市残疾人联合会", "市残联", "13"),
    ("SLJ", "郑州市水利局", "市水利局", "11"),
    ("YJJ", "郑州市应急管理局", "市应急管理局", "11"),
    ("RFB", "郑州市人民防空办公室", "市人防办", "11"),
    ("YC", "郑州市烟草专卖局", "市烟草专卖局", "11"),
    ("QXJ", "郑州市气象局", "市气象局", "12"),
    ("TYJR", "郑州市退役军人事务局", "市退役军人事务局", "11"),
    ("CZJ", "郑州市财政局", "市财政局", "11"),
    ("DAJ", "郑州市档案局", "市档案局", "11"),
    ("MZZJ", "郑州市民族宗教事务局", "市民宗局", "11"),
    ("FGW", "郑州市发展和改革委员会", "市发改委", "11"),
    ("SWU", "郑州市商务局", "市商务局", "11"),
    ("GXJ", "郑州市工业和信息化局", "市工信局", "11"),
    ("TJJ", "郑州市统计局", "市统计局", "11"),
    ("GGZY", "郑州市公共资源交易中心", "市公共资源交易中心", "12"),
    ("XF", "郑州市消防救援支队", "市消防救援支队", "11"),
    ("GS", "郑州自来水投资控股有限公司", "市自来水公司", "91"),
    ("GD", "国网郑州供电公司", "市供电公司", "91"),
    ("RQ", "郑州华润燃气股份有限公司", "市燃气公司", "91"),
    ("YX", "河南有线电视网络集团郑州分公司", "市有线电视公司", "91"),
    ("KD", "中国电信股份有限公司郑州分公司", "市电信公司", "91"),
)

# district-level departments: suffix -> (name pattern, short-name pattern, districts)
DISTRICT_DEPTS: Final[dict[str, tuple[str, str, tuple[str, ...]]]] = {
    "RSJ": ("{d}人力资源和社会保障局", "{s}人社局", tuple(DISTRICTS)),
    "MZJ": ("{d}民政局", "{s}民政局", tuple(DISTRICTS)),
    "SJJ": ("{d}市场监督管理局", "{s}市场监管局", ("中原区", "金水区", "郑东新区")),
    "WJW": ("{d}卫生健康委员会", "{s}卫健委", ("二七区", "管城回族区")),
    "YBJ": ("{d}医疗保障局", "{s}医保局", ("金水区", "惠济区")),
    "GA": ("郑州市公安局{d2}分局", "{s}公安分局", ("金水区", "二七区")),
    "JYJ": ("{d}教育局", "{s}教育局", ("金水区", "二七区")),
}
DISTRICT_SHORT: Final = {
    "中原区": "中原区",
    "二七区": "二七区",
    "管城回族区": "管城区",
    "金水区": "金水区",
    "惠济区": "惠济区",
    "郑东新区": "郑东新区",
}
# township level: key -> (code, name, short, district, region_code)
TOWNSHIPS: Final[dict[str, tuple[str, str, str, str, str]]] = {
    "jingbalu": ("410105001-JD", "金水区经八路街道办事处", "经八路街道", "金水区", "410105001000"),
    "huaihelu": ("410103005-JD", "二七区淮河路街道办事处", "淮河路街道", "二七区", "410103005000"),
    "guxing": ("410108100-Z", "惠济区古荥镇人民政府", "古荥镇", "惠济区", "410108100000"),
}


def build_departments() -> dict[str, Dept]:
    depts: dict[str, Dept] = {}
    for suffix, name, short, prefix in CITY_DEPTS:
        code = f"410100-{suffix}"
        depts[code] = Dept(code, name, short, "city", None, CITY_REGION, prefix)
    for suffix, (name_p, short_p, districts) in DISTRICT_DEPTS.items():
        for district in districts:
            d6, _slug = DISTRICTS[district]
            code = f"{d6}-{suffix}"
            d2 = district.removesuffix("区").removesuffix("回族")
            name = name_p.format(d=district, d2=d2)
            short = short_p.format(s=DISTRICT_SHORT[district])
            depts[code] = Dept(code, name, short, "district", district, f"{d6}000000")
    for code, name, short, district, region in TOWNSHIPS.values():
        depts[code] = Dept(code, name, short, "township", district, region)
    return depts


# ---------------------------------------------------------------------------
# Domains: what a group of items is about, who handles it, where
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    key: str
    city_dept: str  # suffix of the city department code
    district_suffix: str | None
    category: str
    life_events: tuple[str, ...]
    audience: str  # person | business
    weekend: str | None = None
    num: int = 0


_DOMAIN_ROWS: Final[
    tuple[tuple[str, str, str | None, str, tuple[str, ...], str, str | None], ...]
] = (
    ("shebao", "RSJ", "RSJ", "社保", ("就业",), "person", "医社保"),
    ("jiuye", "RSJ", "RSJ", "就业", ("就业",), "person", None),
    ("yibao", "YBJ", "YBJ", "医保", ("医疗",), "person", "医社保"),
    ("huji", "GAJ-HZ", "GA", "户籍", (), "person", None),
    ("crj", "GAJ-CRJ", None, "出入境", ("出行",), "person", "出入境"),
    ("cgs", "GAJ-CGS", None, "车驾管", ("出行",), "person", "车驾管"),
    ("zhian", "GAJ", None, "治安", ("经营",), "business", None),
    ("minzheng", "MZJ", "MZJ", "民政", (), "person", None),
    ("weijian", "WJW", "WJW", "卫生健康", ("医疗",), "business", None),
    ("scjg", "SJJ", "SJJ", "市场监管", ("创业",), "business", None),
    ("tax", "SWJ", None, "税务", ("经营",), "business", None),
    ("jiaotong", "JTJ", None, "交通运输", ("经营",), "business", None),
    ("fangguan", "FGJ", None, "住房保障", ("住房",), "person", None),
    ("chengjian", "CJJ", None, "城乡建设", ("经营",), "business", None),
    ("chengguan", "CGJ", None, "城市管理", ("经营",), "business", None),
    ("yuanlin", "YLJ", None, "园林绿化", (), "business", None),
    ("ziran", "ZRJ", None, "自然资源", (), "business", None),
    ("budongchan", "BDC", None, "不动产", ("住房",), "person", "不动产"),
    ("gjj", "GJJ", None, "公积金", ("住房",), "person", "公积金"),
    ("jiaoyu", "JYJ", "JYJ", "教育", ("教育",), "person", None),
    ("tiyu", "TYJ", None, "体育", (), "business", None),
    ("keji", "KJJ", None, "科技", ("创业",), "business", None),
    ("nongye", "NYJ", None, "农业农村", ("经营",), "business", None),
    ("sifa", "SFJ", None, "司法公证", (), "person", None),
    ("wenlv", "WGLJ", None, "文化旅游", ("经营",), "business", None),
    ("linye", "LYJ", None, "林业", (), "business", None),
    ("huanjing", "SHJ", None, "生态环境", (), "business", None),
    ("canlian", "CL", None, "残疾人", ("助残",), "person", None),
    ("shuili", "SLJ", None, "水利", (), "business", None),
    ("yingji", "YJJ", None, "应急管理", (), "business", None),
    ("renfang", "RFB", None, "人防", (), "business", None),
    ("yancao", "YC", None, "烟草专卖", ("经营",), "business", None),
    ("qixiang", "QXJ", None, "气象", (), "business", None),
    ("tuiyi", "TYJR", None, "退役军人", ("退役",), "person", None),
    ("caizheng", "CZJ", None, "财政", (), "business", None),
    ("dangan", "DAJ", None, "档案", (), "business", None),
    ("zongjiao", "MZZJ", None, "民族宗教", (), "business", None),
    ("fagai", "FGW", None, "发展改革", ("经营",), "business", None),
    ("shangwu", "SWU", None, "商务", ("经营",), "business", None),
    ("gongxin", "GXJ", None, "工业和信息化", ("经营",), "business", None),
    ("tongji", "TJJ", None, "统计", (), "business", None),
    ("ggzy", "GGZY", None, "公共资源交易", (), "business", None),
    ("xiaofang", "XF", None, "消防", ("经营",), "business", None),
    ("water", "GS", None, "水电气网", ("住房",), "person", None),
    ("power", "GD", None, "水电气网", ("住房",), "person", None),
    ("gas", "RQ", None, "水电气网", ("住房",), "person", None),
    ("cable", "YX", None, "水电气网", ("住房",), "person", None),
    ("broadband", "KD", None, "水电气网", ("住房",), "person", None),
)
DOMAINS: Final[dict[str, Domain]] = {
    row[0]: Domain(*row, num=i + 1) for i, row in enumerate(_DOMAIN_ROWS)
}

# 广安 short department names -> default domain
SOURCE_DEPT_DOMAIN: Final[dict[str, str]] = {
    "区人社局": "shebao",
    "区医疗保障局": "yibao",
    "区公安分局": "zhian",
    "区民政局": "minzheng",
    "区卫健局": "weijian",
    "区市监局": "scjg",
    "广安区税务局": "tax",
    "区交通运输局": "jiaotong",
    "区住建局": "chengjian",
    "区自然资源和规划局": "ziran",
    "区教科体局": "jiaoyu",
    "区农业农村局": "nongye",
    "区司法局": "sifa",
    "区文广旅局": "wenlv",
    "区林业局": "linye",
    "区生态环境局": "huanjing",
    "区残联": "canlian",
    "区水务局": "shuili",
    "区应急管理局": "yingji",
    "区政府办": "renfang",
    "区烟草专卖局": "yancao",
    "区气象局": "qixiang",
    "区退役军人事务局": "tuiyi",
    "区财政局": "caizheng",
    "区委办": "dangan",
    "区综合执法局": "chengguan",
    "区发改局": "fagai",
    "区公管办": "ggzy",
    "区商务局": "shangwu",
    "区委统战部": "zongjiao",
    "区经信局": "gongxin",
    "区消防大队": "xiaofang",
    "区统计局": "tongji",
    "区行政审批局": "scjg",
    "县民政局": "minzheng",
}

# Ordered keyword rules (first match wins) per source department; "*" applies to all.
Rule = tuple[str, str]
DOMAIN_RULES: Final[dict[str, tuple[Rule, ...]]] = {
    "*": (
        (r"^供水报装$", "water"),
        (r"^供气报装$", "gas"),
        (r"^供电报装$", "power"),
        (r"^抵押备案", "budongchan"),
    ),
    "区人社局": (
        (r"职业培训学校|劳务派遣|人力资源服务|工时|集体合同|裁员|职称|劳动人事争议", "jiuye"),
        (
            r"社会保险|社保|养老|工伤|失业保险|失业|参保|待遇|职业年金|退休|遗属|抚恤|丧葬|缴费"
            r"|个人账户|供养亲属|辅助器具|病残|伤残|伙食|转诊|权益记录|参保证明|社会保障卡"
            r"|旧伤|发放账户|缴费人员|参保单位|单位基本信息|企业信息变更|机关事业单位信息变更",
            "shebao",
        ),
        (r".", "jiuye"),
    ),
    "区公安分局": (
        (r"护照|出入境|港澳|台湾|外国人", "crj"),
        (r"户口|身份证|居住证|身份证明|亲属关系|死亡证明|户籍|犯罪记录|被拐|弃婴", "huji"),
        (r".", "zhian"),
    ),
    "区住建局": (
        (r"公租房|租赁住房|住房保障|维修资金|物业|房地产|商品房|已购公有|棚户区|危房", "fangguan"),
        (r"绿化|绿地|古树|树木", "yuanlin"),
        (r"燃气|供水|排水|污水|城市道路|桥梁|市政|环卫|停止供水", "chengguan"),
        (r".", "chengjian"),
    ),
    "区自然资源和规划局": (
        (r"抵押", "budongchan"),
        (r"森林|林木|林草|种子|草原|野生动物|古树|伐区", "linye"),
        (r".", "ziran"),
    ),
    "区教科体局": (
        (r"体育|运动员", "tiyu"),
        (r"科技", "keji"),
        (r".", "jiaoyu"),
    ),
    "区行政审批局": (
        (r"职业培训学校|劳务派遣|人力资源服务|工时", "jiuye"),
        (r"社会团体|民办非企业|慈善|墓地", "minzheng"),
        (r"宗教|民族成份", "zongjiao"),
        (
            r"医疗机构|医师|护士|乡村医生|母婴保健|放射|公共场所卫生|饮用水|中医诊所|职业病",
            "weijian",
        ),
        (
            r"拖拉机|联合收割机|农药|种子|菌种|种畜禽|兽药|动物|生鲜乳|蚕种|水产|渔业|农业野生植物"
            r"|野生植物|水生野生|养殖|农村机电|提灌",
            "nongye",
        ),
        (r"幼儿园|学校|教育|校车|办学|校（园）长", "jiaoyu"),
        (r"演出|娱乐场所|互联网上网|广播|电视|电影|出版物|文物|文旅|艺术", "wenlv"),
        (r"体育|健身气功|攀岩|潜水|滑雪|游泳", "tiyu"),
        (r"城市道路|户外广告|宣传品|环卫|垃圾|临时性建筑物|夜间建筑施工", "chengguan"),
        (r"公路|超限运输", "jiaotong"),
        (r"护路林", "linye"),
        (r"水利|河道|取水|洪水|大坝|水库|灌溉|水工程|设计变更|初步设计|可行性研究", "shuili"),
        (r"节能", "fagai"),
        (r"代理记账", "caizheng"),
        (r"烟花爆竹", "yingji"),
        (r"电力设施", "gongxin"),
        (r"毒性药品", "scjg"),
        (r".", "scjg"),
    ),
}


def classify_domain(source_dept: str | None, name: str) -> str:
    for pattern, domain in DOMAIN_RULES["*"]:
        if re.search(pattern, name):
            return domain
    for pattern, domain in DOMAIN_RULES.get(source_dept or "", ()):
        if re.search(pattern, name):
            return domain
    return SOURCE_DEPT_DOMAIN.get(source_dept or "", "scjg")


# ---------------------------------------------------------------------------
# Halls
# ---------------------------------------------------------------------------

WEEKDAY_SESSIONS: Final = [["09:00", "12:00"], ["13:00", "17:00"]]
WEEKDAY_SESSIONS_EARLY: Final = [["08:30", "12:00"], ["13:30", "17:30"]]
WEEKEND_SESSIONS: Final = [["09:00", "17:00"]]


def _hours(weekday: list[list[str]], weekend: bool) -> list[JSON]:
    hours: list[JSON] = [{"weekday": d, "sessions": weekday} for d in range(1, 6)]
    if weekend:
        hours += [{"weekday": d, "sessions": WEEKEND_SESSIONS} for d in (6, 7)]
    return hours


SPECIAL_HALLS: Final[dict[str, str]] = {
    # weekend category / category -> specialised hall
    "公积金": "hall-zz-gjj",
    "不动产": "hall-zz-bdc",
    "车驾管": "hall-zz-cgs",
    "出入境": "hall-zz-crj",
    "医社保": "hall-zz-ysb",
    "水电气网": "hall-zz-bdc",
}
TOWNSHIP_HALLS: Final = {
    "410105001-JD": "hall-zz-jinshui-jingbalu",
    "410103005-JD": "hall-zz-erqi-huaihelu",
    "410108100-Z": "hall-zz-huiji-guxing",
}


def build_halls(real_halls: list[JSON]) -> list[JSON]:
    city = next(h for h in real_halls if h["name"] == "郑州市政务服务办事大厅")
    halls: list[JSON] = [
        {
            "code": "hall-zz-city",
            "name": city["name"],
            "district": city["district"],
            "address": city["address"],
            "lat": 34.7497,
            "lng": 113.6242,
            "phone": city["phone"],
            "hours": _hours(WEEKDAY_SESSIONS, weekend=True),
            "weekend_categories": list(WEEKEND_CATEGORIES),
            "demo": False,
            "source": city["source"],
        }
    ]
    district_rows = (
        # district, address, lat, lng
        ("中原区", "中原区建设西路与秦岭路交叉口东北角", 34.7539, 113.6025),
        ("二七区", "二七区航海中路与大学路交叉口西南", 34.7246, 113.6398),
        ("管城回族区", "管城回族区城东南路与商城路交叉口", 34.7493, 113.6861),
        ("金水区", "金水区北三环与文化路交叉口西北", 34.7985, 113.6602),
        ("惠济区", "惠济区开元路与天河路交叉口", 34.8672, 113.6168),
        ("郑东新区", "郑东新区商务外环路与商务西三街交叉口", 34.7617, 113.7284),
    )
    for district, address, lat, lng in district_rows:
        slug = DISTRICTS[district][1]
        weekend = district in ("金水区", "郑东新区")
        halls.append(
            {
                "code": f"hall-zz-{slug}",
                "name": f"{district}政务服务中心",
                "district": district,
                "address": address,
                "lat": lat,
                "lng": lng,
                "phone": f"0371-6{digest('hall:' + slug) % 10**7:07d}",
                "hours": _hours(WEEKDAY_SESSIONS, weekend=weekend),
                "weekend_categories": ["医社保"] if weekend else [],
                "demo": True,
                "source": None,
            }
        )
    special_rows = (
        (
            "hall-zz-gjj",
            "郑州住房公积金管理中心服务大厅",
            "金水区",
            "金水区东风路与经三路交叉口向东200米",
            34.7862,
            113.6891,
            ["公积金"],
        ),
        (
            "hall-zz-bdc",
            "郑州市不动产登记中心服务大厅",
            "金水区",
            "金水区经三路与纬四路交叉口东南",
            34.7781,
            113.6806,
            ["不动产"],
        ),
        (
            "hall-zz-cgs",
            "郑州市公安局交通警察支队车辆管理所服务大厅",
            "惠济区",
            "惠济区江山路与北四环交叉口向北500米",
            34.8245,
            113.6315,
            ["车驾管"],
        ),
        (
            "hall-zz-crj",
            "郑州市公安局出入境管理支队服务大厅",
            "金水区",
            "金水区农业路与花园路交叉口东北",
            34.7810,
            113.6873,
            ["出入境"],
        ),
        (
            "hall-zz-ysb",
            "郑州市医疗保障和社会保险服务大厅",
            "二七区",
            "二七区嵩山南路与政通路交叉口西北",
            34.7349,
            113.6243,
            ["医社保"],
        ),
    )
    for code, name, district, address, lat, lng, cats in special_rows:
        halls.append(
            {
                "code": code,
                "name": name,
                "district": district,
                "address": address,
                "lat": lat,
                "lng": lng,
                "phone": f"0371-6{digest('hall:' + code) % 10**7:07d}",
                "hours": _hours(WEEKDAY_SESSIONS, weekend=True),
                "weekend_categories": cats,
                "demo": True,
                "source": None,
            }
        )
    township_rows = (
        (
            "hall-zz-jinshui-jingbalu",
            "金水区经八路街道党群服务中心",
            "金水区",
            "金水区经八路与纬五路交叉口西北",
            34.7744,
            113.6742,
        ),
        (
            "hall-zz-erqi-huaihelu",
            "二七区淮河路街道便民服务中心",
            "二七区",
            "二七区淮河路与大学路交叉口东南",
            34.7311,
            113.6459,
        ),
        (
            "hall-zz-huiji-guxing",
            "惠济区古荥镇便民服务中心",
            "惠济区",
            "惠济区古荥镇荥阳故城路与江山路交叉口",
            34.8902,
            113.5468,
        ),
    )
    for code, name, district, address, lat, lng in township_rows:
        halls.append(
            {
                "code": code,
                "name": name,
                "district": district,
                "address": address,
                "lat": lat,
                "lng": lng,
                "phone": f"0371-6{digest('hall:' + code) % 10**7:07d}",
                "hours": _hours(WEEKDAY_SESSIONS_EARLY, weekend=False),
                "weekend_categories": [],
                "demo": True,
                "source": None,
            }
        )
    return halls


# ---------------------------------------------------------------------------
# Materials
# ---------------------------------------------------------------------------


@dataclass
class Mat:
    name: str
    popularity: int
    source: str  # upload | licence | data_sharing | commitment
    licence_type: str | None = None
    fmt: str = "original"
    required: bool = True
    copies: int = 1
    note: str | None = None

    def to_json(self) -> JSON:
        return {
            "name": self.name,
            "required": self.required,
            "copies": self.copies,
            "format": self.fmt,
            "source": self.source,
            "licence_type": self.licence_type,
            "popularity": self.popularity,
            "note": self.note,
        }


LICENCE_NAMES: Final = {
    "身份证": "居民身份证",
    "户口簿": "居民户口簿",
    "结婚证": "结婚证",
    "不动产权证书": "不动产权证书",
    "社保卡": "社会保障卡",
    "出生医学证明": "出生医学证明",
    "营业执照": "营业执照",
    "驾驶证": "机动车驾驶证",
    "行驶证": "机动车行驶证",
    "残疾人证": "中华人民共和国残疾人证",
    "退役军人证": "退役军人证",
}


def lic(
    lt: str, pop: int, name: str | None = None, *, required: bool = True, note: str | None = None
) -> Mat:
    return Mat(name or LICENCE_NAMES[lt], pop, "licence", lt, "electronic", required, 1, note)


def up(
    name: str,
    pop: int,
    fmt: str = "original",
    *,
    required: bool = True,
    note: str | None = None,
    copies: int = 1,
) -> Mat:
    return Mat(name, pop, "upload", None, fmt, required, copies, note)


def share(name: str, pop: int, note: str | None = None) -> Mat:
    return Mat(name, pop, "data_sharing", None, "electronic", True, 1, note)


def pledge(name: str, pop: int, note: str | None = None) -> Mat:
    return Mat(name, pop, "commitment", None, "form", True, 1, note)


def agent_mat() -> Mat:
    return up("授权委托书及受托人居民身份证", 18, required=False, note="委托他人代办时提供")


FORM_NAMES: Final = {
    "licence": "行政许可申请书",
    "confirmation": "登记（确认）申请表",
    "payment": "待遇（补贴）申领表",
    "adjudication": "裁决申请书",
    "other": "备案（申报）表",
    "reward": "推荐（申报）表",
    "public_service": "业务申请表",
}

# Extra materials typical of a domain: (name, popularity, source, licence type or None, format)
MatRow = tuple[str, int, str, str | None, str]
DOMAIN_MATERIALS: Final[dict[str, tuple[MatRow, ...]]] = {
    "shebao": (
        ("社会保障卡", 72, "licence", "社保卡", "electronic"),
        ("社会保险个人权益记录", 55, "data_sharing", None, "electronic"),
        ("劳动合同或解除（终止）劳动关系证明", 42, "upload", None, "copy"),
        ("本人银行账户信息", 38, "upload", None, "copy"),
    ),
    "jiuye": (
        ("就业创业证（就业失业登记证）", 58, "data_sharing", None, "electronic"),
        ("劳动合同或用工证明", 45, "upload", None, "copy"),
        ("学历（学位）证书", 40, "upload", None, "copy"),
        ("单位经办人授权委托书", 30, "upload", None, "original"),
    ),
    "yibao": (
        ("社会保障卡或医保电子凭证", 78, "licence", "社保卡", "electronic"),
        ("医疗费用发票及费用明细清单", 52, "upload", None, "original"),
        ("病历资料（出院小结、诊断证明）", 46, "upload", None, "copy"),
        ("本人银行账户信息", 35, "upload", None, "copy"),
    ),
    "huji": (
        ("居民户口簿", 82, "licence", "户口簿", "electronic"),
        ("相关证明材料（如出生、婚姻、死亡证明）", 48, "upload", None, "original"),
        ("近期免冠彩色照片", 30, "upload", None, "original"),
    ),
    "minzheng": (
        ("居民户口簿", 74, "licence", "户口簿", "electronic"),
        ("家庭成员收入及财产状况", 50, "data_sharing", None, "electronic"),
        ("家庭经济状况核对授权书", 44, "upload", None, "form"),
        ("相关证明材料（如残疾人证、病历等）", 36, "upload", None, "copy"),
    ),
    "weijian": (
        ("执业（从业）人员资格证明", 55, "upload", None, "copy"),
        ("场所平面布局图及设备清单", 45, "upload", None, "original"),
        ("卫生管理制度", 38, "upload", None, "original"),
    ),
    "scjg": (
        ("公司章程或合伙协议", 60, "upload", None, "original"),
        ("住所（经营场所）使用证明", 66, "upload", None, "copy"),
        ("股东会决议或决定", 44, "upload", None, "original"),
    ),
    "tax": (
        ("经办人身份证件", 70, "licence", "身份证", "electronic"),
        ("相关涉税资料", 52, "upload", None, "copy"),
        ("税务事项通知书", 34, "data_sharing", None, "electronic"),
    ),
    "jiaotong": (
        ("机动车行驶证", 62, "licence", "行驶证", "electronic"),
        ("驾驶员从业资格证", 50, "upload", None, "copy"),
        ("安全生产管理制度文本", 40, "upload", None, "original"),
        ("车辆技术等级评定证明", 36, "upload", None, "copy"),
    ),
    "fangguan": (
        ("居民户口簿", 60, "licence", "户口簿", "electronic"),
        ("不动产权证书", 58, "licence", "不动产权证书", "electronic"),
        ("家庭住房状况证明", 46, "data_sharing", None, "electronic"),
        ("收入证明", 40, "upload", None, "original"),
    ),
    "budongchan": (
        ("不动产权证书", 85, "licence", "不动产权证书", "electronic"),
        ("结婚证", 50, "licence", "结婚证", "electronic"),
        ("登记原因证明文件（合同、协议等）", 62, "upload", None, "original"),
    ),
    "jiaoyu": (
        ("居民户口簿", 76, "licence", "户口簿", "electronic"),
        ("不动产权证书或租赁备案证明", 64, "licence", "不动产权证书", "electronic"),
        ("学籍信息", 40, "data_sharing", None, "electronic"),
    ),
    "canlian": (
        ("中华人民共和国残疾人证", 80, "licence", "残疾人证", "electronic"),
        ("居民户口簿", 60, "licence", "户口簿", "electronic"),
        ("医疗机构诊断证明", 40, "upload", None, "original"),
    ),
    "tuiyi": (
        ("退役军人证", 80, "licence", "退役军人证", "electronic"),
        ("退出现役证明书", 60, "upload", None, "original"),
        ("居民户口簿", 45, "licence", "户口簿", "electronic"),
    ),
    "nongye": (
        ("场所、设施设备清单及照片", 46, "upload", None, "original"),
        ("专业技术人员资格证明", 42, "upload", None, "copy"),
        ("质量安全管理制度", 34, "upload", None, "original"),
    ),
    "wenlv": (
        ("经营场所使用证明", 52, "upload", None, "copy"),
        ("从业人员资格证明", 40, "upload", None, "copy"),
        ("安全保障措施与应急预案", 36, "upload", None, "original"),
    ),
}
BUSINESS_MATERIALS: Final[tuple[MatRow, ...]] = (
    ("项目（技术）方案或说明", 50, "upload", None, "original"),
    ("场所使用证明", 46, "upload", None, "copy"),
    ("相关资质（资格）证明", 42, "upload", None, "copy"),
    ("安全（质量）管理制度", 32, "upload", None, "original"),
)
PERSON_MATERIALS: Final[tuple[MatRow, ...]] = (
    ("居民户口簿", 58, "licence", "户口簿", "electronic"),
    ("相关证明材料", 44, "upload", None, "original"),
    ("近期免冠彩色照片", 28, "upload", None, "original"),
)

QUERY_PATTERN: Final = re.compile(r"查询|咨询|指引|信息发布|公示|投诉处理|电话咨询|面对面")


def _row_to_mat(row: MatRow, rng: random.Random) -> Mat:
    name, pop, src, lt, fmt = row
    pop = max(1, min(100, pop + rng.randint(-4, 4)))
    if src == "licence":
        assert lt is not None
        return lic(lt, pop, name)
    if src == "data_sharing":
        return share(name, pop)
    if src == "commitment":
        return pledge(name, pop)
    return up(name, pop, fmt, copies=2 if fmt == "copy" and rng.random() < 0.15 else 1)


def make_zero(mats: list[Mat]) -> list[Mat]:
    """Rewrite so every required material comes from a licence, data sharing or a pledge."""
    out: list[Mat] = []
    for m in mats:
        if not m.required or m.source in ZERO_SOURCES:
            out.append(m)
        elif m.fmt == "form":
            out.append(pledge(f"{m.name}（在线填报，含告知承诺）", m.popularity))
        elif re.search(r"证明|记录|证书|执照|合同|决议|信息", m.name):
            out.append(share(m.name, m.popularity))
        else:
            out.append(pledge(f"{m.name}（告知承诺）", m.popularity))
    return out


def ensure_upload(mats: list[Mat], item_type: str) -> list[Mat]:
    """A non-零材料 item needs at least one required material the applicant must upload."""
    if any(m.required and m.source == "upload" for m in mats):
        return mats
    return [*mats, up(FORM_NAMES[item_type], 84, "form")]


def sort_materials(mats: list[Mat]) -> list[Mat]:
    seen: set[str] = set()
    unique: list[Mat] = []
    for m in mats:
        if m.name not in seen:
            seen.add(m.name)
            unique.append(m)
    return sorted(unique, key=lambda m: (-m.popularity, m.name))


def generate_materials(
    name: str, domain: Domain, audience: str, item_type: str, zero: bool, rng: random.Random
) -> list[Mat]:
    mats: list[Mat] = []
    business = audience == "business"
    if QUERY_PATTERN.search(name):
        mats.append(lic("营业执照", 70) if business else lic("身份证", 92, "申请人居民身份证"))
        return sort_materials(mats)
    if business:
        if re.search(r"设立|新办|筹设|筹建|首次|初领|新增|新设", name) and domain.key == "scjg":
            mats.append(lic("身份证", 92, "法定代表人（负责人）居民身份证"))
            mats.append(up("名称自主申报告知书", 64, "electronic"))
        else:
            mats.append(lic("营业执照", 90))
            mats.append(lic("身份证", 78, "法定代表人（负责人）居民身份证"))
    else:
        mats.append(lic("身份证", 95, "申请人居民身份证"))
    mats.append(up(FORM_NAMES[item_type], 86, "form"))
    pool = DOMAIN_MATERIALS.get(domain.key) or (
        BUSINESS_MATERIALS if business else PERSON_MATERIALS
    )
    picks = rng.sample(range(len(pool)), k=min(len(pool), 2 if rng.random() < 0.25 else 1))
    mats += [_row_to_mat(pool[i], rng) for i in sorted(picks)]
    if "变更" in name:
        mats.append(up("变更事项相关证明材料", 62, "copy"))
    if "注销" in name:
        mats.append(up("清算报告或注销决议" if business else "注销申请书", 60))
    if re.search(r"补办|补发|补领|遗失|挂失", name):
        mats.append(pledge("证件遗失声明（承诺书）", 58))
    if re.search(r"延续|换发|换证|到期|再注册|换领", name):
        mats.append(up("原证件（证书）", 66))
    if rng.random() < 0.3:
        mats.append(agent_mat())
    mats = make_zero(mats) if zero else ensure_upload(mats, item_type)
    return sort_materials(mats)


# ---------------------------------------------------------------------------
# Guide text: conditions, steps, FAQs
# ---------------------------------------------------------------------------


BUSINESS_PATTERN: Final = re.compile(
    r"企业|公司|单位|机构|经营|场所|许可|执业|资质|从业|招标|工程|项目|合作社|社会团体|民办|定点|协议管理"
    r"|纳税人|发票|涉税|出口|扣缴|化学品|爆炸|爆破|危险|药品|矿|施工|规划|采伐|捕捞|养殖|种子|兽药|农药"
    r"|广播|文物|宗教|演出|娱乐|上网服务|运输|客运|货运|出租汽车|码头|港口|水域|排污|排水|防雷|雷电"
)
PERSON_PATTERN: Final = re.compile(
    r"个人|居民|公民|老年|残疾|儿童|学生|出生|生育|死亡|婚姻|结婚|离婚|收养|户口|身份证|居住证|社会保障卡"
    r"|退休|失业|就业|养老|医保|医疗费|报销|就医|救助|补贴|津贴|优待|低保|特困|孤儿|抚恤|遗属|待遇|参保"
    r"|接种|体检|护照|通行证|驾驶证|公积金|入学|学籍|资助|过户|报装|犯罪记录|亲属关系"
)


def audience_for(name: str, domain: Domain) -> str:
    """Who applies: an item of a citizen domain can still be for employers, and vice versa."""
    text = name.replace("企业职工", "职工").replace("机关事业单位", "机关")
    if BUSINESS_PATTERN.search(text) and not re.search(r"个人|居民|公民", text):
        return "business"
    if PERSON_PATTERN.search(text):
        return "person"
    return domain.audience


def topic_of(name: str) -> str:
    topic = re.sub(r"[（(][^）)]*[）)]", "", name).strip("《》 ")
    return topic or name


def generate_conditions(name: str, domain: Domain, audience: str, item_type: str) -> str:
    topic = topic_of(name)
    topic = "本事项" if len(topic) > 24 else f"“{topic}”"
    if QUERY_PATTERN.search(name):
        return "有需求的公民、法人或其他组织均可申请。"
    if audience == "business":
        return {
            "licence": f"依法设立的单位，具备与{topic}相适应的场所、设施、人员和制度，"
            "无严重失信记录。",
            "other": f"依法应当办理{topic}的单位，在规定期限内报送。",
            "confirmation": f"符合{topic}法定条件，材料真实有效。",
            "adjudication": "当事人发生争议、协商不成且属本机关管辖的。",
            "reward": f"在{domain.category}工作中作出突出贡献的单位和个人。",
            "payment": f"符合{topic}政策条件的单位或个人。",
            "public_service": f"辖区内有{topic}需求的企业、组织或个人。",
        }[item_type]
    return {
        "licence": f"具有完全民事行为能力，符合{topic}法定条件。",
        "other": f"符合{topic}规定的本市居民。",
        "confirmation": f"本市户籍或持本市居住证，符合{topic}法定条件。",
        "adjudication": "当事人发生争议且属本机关管辖的。",
        "reward": f"符合{topic}评选条件的个人或集体。",
        "payment": f"符合{topic}政策条件的本市居民，经审核后享受。",
        "public_service": f"本市户籍或持本市居住证，符合{topic}相关规定。",
    }[item_type]


STEP_TEMPLATES: Final[dict[str, tuple[tuple[str, str, bool], ...]]] = {
    # (name, description, optional)
    "licence": (
        ("申请", "在线或到窗口提交材料。", False),
        ("受理", "{dept}当场决定是否受理，需补正的一次告知。", False),
        ("审查", "{dept}审查材料。", False),
        ("现场核查", "需要时核查经营场所。", True),
        ("决定", "{promise}作出许可决定。", False),
        ("送达", "发证，可邮寄或下载电子证照。", False),
    ),
    "public_service": (
        ("申请", "在线、自助终端或到窗口申请。", False),
        ("受理", "{dept}核验身份和材料。", False),
        ("办理", "{promise}办结。", False),
        ("反馈", "短信和「我的办件」通知结果。", True),
    ),
    "confirmation": (
        ("申请", "在线或到窗口提交申请。", False),
        ("受理", "{dept}核验身份和材料。", False),
        ("审核", "{dept}审核，必要时调查核实。", False),
        ("登记", "{promise}登记（确认）。", False),
        ("出具结果", "出具证明或电子证照。", True),
    ),
    "payment": (
        ("申请", "在线或到窗口申请。", False),
        ("受理", "{dept}核验身份和材料。", False),
        ("审核", "{dept}核定资格和标准。", False),
        ("公示", "需要时公示7天。", True),
        ("发放", "发放至社保卡或本人银行账户。", False),
    ),
    "adjudication": (
        ("申请", "向{dept}提交书面申请。", False),
        ("受理", "属于管辖范围的受理并通知对方。", False),
        ("调查", "调查取证，可先行调解。", False),
        ("裁决", "调解不成的依法裁决。", False),
        ("送达", "送达裁决书。", False),
    ),
    "other": (
        ("申报", "在线或到窗口提交材料。", False),
        ("受理", "{dept}核对材料。", False),
        ("审查", "{promise}完成审查。", False),
        ("办结", "出具备案（审查）结果。", False),
    ),
    "reward": (
        ("申报", "按通知申报或由单位推荐。", False),
        ("审核", "{dept}审核材料。", False),
        ("公示", "拟奖励名单向社会公示。", False),
        ("决定", "公示无异议的作出奖励决定。", False),
    ),
}
QUERY_STEPS: Final = (
    ("提出需求", "在线、拨打12345或到窗口提出。"),
    ("核验身份", "查询本人信息的需实名认证。"),
    ("答复", "{dept}即时答复或出具查询结果。"),
)


def days_text(days: int) -> str:
    return "当场" if days == 0 else f"{days}个工作日内"


def generate_steps(
    name: str, item_type: str, dept_short: str, promise: int, rng: random.Random
) -> list[JSON]:
    fill = {"dept": dept_short, "promise": days_text(promise)}
    if QUERY_PATTERN.search(name):
        return [{"name": n, "description": d.format(**fill)} for n, d in QUERY_STEPS]
    steps = []
    for step_name, desc, optional in STEP_TEMPLATES[item_type]:
        if optional and rng.random() < 0.5:
            continue
        steps.append({"name": step_name, "description": desc.format(**fill)})
    return steps


FAQ_GENERIC: Final = (
    (
        "可以委托他人代办吗？",
        "可以。代办人携带本人居民身份证和申请人签字的授权委托书办理；需要人脸识别的环节须申请人本人完成。",
    ),
    (
        "办理进度在哪里查？",
        "在本应用「我的办件」中查看，或凭办件编号和查询码查询；办结后会短信通知。",
    ),
    (
        "材料不全能先受理吗？",
        "主要材料齐全、次要材料欠缺的，可适用容缺受理：签署承诺书后先行受理，在约定时间内补齐。",
    ),
    (
        "对办理结果有异议怎么办？",
        "可在收到结果之日起60日内申请行政复议，或在6个月内提起行政诉讼；也可拨打12345反映。",
    ),
)
FAQ_BUSINESS: Final = (
    ("许可证到期前多久申请延续？", "一般应在有效期届满30日前提出延续申请，逾期需重新申请。"),
    (
        "可以全程网上办理吗？",
        "可以。通过河南政务服务网或本应用在线提交材料，结果可邮寄送达或下载电子证照。",
    ),
)
FAQ_DOMAIN: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "shebao": (
        (
            "社保卡丢了怎么办？",
            "先通过本应用或拨打12333办理临时挂失，再申请补领；补领期间可使用电子社保卡。",
        ),
        (
            "缴费年限在哪里查？",
            "在本应用「社保查询」中查看个人权益记录，可下载带电子印章的参保证明。",
        ),
    ),
    "yibao": (
        (
            "在外地住院怎么报销？",
            "办理异地就医备案后，在跨省联网定点医院可直接结算；未直接结算的，出院后凭票据申请手工报销。",
        ),
        (
            "医保电子凭证怎么用？",
            "在本应用或微信、支付宝激活医保电子凭证后，就医购药时出示二维码即可。",
        ),
    ),
    "huji": (
        (
            "户口业务可以跨省办吗？",
            "户口迁移、首次申领身份证等已纳入跨省通办，可在迁入地一站办理。",
        ),
    ),
    "minzheng": (
        ("申请后多久能领到补贴？", "审核通过并公示无异议的，次月起按月发放至本人社会保障卡。"),
    ),
    "scjg": (
        (
            "企业名称可以先查重吗？",
            "可以在河南省企业登记全程电子化服务平台进行名称自主申报和查重。",
        ),
    ),
    "tax": (
        ("新办纳税人可以线上领发票吗？", "可以，通过电子税务局申领，支持邮寄或到自助终端领取。"),
    ),
    "jiaoyu": (
        (
            "学区怎么查？",
            "学区划分以各区教育局当年公布的招生范围为准，可在本应用「入学服务」中查询。",
        ),
    ),
}


def generate_faqs(domain: Domain, audience: str, rng: random.Random, count: int) -> list[JSON]:
    pool = list(FAQ_DOMAIN.get(domain.key, ())) + list(FAQ_GENERIC)
    if audience == "business":
        pool += list(FAQ_BUSINESS)
    picks = rng.sample(pool, k=min(count, len(pool)))
    return [{"question": q, "answer": a} for q, a in picks]


# ---------------------------------------------------------------------------
# Hand-curated high-traffic citizen items
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Curated:
    """A high-traffic item the search must find.

    With ``real_id`` the real record is enriched (its name is kept and ``name`` becomes an
    alias); without it a demo item is invented.
    """

    name: str
    domain: str
    aliases: tuple[str, ...]
    plain_name: str
    item_type: str = "public_service"
    real_id: str | None = None
    real_name: str | None = None
    level: str = "city"
    district: str | None = None
    life_events: tuple[str, ...] = ()
    zero: bool = False
    face: bool = False
    cross: str = "none"
    fee: str | None = None
    legal: int = 20
    promise: int = 5
    visits: int = 1
    depth: int = 5
    channels: tuple[str, ...] = ("online", "mobile", "kiosk", "window")
    materials: tuple[Mat, ...] = ()
    conditions: str = ""
    steps: tuple[tuple[str, str], ...] = ()
    faqs: tuple[tuple[str, str], ...] = ()
    popularity: int = 88


ID: Final = "申请人居民身份证"
ONLINE: Final = ("online", "mobile", "kiosk", "window")

CURATED: Final[tuple[Curated, ...]] = (
    # ---- 公积金 -------------------------------------------------------------
    Curated(
        "住房公积金提取",
        "gjj",
        (
            "提公积金",
            "公积金提取",
            "取公积金",
            "提取公积金",
            "退休提取住房公积金",
            "租房提取公积金",
            "购房提取公积金",
        ),
        "提取公积金",
        zero=True,
        face=True,
        cross="nation",
        legal=3,
        promise=0,
        visits=0,
        depth=7,
        life_events=("住房", "退休"),
        materials=(
            lic("身份证", 96, ID),
            share(
                "提取原因证明（购房合同、不动产权证书、退休信息等）",
                80,
                "系统按提取原因自动核验不动产、婚姻、社保等共享数据",
            ),
            pledge("本人名下银行Ⅰ类账户信息", 70, "提取资金转入本人账户，在线填写并承诺真实"),
            pledge(
                "住房公积金提取申请表（在线填报，含告知承诺）", 66, "在本应用在线填写，勾选承诺即可"
            ),
            up(
                "房屋租赁合同及租金发票",
                22,
                "copy",
                required=False,
                note="租住商品住房且系统无法核验租赁备案信息时提供",
            ),
        ),
        conditions="缴存职工购买、建造、翻建、大修自住住房，偿还购房贷款本息，租房自住，离休、退休，"
        "完全丧失劳动能力并与单位终止劳动关系，户口迁出本市或出境定居等情形之一的，可申请提取。",
        steps=(
            ("在线申请", "登录本应用，完成人脸识别，选择提取原因并确认提取金额。"),
            ("自动核验", "系统通过数据共享核验购房、租房、退休等信息，无需上传材料。"),
            ("审批", "符合条件的即时审批；需人工复核的在3日内作出决定。"),
            ("资金到账", "提取资金转入本人银行账户，短信通知结果。"),
        ),
        faqs=(
            (
                "一年能提取几次？",
                "租房提取可按月或按年提取；购房提取同一套住房只能提取一次，具体以中心规定为准。",
            ),
            ("提取后还能申请公积金贷款吗？", "可以，但提取会减少账户余额，可能影响可贷额度。"),
            (
                "离职了能提取吗？",
                "与单位终止劳动关系且户口不在本市的，账户封存满半年后可申请提取。",
            ),
        ),
        popularity=99,
    ),
    Curated(
        "住房公积金缴存证明",
        "gjj",
        ("公积金缴存证明", "开公积金证明", "公积金证明", "公积金缴存使用证明"),
        "公积金证明",
        zero=True,
        face=True,
        cross="nation",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("住房",),
        materials=(lic("身份证", 96, ID),),
        conditions="在郑州住房公积金管理中心缴存住房公积金的职工。",
        faqs=(
            (
                "证明可以用于外地贷款吗？",
                "可以。本证明带电子印章，可在全国住房公积金小程序核验，用于异地贷款。",
            ),
        ),
        popularity=90,
    ),
    Curated(
        "住房公积金贷款",
        "gjj",
        ("公积金贷款", "公积金买房贷款", "申请公积金贷款", "公积金组合贷款"),
        "公积金贷款",
        item_type="public_service",
        cross="province",
        legal=15,
        promise=5,
        visits=1,
        depth=4,
        life_events=("住房",),
        materials=(
            lic("身份证", 95, "借款人及配偶居民身份证"),
            lic("结婚证", 70, note="已婚的提供，支持电子证照"),
            up("购房合同或不动产权证书", 88, "copy"),
            up("首付款证明", 62, "copy"),
            share("借款人个人征信报告", 55, "经本人授权后查询"),
            up("住房公积金贷款申请表", 84, "form"),
        ),
        conditions="连续足额缴存住房公积金满6个月，购买、建造、翻建、大修自住住房，具有稳定经济收入和偿还能力，"
        "且无尚未还清的住房公积金贷款。",
        faqs=(
            (
                "最高能贷多少？",
                "额度与账户余额、缴存年限、还款能力和房屋套数有关，以中心当年政策为准。",
            ),
            ("可以用公积金还商贷吗？", "可以申请提取公积金偿还商业住房贷款本息。"),
        ),
        popularity=93,
    ),
    Curated(
        "住房公积金个人账户封存",
        "gjj",
        ("公积金封存", "个人账户封存", "公积金账户封存"),
        "公积金封存",
        zero=True,
        legal=1,
        promise=0,
        visits=0,
        depth=6,
        life_events=("退休", "就业"),
        materials=(lic("身份证", 92, ID), share("与单位终止劳动关系或退休信息", 70)),
        conditions="缴存职工与单位终止劳动关系、离休或退休，由单位或本人申请封存个人账户。",
        popularity=80,
    ),
    Curated(
        "住房公积金异地转移接续",
        "gjj",
        ("公积金转移", "公积金异地转移", "公积金转入"),
        "转移公积金",
        zero=True,
        face=True,
        cross="nation",
        legal=15,
        promise=3,
        visits=0,
        depth=6,
        life_events=("就业", "住房"),
        materials=(lic("身份证", 95, ID), share("转出地住房公积金账户信息", 72)),
        conditions="在异地缴存住房公积金、现已在郑州缴存且本市账户为正常缴存状态的职工。",
        popularity=84,
    ),
    Curated(
        "住房公积金单位缴存登记",
        "gjj",
        ("公积金开户", "单位公积金开户", "住房公积金单位开户"),
        "单位公积金开户",
        cross="none",
        legal=5,
        promise=1,
        visits=0,
        depth=6,
        life_events=("创业",),
        materials=(
            lic("营业执照", 92),
            lic("身份证", 80, "经办人居民身份证"),
            up("住房公积金单位缴存登记表", 86, "form"),
        ),
        conditions="新设立的单位自设立之日起30日内办理住房公积金缴存登记。",
        popularity=70,
    ),
    Curated(
        "住房公积金个人账户设立",
        "gjj",
        ("公积金个人开户", "新员工公积金开户"),
        "个人公积金开户",
        legal=5,
        promise=1,
        visits=0,
        depth=6,
        life_events=("就业",),
        materials=(lic("营业执照", 90), up("职工个人账户设立清册", 84, "form")),
        conditions="单位录用职工之日起30日内为职工办理住房公积金个人账户设立手续。",
        popularity=66,
    ),
    # ---- 出生 / 户籍 ---------------------------------------------------------
    Curated(
        "出生登记",
        "huji",
        ("出生登记(户口)", "新生儿落户", "报户口", "新生儿上户口", "出生上户口", "新生儿入户"),
        "孩子上户口",
        item_type="confirmation",
        zero=True,
        cross="province",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("出生",),
        materials=(
            lic("出生医学证明", 94),
            lic("户口簿", 90, "入户方居民户口簿"),
            lic("身份证", 88, "父母双方居民身份证"),
            lic("结婚证", 72, "父母结婚证", note="婚内生育的提供，支持电子证照"),
        ),
        conditions="本市户籍居民的新生儿，随父或随母在本市办理出生登记。",
        faqs=(
            (
                "孩子出生多久要上户口？",
                "应在出生后一个月内申报出生登记，可通过新生儿出生一件事一次办理。",
            ),
            ("父母一方是外地户口可以落户郑州吗？", "可以随本市户籍的父或母一方申报出生登记。"),
        ),
        popularity=95,
    ),
    Curated(
        "《出生医学证明》首次签发",
        "weijian",
        ("出生证明", "办出生证", "出生医学证明"),
        "办出生证明",
        real_id="item-0359",
        real_name="《出生医学证明》首次签发",
        zero=True,
        legal=5,
        promise=1,
        visits=1,
        depth=5,
        life_events=("出生",),
        materials=(lic("身份证", 95, "新生儿父母居民身份证"), share("助产机构分娩记录", 80)),
        conditions="在本市具有助产技术服务资质的医疗机构内出生的新生儿。",
        popularity=92,
    ),
    Curated(
        "生育登记",
        "weijian",
        ("生育登记", "生育服务登记", "准生证", "一孩登记", "二孩登记", "三孩登记"),
        "生育登记",
        real_id="item-0011",
        real_name="生育登记办理",
        zero=True,
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("婚育", "出生"),
        materials=(
            lic("身份证", 95, "夫妻双方居民身份证"),
            lic("结婚证", 88),
            lic("户口簿", 60, note="支持电子证照，非本省户籍的以居住证信息核验"),
        ),
        popularity=91,
    ),
    Curated(
        "预防接种证办理",
        "weijian",
        ("疫苗本", "接种证", "办预防接种证"),
        "办接种证",
        real_id="item-0362",
        real_name="《预防接种证》办理",
        legal=1,
        promise=0,
        visits=1,
        life_events=("出生",),
        popularity=82,
    ),
    Curated(
        "科学育儿指导服务登记",
        "weijian",
        ("育儿指导", "科学育儿"),
        "育儿指导登记",
        legal=1,
        promise=0,
        visits=0,
        depth=6,
        zero=True,
        life_events=("出生",),
        materials=(lic("出生医学证明", 90), lic("身份证", 85, "监护人居民身份证")),
        conditions="在本市居住的0-3岁婴幼儿家庭。",
        popularity=60,
    ),
    Curated(
        "户口迁移",
        "huji",
        ("迁户口", "户口迁入", "落户", "户口迁移", "投靠落户"),
        "迁户口",
        real_id="item-0057",
        real_name="户口迁移审批",
        item_type="licence",
        cross="nation",
        legal=20,
        promise=5,
        visits=1,
        depth=5,
        life_events=("迁居", "住房"),
        popularity=88,
    ),
    Curated(
        "死亡登记",
        "huji",
        ("死亡登记", "死亡销户", "注销户口", "销户", "户口注销"),
        "注销户口",
        real_id="item-0089",
        real_name="户口注销",
        item_type="confirmation",
        zero=True,
        legal=1,
        promise=0,
        visits=1,
        depth=5,
        life_events=("身后",),
        materials=(
            lic("户口簿", 92, "死者居民户口簿"),
            share("居民死亡医学证明（推断）书", 88),
            lic("身份证", 70, "申报人居民身份证"),
        ),
        conditions="本市户籍居民死亡后，由其亲属、监护人或户主申报注销户口。",
        popularity=86,
    ),
    Curated(
        "居民身份证换领",
        "huji",
        ("换身份证", "身份证到期", "补办身份证", "身份证补领", "居民身份证换领"),
        "换身份证",
        real_id="item-0066",
        real_name="居民身份证办理（包括临时）",
        item_type="public_service",
        cross="nation",
        fee="首次申领、有效期满换领每证20元；丢失补领、损坏换领按规定标准收取；临时居民身份证每证10元",
        legal=60,
        promise=10,
        visits=1,
        depth=4,
        channels=("online", "mobile", "window"),
        materials=(
            lic("户口簿", 90),
            up("原居民身份证", 80, note="换领的交回原证"),
            share("数字相片", 70, "在窗口或指定照相点现场采集并上传"),
        ),
        conditions="本市户籍居民；在外省居住的可在居住地申请跨省异地办理。",
        popularity=94,
    ),
    Curated(
        "居住证办理",
        "huji",
        ("办居住证", "暂住证", "居住证申领"),
        "办居住证",
        real_id="item-0052",
        real_name="居住证办理",
        cross="none",
        legal=15,
        promise=7,
        visits=1,
        depth=5,
        life_events=("迁居", "就业"),
        popularity=85,
        conditions="在郑州居住半年以上，且有合法稳定就业、合法稳定住所或连续就读条件之一的非本市户籍人员。",
    ),
    Curated(
        "无犯罪记录证明",
        "huji",
        ("开无犯罪证明", "无犯罪证明", "良民证"),
        "无犯罪证明",
        real_id="item-0082",
        real_name="无犯罪记录证明",
        legal=7,
        promise=3,
        visits=0,
        depth=6,
        life_events=("就业",),
        popularity=80,
    ),
    # ---- 社保 / 医保 --------------------------------------------------------
    Curated(
        "社会保障卡申领",
        "shebao",
        ("办社保卡", "社保卡办理", "申领社保卡", "社保卡", "第三代社保卡"),
        "办社保卡",
        real_id="item-0584",
        real_name="社会保障卡申领",
        face=True,
        cross="nation",
        legal=20,
        promise=5,
        visits=0,
        depth=6,
        life_events=("就业", "出生"),
        materials=(
            lic("身份证", 95, ID),
            share("证件照片（从身份证照片库调取）", 60),
            up("近期免冠白底彩色照片", 40, "electronic", note="照片库无可用照片时上传"),
        ),
        faqs=(
            (
                "哪里可以当场拿卡？",
                "合作银行的即时制卡网点可当场制卡领卡，网点在本应用「社保卡」中查询。",
            ),
        ),
        popularity=94,
    ),
    Curated(
        "社会保障卡补换",
        "shebao",
        ("补办社保卡", "社保卡补办", "换社保卡", "社保卡丢了"),
        "补换社保卡",
        real_id="item-0542",
        real_name="社会保障卡补领、换领、换发",
        face=True,
        cross="nation",
        legal=20,
        promise=5,
        visits=0,
        depth=6,
        popularity=85,
    ),
    Curated(
        "退休审批",
        "shebao",
        ("办退休", "退休审批", "基本养老金申领", "退休手续", "领养老金", "退休申请"),
        "办退休",
        real_id="item-0614",
        real_name="企业职工基本养老保险正常退休申请",
        face=True,
        cross="province",
        legal=20,
        promise=10,
        visits=0,
        depth=6,
        life_events=("退休", "养老"),
        materials=(
            lic("身份证", 95, ID),
            share("社会保险缴费记录及视同缴费年限认定", 80),
            up("职工档案（出生时间、参加工作时间认定依据）", 72, note="由单位或档案保管机构报送"),
            up("基本养老金申领表", 80, "form"),
        ),
        conditions="达到法定退休年龄且累计缴费满15年（按规定逐步提高）的企业职工基本养老保险参保人员。",
        faqs=(
            ("退休手续谁来办？", "有单位的由单位经办；灵活就业人员可本人在本应用申请。"),
            ("养老金什么时候开始发？", "审批通过后从次月起按月发放至本人社会保障卡银行账户。"),
        ),
        popularity=93,
    ),
    Curated(
        "提前退休申请",
        "shebao",
        ("提前退休", "特殊工种退休", "病退"),
        "提前退休",
        real_id="item-0616",
        real_name="企业职工基本养老保险提前退休申请",
        legal=30,
        promise=15,
        life_events=("退休",),
        popularity=72,
    ),
    Curated(
        "失业保险金申领",
        "shebao",
        ("领失业金", "失业金", "失业保险金", "失业补助", "失业保险待遇"),
        "领失业金",
        real_id="item-0572",
        real_name="失业保险金申领",
        zero=True,
        face=True,
        cross="nation",
        legal=10,
        promise=3,
        visits=0,
        depth=7,
        life_events=("就业",),
        materials=(
            lic("身份证", 95, ID),
            share("失业登记及解除劳动关系信息", 82),
            lic("社保卡", 70, "社会保障卡（金融账户已激活）"),
        ),
        conditions="非因本人意愿中断就业、已办理失业登记并有求职要求，且失业前用人单位和本人已缴纳失业保险费满1年的人员。",
        popularity=90,
    ),
    Curated(
        "灵活就业参保",
        "shebao",
        ("灵活就业参保", "个人交社保", "自由职业交社保", "灵活就业社保"),
        "个人交社保",
        real_id="item-0571",
        real_name="灵活就业人员企业职工基本养老保险参保登记",
        zero=True,
        face=True,
        cross="province",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("就业",),
        materials=(lic("身份证", 95, ID), pledge("灵活就业情况承诺书", 70)),
        conditions="在本市从事灵活就业、年满16周岁未达到法定退休年龄的人员。",
        popularity=87,
    ),
    Curated(
        "养老保险转移",
        "shebao",
        ("养老保险转移", "社保转移", "转社保", "养老保险关系转移"),
        "转社保",
        real_id="item-0500",
        real_name="企业职工基本养老保险关系转移接续申请",
        face=True,
        cross="nation",
        legal=45,
        promise=30,
        visits=0,
        depth=6,
        life_events=("就业",),
        popularity=88,
    ),
    Curated(
        "丧葬补助金和抚恤金申领",
        "shebao",
        ("丧葬补助金", "抚恤金申领", "丧葬费", "死亡待遇", "抚恤金"),
        "领丧葬抚恤金",
        real_id="item-0556",
        real_name="遗属待遇申领",
        item_type="public_service",
        face=True,
        legal=20,
        promise=10,
        visits=1,
        depth=5,
        life_events=("身后",),
        materials=(
            lic("身份证", 92, "申领人居民身份证"),
            share("参保人员死亡信息", 86),
            up("申领人与死者关系证明", 70, "copy"),
            up("遗属待遇申领表", 82, "form"),
        ),
        popularity=82,
    ),
    Curated(
        "城乡居民医保参保登记",
        "yibao",
        ("城乡居民医保参保登记", "居民医保参保", "办医保", "新生儿医保", "居民医保"),
        "办居民医保",
        real_id="item-0784",
        real_name="城乡居民参保登记",
        zero=True,
        cross="province",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("出生", "医疗"),
        materials=(
            lic("身份证", 94, "参保人居民身份证（新生儿提供出生医学证明）"),
            lic("户口簿", 80),
            lic("出生医学证明", 60, note="新生儿参保时调取"),
        ),
        conditions="本市户籍或持有本市居住证、未参加职工基本医疗保险的城乡居民（含新生儿、在校学生）。",
        popularity=90,
    ),
    Curated(
        "异地就医备案",
        "yibao",
        ("异地就医登记备案", "医保异地备案", "外地看病备案", "跨省就医备案", "异地就医"),
        "异地就医备案",
        zero=True,
        face=True,
        cross="nation",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("医疗", "养老"),
        materials=(
            lic("社保卡", 92, "社会保障卡或医保电子凭证"),
            pledge("异地就医备案个人承诺书", 80),
        ),
        conditions="本市参保人员因异地长期居住、常驻异地工作、异地转诊或临时外出就医需在参保地以外就医的。",
        faqs=(
            ("备案后多久生效？", "线上备案即时生效，可在备案地跨省联网定点医疗机构直接结算。"),
            ("临时外出就医可以先看病后备案吗？", "可以在出院结算前补办备案。"),
        ),
        popularity=92,
    ),
    Curated(
        "医保报销",
        "yibao",
        ("医保报销", "住院报销", "报销医药费", "看病报销", "医疗费用报销"),
        "医保报销",
        real_id="item-0786",
        real_name="住院费用报销",
        cross="nation",
        legal=30,
        promise=20,
        visits=1,
        depth=4,
        life_events=("医疗",),
        popularity=89,
    ),
    Curated(
        "门诊报销",
        "yibao",
        ("门诊报销", "门诊费用报销"),
        "门诊报销",
        real_id="item-0765",
        real_name="门诊费用报销",
        cross="province",
        legal=30,
        promise=20,
        life_events=("医疗",),
        popularity=78,
    ),
    # ---- 出入境 / 车驾管 -----------------------------------------------------
    Curated(
        "普通护照签发",
        "crj",
        ("办护照", "护照办理", "申请护照", "护照"),
        "办护照",
        real_id="item-0061",
        real_name="普通护照签发",
        item_type="licence",
        cross="nation",
        fee="120元/本",
        legal=15,
        promise=7,
        visits=1,
        depth=4,
        life_events=("出行",),
        materials=(
            lic("身份证", 96, ID),
            share("出入境证件数字相片", 70, "窗口现场采集或在指定照相馆拍摄上传"),
            up("普通护照申请表", 80, "form"),
        ),
        conditions="中国公民因前往外国定居、探亲、学习、就业、旅行、从事商务活动等非公务原因出国的。",
        popularity=91,
    ),
    Curated(
        "往来港澳通行证签发",
        "crj",
        ("办港澳通行证", "港澳通行证", "去香港办证"),
        "办港澳通行证",
        item_type="licence",
        cross="nation",
        fee="60元/证",
        legal=15,
        promise=7,
        visits=1,
        depth=4,
        life_events=("出行",),
        materials=(
            lic("身份证", 96, ID),
            share("出入境证件数字相片", 70),
            up("往来港澳通行证申请表", 80, "form"),
        ),
        conditions="内地居民前往香港、澳门特别行政区旅游、探亲、商务、学习等。",
        popularity=86,
    ),
    Curated(
        "往来港澳通行证签注",
        "crj",
        ("港澳签注", "港澳通行证续签", "港澳再签注", "自助签注"),
        "港澳签注",
        item_type="licence",
        face=True,
        cross="nation",
        fee="一次有效签注15元/次",
        legal=15,
        promise=0,
        visits=1,
        depth=5,
        life_events=("出行",),
        materials=(
            lic("身份证", 95, ID),
            up("有效的往来港澳通行证", 92, note="自助签注机上放置证件"),
        ),
        conditions="持有效电子往来港澳通行证的内地居民，可在自助签注机或窗口办理再次签注。",
        popularity=87,
    ),
    Curated(
        "往来台湾通行证签注",
        "crj",
        ("台湾签注", "赴台签注", "台湾通行证续签"),
        "台湾签注",
        item_type="licence",
        cross="nation",
        fee="一次有效签注15元/次",
        legal=15,
        promise=0,
        visits=1,
        depth=5,
        life_events=("出行",),
        materials=(lic("身份证", 95, ID), up("有效的往来台湾通行证", 92)),
        popularity=70,
    ),
    Curated(
        "机动车驾驶证换证",
        "cgs",
        ("换驾照", "驾照到期换证", "驾驶证换证", "驾驶证期满换证", "驾照换证"),
        "换驾照",
        item_type="licence",
        zero=True,
        face=True,
        cross="nation",
        fee="工本费10元/证",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("出行",),
        materials=(
            lic("身份证", 95, ID),
            lic("驾驶证", 92),
            share("机动车驾驶人身体条件证明", 80, "在医疗机构体检后结果自动上传"),
            share("驾驶人数字照片", 60),
        ),
        conditions="机动车驾驶证有效期满前90日内或因其他原因需要换证的驾驶人。",
        faqs=(
            ("可以在外地换驾照吗？", "可以，机动车驾驶证换领已实现全国通办。"),
            ("新证怎么拿？", "选择邮寄的，新证免费邮寄到家。"),
        ),
        popularity=90,
    ),
    Curated(
        "机动车驾驶证补领",
        "cgs",
        ("补驾照", "驾照丢了", "驾驶证补证", "驾驶证遗失补办"),
        "补驾照",
        item_type="licence",
        zero=True,
        face=True,
        cross="nation",
        fee="工本费10元/证",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("出行",),
        materials=(
            lic("身份证", 95, ID),
            pledge("驾驶证遗失声明（承诺书）", 70),
            share("驾驶人数字照片", 60),
        ),
        popularity=80,
    ),
    Curated(
        "机动车检验合格标志核发",
        "cgs",
        ("年检", "车辆年检", "年审", "六年免检", "检验标志", "电子检验标志"),
        "车辆年检",
        item_type="licence",
        zero=True,
        cross="nation",
        fee="核发检验合格标志不收费；需上线检验的，检验费由检验机构按标准收取",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("出行",),
        materials=(
            lic("行驶证", 94),
            share("机动车交通事故责任强制保险信息", 86),
            share("车船税纳税或免税信息", 70),
        ),
        conditions="在检验有效期满前3个月内的机动车；6年以内非营运小微型客车免予上线检验，可网上申领检验标志。",
        popularity=92,
    ),
    Curated(
        "机动车注册登记",
        "cgs",
        ("新车上牌", "上牌", "新车登记", "机动车上户"),
        "新车上牌",
        item_type="licence",
        cross="none",
        fee="号牌工本费小型汽车100元/副，行驶证、登记证书工本费各10元/证",
        legal=2,
        promise=1,
        visits=1,
        depth=4,
        life_events=("出行",),
        materials=(
            lic("身份证", 95, "机动车所有人居民身份证"),
            up("机动车整车出厂合格证明", 86),
            up("购车发票", 82),
            share("车辆购置税完税信息", 70),
            share("机动车交通事故责任强制保险信息", 66),
        ),
        popularity=84,
    ),
    Curated(
        "机动车转移登记",
        "cgs",
        ("二手车过户", "车辆过户", "汽车过户"),
        "二手车过户",
        item_type="licence",
        cross="province",
        fee="行驶证工本费10元/证；需更换号牌的另收号牌工本费",
        legal=2,
        promise=1,
        visits=1,
        depth=4,
        life_events=("出行",),
        materials=(
            lic("身份证", 95, "现机动车所有人居民身份证"),
            lic("行驶证", 80),
            up("机动车登记证书", 86),
            up("二手车销售统一发票", 80),
        ),
        popularity=80,
    ),
    # ---- 不动产 / 水电气网 ---------------------------------------------------
    Curated(
        "不动产转移登记",
        "budongchan",
        ("过户", "房产过户", "二手房过户", "房屋过户", "不动产过户", "买卖过户"),
        "房产过户",
        item_type="confirmation",
        fee="住宅每件80元，非住宅每件550元；证书工本费第一本免收",
        legal=30,
        promise=3,
        visits=1,
        depth=5,
        life_events=("住房",),
        materials=(
            lic("身份证", 96, "买卖双方居民身份证"),
            lic("不动产权证书", 92),
            up("不动产买卖合同", 86),
            share("契税、增值税等完税信息", 80),
            lic("结婚证", 60, note="已婚的提供，支持电子证照"),
            up("不动产登记申请书", 84, "form"),
        ),
        conditions="因买卖、赠与、继承、交换等原因导致不动产权利转移的，当事人共同申请转移登记。",
        faqs=(
            (
                "过户要交哪些税费？",
                "一般包括契税、增值税及附加、个人所得税和登记费，具体以税务核定为准。",
            ),
            (
                "可以同时办水电气过户吗？",
                "可以，选择“二手房转移登记及水电气网联合过户一件事”一次申请。",
            ),
        ),
        popularity=93,
    ),
    Curated(
        "不动产权证书补换",
        "budongchan",
        ("房产证补办", "补办房产证", "房本丢了", "换房产证", "房产证换证"),
        "补换房产证",
        item_type="confirmation",
        zero=True,
        fee="证书工本费每本10元",
        legal=30,
        promise=10,
        visits=1,
        depth=5,
        life_events=("住房",),
        materials=(
            lic("身份证", 95, "权利人居民身份证"),
            pledge("不动产权证书遗失（灭失）声明", 80),
            share("不动产登记簿信息", 78),
        ),
        conditions="不动产权证书遗失、灭失或破损、污损需要补发、换发的权利人。",
        popularity=82,
    ),
    Curated(
        "不动产抵押权首次登记",
        "budongchan",
        ("抵押登记", "房产抵押", "贷款抵押登记"),
        "抵押登记",
        item_type="confirmation",
        fee="住宅每件80元，非住宅每件550元",
        legal=30,
        promise=1,
        visits=0,
        depth=6,
        life_events=("住房",),
        materials=(
            lic("身份证", 90, "抵押人居民身份证"),
            lic("不动产权证书", 90),
            up("抵押合同及主债权合同", 86),
        ),
        popularity=76,
    ),
    Curated(
        "供水过户",
        "water",
        ("水表过户", "自来水过户", "用水户名变更"),
        "水表过户",
        zero=True,
        legal=5,
        promise=1,
        visits=0,
        depth=6,
        life_events=("住房",),
        materials=(
            lic("身份证", 94, "新户主居民身份证"),
            lic("不动产权证书", 88, "新户主不动产权证书"),
            share("原户主水费结清信息", 70),
        ),
        conditions="房屋产权发生转移的新产权人。",
        popularity=78,
    ),
    Curated(
        "供电过户",
        "power",
        ("电表过户", "电力过户", "用电户名变更"),
        "电表过户",
        zero=True,
        legal=5,
        promise=1,
        visits=0,
        depth=6,
        life_events=("住房",),
        materials=(
            lic("身份证", 94, "新户主居民身份证"),
            lic("不动产权证书", 88, "新户主不动产权证书"),
            share("原户主电费结清信息", 70),
        ),
        conditions="房屋产权发生转移的新产权人。",
        popularity=77,
    ),
    Curated(
        "燃气过户",
        "gas",
        ("天然气过户", "燃气户名变更", "燃气更名"),
        "燃气过户",
        zero=True,
        legal=5,
        promise=1,
        visits=0,
        depth=6,
        life_events=("住房",),
        materials=(
            lic("身份证", 94, "新户主居民身份证"),
            lic("不动产权证书", 88, "新户主不动产权证书"),
            share("原户主燃气费结清信息", 70),
        ),
        conditions="房屋产权发生转移的新产权人；过户时需完成入户安全检查预约。",
        popularity=76,
    ),
    Curated(
        "有线电视过户",
        "cable",
        ("有线过户", "有线电视更名"),
        "有线电视过户",
        legal=5,
        promise=2,
        visits=0,
        depth=6,
        life_events=("住房",),
        materials=(
            lic("身份证", 94, "新户主居民身份证"),
            lic("不动产权证书", 88),
            up("原户主有线电视缴费凭证", 56, "copy"),
        ),
        popularity=55,
    ),
    Curated(
        "宽带过户",
        "broadband",
        ("宽带移机过户", "宽带更名", "网络过户"),
        "宽带过户",
        legal=5,
        promise=2,
        visits=0,
        depth=6,
        life_events=("住房",),
        materials=(lic("身份证", 94, "新户主居民身份证"), up("原宽带账号及户主授权", 60)),
        popularity=58,
    ),
    Curated(
        "有线电视报装",
        "cable",
        ("装有线电视", "有线电视开户"),
        "装有线电视",
        legal=10,
        promise=3,
        visits=0,
        depth=5,
        life_events=("住房",),
        materials=(lic("身份证", 94, ID), lic("不动产权证书", 80)),
        popularity=50,
    ),
    Curated(
        "宽带报装",
        "broadband",
        ("装宽带", "宽带开户", "宽带安装"),
        "装宽带",
        legal=10,
        promise=3,
        visits=0,
        depth=5,
        life_events=("住房",),
        materials=(lic("身份证", 94, ID), up("装机地址证明", 60, "copy")),
        popularity=62,
    ),
    Curated(
        "供水报装",
        "water",
        ("装水表", "用水报装", "自来水开户"),
        "装水表",
        real_id="item-0430",
        real_name="供水报装",
        legal=15,
        promise=5,
        visits=0,
        depth=5,
        life_events=("住房", "创业"),
        popularity=64,
    ),
    Curated(
        "供气报装",
        "gas",
        ("开通燃气", "燃气报装", "天然气开户"),
        "开通燃气",
        real_id="item-0417",
        real_name="供气报装",
        legal=15,
        promise=5,
        visits=0,
        depth=5,
        life_events=("住房", "创业"),
        popularity=66,
    ),
    Curated(
        "供电报装",
        "power",
        ("用电报装", "装电表", "新装用电"),
        "装电表",
        real_id="item-0469",
        real_name="供电报装",
        legal=15,
        promise=5,
        visits=0,
        depth=5,
        life_events=("住房", "创业"),
        popularity=64,
    ),
    Curated(
        "公租房申请",
        "fangguan",
        ("公租房申请", "申请公租房", "廉租房", "保障房", "公共租赁住房"),
        "申请公租房",
        real_id="item-0440",
        real_name="公共租赁住房申请资格审核认定",
        legal=60,
        promise=30,
        visits=1,
        depth=4,
        life_events=("住房",),
        popularity=83,
    ),
    # ---- 婚姻 / 民政 / 残联 ---------------------------------------------------
    Curated(
        "结婚登记",
        "minzheng",
        ("结婚登记", "领结婚证", "结婚证", "登记结婚", "婚姻登记"),
        "结婚登记",
        real_id="item-0483",
        real_name="中国内地公民婚姻登记",
        item_type="confirmation",
        cross="nation",
        legal=1,
        promise=0,
        visits=1,
        depth=4,
        channels=("online", "mobile", "window"),
        life_events=("婚育",),
        materials=(
            lic("身份证", 96, "男女双方居民身份证"),
            lic("户口簿", 86, "男女双方居民户口簿"),
            up("本人近期半身免冠合影照片（2张）", 70, copies=2),
            pledge("申请结婚登记声明书", 75, "在婚姻登记员面前签署"),
        ),
        conditions="男年满22周岁、女年满20周岁，双方自愿，均无配偶，且无禁止结婚的亲属关系。",
        faqs=(
            ("需要预约吗？", "建议通过本应用预约，预约后按时段到场，当场领证。"),
            (
                "可以在对方户口所在地以外登记吗？",
                "婚姻登记已推行跨省通办，一方在本市有居住证的也可在本市办理。",
            ),
        ),
        popularity=92,
    ),
    Curated(
        "低保申请",
        "minzheng",
        ("低保申请", "申请低保", "吃低保", "最低生活保障金"),
        "申请低保",
        real_id="item-0489",
        real_name="最低生活保障",
        legal=30,
        promise=20,
        visits=1,
        depth=4,
        life_events=("救助",),
        popularity=80,
    ),
    Curated(
        "老年人优待证",
        "minzheng",
        ("老年人优待证", "老年证", "敬老卡", "老年卡办理"),
        "办老年证",
        real_id="item-0019",
        real_name="老年人优待证核发",
        zero=True,
        cross="province",
        legal=5,
        promise=1,
        visits=0,
        depth=7,
        life_events=("养老",),
        materials=(
            lic("身份证", 96, ID),
            share("户籍或居住证信息", 75),
            share("证件照片（从身份证照片库调取）", 60),
        ),
        conditions="年满60周岁的本市户籍老年人和在本市居住的非本市户籍老年人。",
        popularity=88,
    ),
    Curated(
        "高龄津贴申领",
        "minzheng",
        ("高龄津贴", "高龄补贴", "老人补贴", "长寿补贴", "高龄津贴申领"),
        "领高龄津贴",
        real_id="item-0023",
        real_name="高龄老人津(补)贴申领",
        zero=True,
        face=True,
        legal=20,
        promise=10,
        visits=0,
        depth=7,
        life_events=("养老",),
        materials=(
            lic("身份证", 96, "老年人居民身份证"),
            lic("社保卡", 80, "老年人社会保障卡（用于发放）"),
            share("户籍信息", 70),
        ),
        conditions="具有本市户籍、年满80周岁的老年人。",
        popularity=86,
    ),
    Curated(
        "残疾人证办理",
        "canlian",
        ("残疾人证办理", "办残疾证", "残疾证", "残疾人证申领"),
        "办残疾证",
        real_id="item-0020",
        real_name="残疾人证核发(首次申领)",
        item_type="confirmation",
        cross="nation",
        legal=20,
        promise=15,
        visits=1,
        depth=5,
        life_events=("助残",),
        materials=(
            lic("身份证", 95, ID),
            lic("户口簿", 80),
            up("近期免冠彩色照片", 50),
            up("残疾评定表（由指定医疗机构评定）", 84, "form"),
        ),
        conditions="符合残疾标准的本市户籍居民或持本市居住证的人员。",
        popularity=84,
    ),
    Curated(
        "惠民殡葬补贴申领",
        "minzheng",
        ("殡葬补贴", "丧葬费减免", "基本殡葬服务减免"),
        "殡葬补贴",
        legal=10,
        promise=5,
        visits=0,
        depth=6,
        zero=True,
        life_events=("身后",),
        materials=(
            lic("身份证", 92, "经办人居民身份证"),
            share("火化证明", 86),
            share("死者户籍信息", 70),
        ),
        conditions="本市户籍居民去世后在本市殡仪馆火化的，减免基本殡葬服务费用。",
        popularity=66,
    ),
    Curated(
        "居民死亡医学证明（推断）书签发",
        "weijian",
        ("死亡证明", "开死亡证明", "死亡医学证明"),
        "开死亡证明",
        item_type="public_service",
        legal=1,
        promise=0,
        visits=1,
        depth=3,
        channels=("window",),
        life_events=("身后",),
        materials=(
            lic("身份证", 92, "死者居民身份证"),
            lic("身份证", 85, "申报人居民身份证"),
            up("医疗机构诊疗记录或死亡调查记录", 80),
        ),
        conditions="在医疗机构内死亡的由医疗机构签发；在家中等非医疗机构死亡的，由社区卫生服务机构或乡镇卫生院调查后签发。",
        popularity=74,
    ),
    Curated(
        "退役报到",
        "tuiyi",
        ("退役军人报到", "退伍报到", "退役军人登记"),
        "退役报到",
        real_id="item-0753",
        real_name="退役报到",
        legal=1,
        promise=0,
        visits=1,
        life_events=("退役",),
        popularity=62,
    ),
    Curated(
        "退役军人优待证申领",
        "tuiyi",
        ("优待证", "退役军人优待证", "军人优待证"),
        "办优待证",
        legal=30,
        promise=20,
        visits=0,
        depth=6,
        life_events=("退役",),
        materials=(
            lic("身份证", 95, ID),
            lic("退役军人证", 90),
            up("近期免冠彩色照片", 50, "electronic"),
        ),
        popularity=70,
    ),
    # ---- 教育 ----------------------------------------------------------------
    Curated(
        "义务教育入学报名",
        "jiaoyu",
        ("小学报名", "入学报名", "上学报名", "初中报名", "小升初", "幼升小"),
        "入学报名",
        real_id="item-0044",
        real_name="学前教育、义务教育阶段入学办理",
        legal=30,
        promise=20,
        visits=0,
        depth=5,
        life_events=("教育",),
        materials=(
            lic("户口簿", 94, "适龄儿童及父母居民户口簿"),
            lic("不动产权证书", 88, "房产证明或租赁备案证明"),
            lic("出生医学证明", 60),
            pledge("入学信息真实性承诺书", 50),
        ),
        popularity=89,
    ),
    # ---- 市场主体 / 税务 -------------------------------------------------------
    Curated(
        "营业执照设立登记",
        "scjg",
        ("办营业执照", "营业执照设立登记", "开公司", "注册公司", "企业设立登记", "公司注册"),
        "办营业执照",
        real_id="item-0920",
        real_name="公司设立登记",
        item_type="licence",
        cross="region",
        legal=3,
        promise=1,
        visits=0,
        depth=7,
        life_events=("创业",),
        materials=(
            lic("身份证", 95, "法定代表人、股东居民身份证"),
            up("公司章程", 86, "electronic"),
            up("住所（经营场所）使用证明", 80, "electronic"),
            up("公司登记（备案）申请书", 84, "form"),
        ),
        conditions="依法设立有限责任公司或股份有限公司，名称、住所、经营范围等符合《市场主体登记管理条例》规定。",
        faqs=(
            (
                "开公司要多久？",
                "材料齐全的1个工作日内办结，营业执照、公章、发票和社保登记可一次办好。",
            ),
            ("需要到现场吗？", "全程网办，电子营业执照可在手机上领取，纸质执照可免费邮寄。"),
        ),
        popularity=90,
    ),
    Curated(
        "个体工商户登记",
        "scjg",
        ("个体户营业执照", "办个体执照", "个体工商户登记", "开个体户", "个体户注册"),
        "个体户执照",
        real_id="item-0952",
        real_name="个体工商户设立登记",
        item_type="licence",
        cross="region",
        legal=3,
        promise=1,
        visits=0,
        depth=7,
        life_events=("创业",),
        popularity=87,
    ),
    Curated(
        "食品经营许可",
        "scjg",
        ("食品经营许可", "食品经营许可证", "办食品许可证", "餐饮许可证"),
        "食品经营许可",
        real_id="item-1046",
        real_name="食品(含保健食品)经营许可核发",
        item_type="licence",
        legal=10,
        promise=5,
        visits=1,
        depth=5,
        life_events=("创业",),
        popularity=84,
    ),
    Curated(
        "企业注销",
        "scjg",
        ("注销公司", "企业注销", "简易注销", "公司注销"),
        "注销公司",
        real_id="item-0916",
        real_name="公司注销登记",
        item_type="licence",
        legal=3,
        promise=1,
        visits=0,
        depth=6,
        life_events=("创业",),
        popularity=76,
    ),
    Curated(
        "移出经营异常名录申请",
        "scjg",
        ("移出经营异常名录", "经营异常移出", "企业信用修复"),
        "移出异常名录",
        legal=5,
        promise=3,
        visits=0,
        depth=6,
        life_events=("经营",),
        materials=(
            lic("营业执照", 92),
            up("移出经营异常名录申请书", 84, "form"),
            up("补报年报或住所变更证明", 70),
        ),
        popularity=60,
    ),
    Curated(
        "行政处罚信息信用修复",
        "fagai",
        ("信用修复", "失信修复", "行政处罚信用修复"),
        "信用修复",
        legal=5,
        promise=3,
        visits=0,
        depth=6,
        life_events=("经营",),
        materials=(
            lic("营业执照", 92),
            up("信用修复申请书", 86, "form"),
            up("已履行行政处罚决定的证明", 80),
            pledge("信用修复承诺书", 78),
        ),
        conditions="行政处罚信息最短公示期满，已履行行政处罚决定规定的义务，并主动纠正失信行为的经营主体。",
        popularity=62,
    ),
    Curated(
        "公章刻制",
        "zhian",
        ("刻章", "刻公章", "印章刻制", "公章备案"),
        "刻公章",
        zero=True,
        fee="新开办企业首套印章免费刻制",
        legal=1,
        promise=1,
        visits=0,
        depth=6,
        life_events=("创业",),
        materials=(
            lic("营业执照", 94),
            lic("身份证", 86, "法定代表人居民身份证"),
            pledge("印章刻制委托及承诺书（在线签署）", 70),
        ),
        conditions="依法登记的企业、个体工商户、社会组织等需要刻制公章的单位。",
        popularity=80,
    ),
    Curated(
        "税务登记",
        "tax",
        ("税务登记", "新办纳税人", "税务信息确认", "办税务登记"),
        "税务登记",
        real_id="item-0679",
        real_name="一照一码户信息确认（县级行使）",
        zero=True,
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("创业",),
        materials=(
            lic("营业执照", 95),
            share("市场主体登记信息", 86),
            pledge("财务会计制度等信息补充确认", 60),
        ),
        popularity=80,
    ),
    Curated(
        "发票申领",
        "tax",
        ("发票申领", "领发票", "申领发票", "发票领用", "数电发票"),
        "领发票",
        real_id="item-0699",
        real_name="发票领用(县级行使）",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("创业", "经营"),
        popularity=82,
    ),
    Curated(
        "失业登记",
        "jiuye",
        ("失业登记", "登记失业"),
        "失业登记",
        real_id="item-0504",
        real_name="失业登记",
        zero=True,
        cross="nation",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("就业",),
        materials=(lic("身份证", 95, ID), share("解除或终止劳动关系信息", 80)),
        popularity=78,
    ),
    Curated(
        "就业登记",
        "jiuye",
        ("就业登记", "就业备案"),
        "就业登记",
        real_id="item-0505",
        real_name="就业登记",
        cross="nation",
        legal=1,
        promise=0,
        visits=0,
        depth=6,
        life_events=("就业",),
        popularity=72,
    ),
    Curated(
        "创业担保贷款申请",
        "jiuye",
        ("创业贷款", "创业担保贷款", "贴息贷款"),
        "创业贷款",
        real_id="item-0526",
        real_name="创业担保贷款申请",
        legal=20,
        promise=15,
        visits=1,
        life_events=("创业", "就业"),
        popularity=70,
    ),
    Curated(
        "养老保险待遇资格认证",
        "shebao",
        ("养老金认证", "资格认证", "刷脸认证", "待遇认证", "生存认证"),
        "养老金认证",
        real_id="item-0501",
        real_name="养老保险定期待遇领取资格认证",
        zero=True,
        face=True,
        cross="nation",
        legal=1,
        promise=0,
        visits=0,
        depth=7,
        life_events=("养老", "退休"),
        materials=(lic("身份证", 96, "待遇领取人居民身份证"),),
        popularity=88,
    ),
)


# ---------------------------------------------------------------------------
# Placement of the real records in the city
# ---------------------------------------------------------------------------

# Detailed and name-only records from other places: id -> (domain, type, level, where).
# ``where`` is a township key, a district name, or None for the city.
DETAIL_PLACEMENT: Final[dict[str, tuple[str, str, str, str | None]]] = {
    "item-0001": ("shebao", "public_service", "township", "huaihelu"),
    "item-0002": ("shebao", "public_service", "township", "huaihelu"),
    "item-0003": ("shebao", "public_service", "township", "huaihelu"),
    "item-0004": ("shebao", "public_service", "township", "huaihelu"),
    "item-0005": ("minzheng", "payment", "township", "guxing"),
    "item-0006": ("minzheng", "payment", "township", "guxing"),
    "item-0007": ("minzheng", "payment", "township", "guxing"),
    "item-0008": ("minzheng", "public_service", "township", "guxing"),
    "item-0009": ("tuiyi", "payment", "township", "guxing"),
    "item-0010": ("shebao", "public_service", "township", "guxing"),
    "item-0011": ("weijian", "public_service", "city", None),
    "item-0012": ("shebao", "public_service", "township", "jingbalu"),
    "item-0013": ("shebao", "public_service", "district", "金水区"),
    "item-0014": ("linye", "licence", "city", None),
    "item-0015": ("scjg", "licence", "city", None),
    "item-0016": ("jiaoyu", "licence", "city", None),
    "item-0017": ("weijian", "licence", "city", None),
    "item-0018": ("scjg", "licence", "city", None),
    "item-0019": ("minzheng", "public_service", "city", None),
    "item-0020": ("canlian", "confirmation", "city", None),
    "item-0021": ("shebao", "payment", "city", None),
    "item-0022": ("minzheng", "confirmation", "city", None),
    "item-0023": ("minzheng", "payment", "city", None),
}
# Catalogue records whose level is fixed so duplicates of other records land elsewhere.
FORCED_LEVEL: Final[dict[str, tuple[str, str | None]]] = {
    "item-0034": ("district", "二七区"),  # 教师资格认定 (the 柳州 record is city level)
    "item-0480": ("district", "管城回族区"),  # 80周岁以上老年人高龄津贴发放
    "item-0634": ("city", None),  # 城乡居民基本养老保险参保登记
    "item-0543": ("city", None),  # 社会保障卡注销 (a township record has the same name)
}
DISTRICT_SHARE: Final = {
    "public_service": 0.55,
    "payment": 0.5,
    "confirmation": 0.45,
    "licence": 0.3,
    "other": 0.3,
    "adjudication": 0.0,
    "reward": 0.0,
}

TEXT_ADAPT: Final = (
    ("湖北省", "河南省"),
    ("安徽省", "河南省"),
    ("县民政局", "区民政局"),
    ("县社保局", "区社保局"),
    ("乡镇社保所", "乡镇（街道）社保所"),
    ("填写6070)周岁老年人优待证", "填写老年人优待证"),
)


def adapt_text(text: str) -> str:
    for old, new in TEXT_ADAPT:
        text = text.replace(old, new)
    return text


def licence_type_for(name: str) -> str | None:
    if "相关" in name:
        return None
    for pattern, lt in (
        (r"身份证", "身份证"),
        (r"^户口(簿|本)", "户口簿"),
        (r"^社会保障卡", "社保卡"),
        (r"^残疾人?证", "残疾人证"),
        (r"^结婚证", "结婚证"),
    ):
        if re.search(pattern, name):
            return lt
    return None


def real_materials(rec: JSON) -> list[Mat]:
    mats: list[Mat] = []
    for i, m in enumerate(rec["materials"] or []):
        name = adapt_text(m["name"])
        copies_raw = m.get("copies")
        copies_text = copies_raw if isinstance(copies_raw, str) else ""
        copies = copies_raw if isinstance(copies_raw, int) else 1
        notes = [n for n in (m.get("check"), m.get("note")) if n]
        if name != m["name"]:
            notes.append(f"原文为{m['name']}")
        if copies_text:
            notes.append(f"原文份数：{copies_text}")
        lt = licence_type_for(name)
        pop = max(20, 92 - i * 9)
        required = True if m.get("required") is None else bool(m["required"])
        if lt is not None:
            notes.append("本市可调取电子证照")
            mats.append(
                Mat(name, pop, "licence", lt, "electronic", required, copies, "；".join(notes))
            )
            continue
        text = name + copies_text
        fmt = (
            "form"
            if re.search(r"表|申请书?$", name)
            else "copy"
            if "复印件" in text and "原件" not in text
            else "original"
        )
        mats.append(Mat(name, pop, "upload", None, fmt, required, copies, "；".join(notes) or None))
    return mats


REAL_STEP_TITLES: Final = ("申请", "受理审核", "办理", "办结", "送达", "反馈")


def real_steps(flow: str) -> list[tuple[str, str]]:
    """Split a source's 办理流程 text (①②… or 1、2、…) into titled steps."""
    parts = [p.strip(" ;；。") for p in re.split(r"[①②③④⑤⑥]|(?:^|;|；)\s*\d、", adapt_text(flow))]
    texts = [p for p in parts if p][: len(REAL_STEP_TITLES)]
    return [(title, text + "。") for title, text in zip(REAL_STEP_TITLES, texts, strict=False)]


# ---------------------------------------------------------------------------
# Plain names, aliases, life events, cross-region scope
# ---------------------------------------------------------------------------

SHORTEN: Final = (
    ("中华人民共和国", ""),
    ("企业职工基本养老保险", "职工养老"),
    ("城乡居民基本养老保险", "居民养老"),
    ("城乡居民养老保险", "居民养老"),
    ("城乡居民基本医疗保险", "居民医保"),
    ("基本医疗保险", "医保"),
    ("机关事业单位", "机关单位"),
    ("社会保障卡", "社保卡"),
    ("住房公积金", "公积金"),
    ("社会保险", "社保"),
    ("机动车驾驶证", "驾驶证"),
    ("最低生活保障", "低保"),
    ("道路运输证", "运输证"),
    ("网络预约出租汽车", "网约车"),
    ("巡游出租汽车", "出租车"),
    ("拖拉机/联合收割机", "农机"),
    ("拖拉机联合收割机", "农机"),
    ("拖拉机\\联合收割机", "农机"),
    ("货物运输车辆", "货车"),
    ("客运车辆", "客车"),
    ("道路旅客运输", "客运"),
    ("道路货物运输", "货运"),
    ("经营许可证", "许可证"),
    ("许可证", "证"),
    ("申请办理", "办理"),
)
VARIANT_PATTERN: Final = re.compile(
    r"^(新增|新办|初领|变更|信息变更|注销|补办|补发|换发|延续|延期|转入|转出|过户|配发|终止|终止运营|挂失)$"
)
FILLER: Final = (
    "县级",
    "市级",
    "信息",
    "政策",
    "法治",
    "活动",
    "相关",
    "情况",
    "有关",
    "服务",
    "项目",
    "建设",
    "工作",
    "人员",
    "单位",
    "及",
    "的",
    "等",
    "事项",
)
ACTIONS: Final = (
    ("遗失补办", "补办"),
    ("补办", "补办"),
    ("补发", "补办"),
    ("补领", "补领"),
    ("换发", "换证"),
    ("换证", "换证"),
    ("延续", "延续"),
    ("变更", "变更"),
    ("注销", "注销"),
    ("备案", "备案"),
    ("认定", "认定"),
    ("认证", "认证"),
    ("登记", "登记"),
    ("许可", "许可"),
    ("审批", "审批"),
    ("核发", "办证"),
    ("申领", "申领"),
    ("补贴", "补贴"),
    ("查询", "查询"),
    ("咨询", "咨询"),
    ("投诉", "投诉"),
    ("证明", "证明"),
    ("报告", "报告"),
    ("发放", "发放"),
    ("裁决", "裁决"),
    ("奖励", "奖励"),
    ("审查", "审查"),
    ("验收", "验收"),
    ("审核", "审核"),
    ("鉴定", "鉴定"),
    ("转移", "转移"),
    ("结算", "结算"),
    ("支付", "支付"),
    ("申报", "申报"),
    ("申请", "申请"),
)


def shorten(text: str) -> str:
    for old, new in SHORTEN:
        text = text.replace(old, new)
    return text


def plain_name_for(name: str, category: str) -> tuple[str, bool]:
    """A title of at most 10 characters; the flag says whether it still reads like the name."""
    variants = [v for v in re.findall(r"[（(]([^）)]*)[）)]", name) if VARIANT_PATTERN.match(v)]
    text = re.sub(r"[（(][^）)]*[）)]?", "", name)
    if variants:
        text = re.sub(r"办理$", "", text) + variants[0]
    for ch in "《》“”":
        text = text.replace(ch, "")
    text = re.sub(r"^(对|关于)", "", shorten(text)).strip("、，, ")
    if len(text) > 10:
        text = re.sub(r"(申请|办理)$", "", text)
    for filler in FILLER:
        if len(text) <= 10:
            break
        text = text.replace(filler, "")
    if 2 <= len(text) <= 10:
        return text, True
    action = next((short for word, short in ACTIONS if word in name), "办理")
    return (category + action)[:10], False


def derived_aliases(name: str, plain: str, natural: bool) -> list[str]:
    bare = re.sub(r"[（(][^）)]*[）)]", "", name).strip()
    cands = [bare, shorten(bare)]
    if natural:
        cands.append(plain)
    out: list[str] = []
    for c in cands:
        if c and c != name and len(c) <= 24 and c not in out:
            out.append(c)
    return out[:3]


LIFE_EVENT_ORDER: Final = (
    "出生",
    "婚育",
    "教育",
    "就业",
    "创业",
    "经营",
    "住房",
    "迁居",
    "出行",
    "医疗",
    "养老",
    "退休",
    "救助",
    "助残",
    "退役",
    "身后",
)
LIFE_EVENT_RULES: Final = (
    (r"出生|新生儿|预防接种|生育登记", "出生"),
    (r"婚姻|结婚|离婚|生育|收养|母婴|计划生育", "婚育"),
    (r"入学|学籍|学生|学校|幼儿园|教育|资助|教师|招生", "教育"),
    (r"就业|失业|招聘|职业介绍|职业指导|见习|高校毕业生|公益性岗位|技能|档案", "就业"),
    (r"创业|设立登记|个体工商户|营业执照|开办", "创业"),
    (r"住房|公租房|不动产|房屋|公积金|物业|维修资金|报装|过户|抵押", "住房"),
    (r"户口迁移|居住证|迁入|迁出|转移接续|参保地转移", "迁居"),
    (r"驾驶证|机动车|护照|港澳|台湾|出入境|签注|通行证", "出行"),
    (r"医保|医疗|就医|报销|慢特病|药店|门诊|住院|生育医疗", "医疗"),
    (r"养老|老年|高龄|待遇领取资格|优待证", "养老"),
    (r"退休", "退休"),
    (r"低保|救助|特困|孤儿|困难|无人抚养|流浪", "救助"),
    (r"残疾", "助残"),
    (r"退役|军人|优抚|伤残抚恤|随军", "退役"),
    (r"死亡|丧葬|抚恤金|遗属|户口注销|注销户口|殡葬", "身后"),
)


def life_events_for(name: str, domain: Domain, audience: str, extra: tuple[str, ...]) -> list[str]:
    events = set(extra) if extra else set(domain.life_events)
    for pattern, event in LIFE_EVENT_RULES:
        if re.search(pattern, name):
            events.add(event)
    if audience == "business":
        events.discard("出生")
    return [e for e in LIFE_EVENT_ORDER if e in events]


NATION_PATTERN: Final = re.compile(
    r"社会保障卡(申领|补领|参保地转移)|电子社会保障卡|养老保险关系转移接续|基本医疗保险关系转移接续"
    r"|异地(长期居住|安置|转诊|就医)|常驻异地|临时外出就医|户口迁移|居民身份证(跨省|挂失)"
    r"|个人权益记录查询|个人参保证明|参保人员参保信息查询|军人退役养老保险|未就业随军配偶"
    r"|养老保险与(城乡居民|企业职工)|互转申请|失业保险金发放关系转移|高校毕业生报到|档案(接收|转出)"
    r"|职业年金个人权益记录|教师资格证书补发|工伤异地就医|养老金发放明细查询|残疾人证(迁移|换领)"
    r"|开具个人所得税纳税记录|医保电子凭证|待遇领取资格认证|社会保障卡(挂失|解挂)"
)


def cross_region_for(name: str, domain: Domain, rng: random.Random) -> str:
    if NATION_PATTERN.search(name):
        return "nation"
    if domain.key == "scjg" and re.search(r"(设立|变更)登记", name) and rng.random() < 0.5:
        return "region"
    if (
        domain.key in ("shebao", "yibao", "huji", "jiuye", "tax", "minzheng")
        and rng.random() < 0.35
    ):
        return "province"
    if re.search(r"跨区域", name):
        return "province"
    return "none"


# ---------------------------------------------------------------------------
# Item assembly
# ---------------------------------------------------------------------------

TYPE_LETTER: Final = {
    "licence": "A",
    "payment": "G",
    "confirmation": "F",
    "reward": "H",
    "adjudication": "E",
    "other": "Z",
    "public_service": "B",
}
TYPE_DAYS: Final[dict[str, tuple[tuple[int, ...], tuple[int, ...]]]] = {
    # type -> (legal day choices, promise day choices)
    "licence": ((20,), (3, 5, 7, 10)),
    "public_service": ((5, 10, 15, 20), (0, 1, 3, 5)),
    "confirmation": ((20, 30), (3, 5, 10)),
    "payment": ((20, 30), (5, 10, 15)),
    "adjudication": ((60,), (30, 45)),
    "other": ((20,), (5, 10)),
    "reward": ((30,), (20,)),
}
BASE_POPULARITY: Final = {
    "public_service": 30,
    "payment": 26,
    "confirmation": 24,
    "licence": 14,
    "other": 8,
    "adjudication": 4,
    "reward": 3,
}
POPULARITY_BOOSTS: Final = (
    (r"社会保障卡|社保卡", 18),
    (r"医保|医疗保险|医疗费|报销|就医", 14),
    (r"养老", 10),
    (r"户口|身份证|居住证", 18),
    (r"婚姻|结婚|离婚", 14),
    (r"失业|就业|招聘", 8),
    (r"公积金", 18),
    (r"不动产|抵押|住房|公租房", 10),
    (r"入学|学籍", 12),
    (r"低保|救助|残疾|高龄|老年", 8),
    (r"个体工商户|公司设立|食品", 8),
    (r"查询|咨询|指引", -6),
    (r"备案", -4),
)
P_ZERO: Final = {
    "public_service": 0.07,
    "confirmation": 0.08,
    "payment": 0.08,
    "other": 0.05,
    "licence": 0.04,
    "adjudication": 0.0,
    "reward": 0.0,
}
FACE_PATTERN: Final = re.compile(r"资格认证|待遇领取|生存认证|社保卡密码|社会保障卡密码")


@dataclass
class Draft:
    key: str
    name: str
    item_type: str
    domain: Domain
    dept: Dept
    record: JSON | None = None
    curated: Curated | None = None
    basic_code: str = ""
    task_code: str = ""
    extra_aliases: list[str] = field(default_factory=list)


def place(
    domain: Domain,
    item_type: str,
    key: str,
    depts: dict[str, Dept],
    forced: tuple[str, str | None] | None = None,
) -> Dept:
    """Spread items between the city and the districts that have a matching department."""
    city = depts[f"410100-{domain.city_dept}"]
    suffix = domain.district_suffix
    if suffix is None:
        return city
    districts = DISTRICT_DEPTS[suffix][2]
    if forced is not None:
        level, district = forced
        if level == "city" or district is None or district not in districts:
            return city
        return depts[f"{DISTRICTS[district][0]}-{suffix}"]
    rng = rng_for("place:" + key)
    if rng.random() >= DISTRICT_SHARE[item_type]:
        return city
    district = districts[rng.randrange(len(districts))]
    return depts[f"{DISTRICTS[district][0]}-{suffix}"]


def basic_code_of(rec: JSON) -> str | None:
    if rec.get("basic_code"):
        return str(rec["basic_code"])
    m = re.match(r"^([A-Z]-\d{6}-\d{3})", rec.get("task_code") or "")
    return m.group(1) if m else None


def build_drafts(records: list[JSON], depts: dict[str, Dept]) -> list[Draft]:
    curated_by_real = {c.real_id: c for c in CURATED if c.real_id}
    drafts: list[Draft] = []
    for rec in records:
        if EXCLUDE_NAME_PATTERN.search(rec["name"]):
            continue
        rid: str = rec["id"]
        cur = curated_by_real.get(rid)
        if cur is not None and cur.real_name != rec["name"]:
            raise SystemExit(
                f"curated {cur.name!r} expects {cur.real_name!r}, found {rec['name']!r}"
            )
        if rid in DETAIL_PLACEMENT:
            dom_key, item_type, level, where = DETAIL_PLACEMENT[rid]
            domain = DOMAINS[dom_key]
            if level == "township":
                assert where is not None
                dept = depts[TOWNSHIPS[where][0]]
            else:
                dept = place(domain, item_type, rid, depts, (level, where))
        else:
            domain = (
                DOMAINS[cur.domain]
                if cur
                else DOMAINS[classify_domain(rec["department"], rec["name"])]
            )
            item_type = SOURCE_TYPE_MAP.get(rec["type"] or "", "public_service")
            forced = (cur.level, cur.district) if cur else FORCED_LEVEL.get(rid)
            dept = place(domain, item_type, rid, depts, forced)
        if cur is not None:
            item_type = cur.item_type if rec["type"] is None else item_type
        drafts.append(
            Draft(
                rid,
                rec["name"],
                item_type,
                domain,
                dept,
                record=rec,
                curated=cur,
                basic_code=basic_code_of(rec) or "",
            )
        )
    real_ids = {r["id"] for r in records}
    for cur in CURATED:
        if cur.real_id is None:
            domain = DOMAINS[cur.domain]
            dept = place(
                domain, cur.item_type, "curated:" + cur.name, depts, (cur.level, cur.district)
            )
            drafts.append(
                Draft("curated:" + cur.name, cur.name, cur.item_type, domain, dept, curated=cur)
            )
        elif cur.real_id not in real_ids:
            raise SystemExit(f"curated {cur.name!r}: no record {cur.real_id}")
    # invented basic codes, then unique implementation codes
    for n, d in enumerate(drafts, start=1):
        if not d.basic_code:
            d.basic_code = f"41{TYPE_LETTER[d.item_type]}{d.domain.num:04d}{n:05d}"
    used: set[str] = set()
    for d in drafts:
        k = 1
        while True:
            code = f"{d.basic_code}-{d.dept.region_code}-000-{d.dept.credit}-{k}-00"
            if code not in used:
                break
            k += 1
        used.add(code)
        d.task_code = code
    return drafts


def hall_codes_for(dept: Dept, category: str | None, weekend: str | None) -> list[str]:
    codes: list[str] = []
    if dept.level == "township":
        codes.append(TOWNSHIP_HALLS[dept.code])
    if dept.level in ("district", "township"):
        assert dept.district is not None
        codes.append(f"hall-zz-{DISTRICTS[dept.district][1]}")
    special = SPECIAL_HALLS.get(weekend or "") or SPECIAL_HALLS.get(category or "")
    if dept.level == "city":
        if special:
            codes.append(special)
        codes.append("hall-zz-city")
    elif (
        weekend is not None
        and special
        and not (dept.district in ("金水区", "郑东新区") and weekend == "医社保")
    ):
        codes.append(special)
    return codes


def build_item(d: Draft) -> JSON:
    rng = rng_for("item:" + d.key)
    rec, cur, domain = d.record, d.curated, d.domain
    name = d.name
    is_query = bool(QUERY_PATTERN.search(name))

    # classification ---------------------------------------------------------
    category = domain.category
    if domain.key == "minzheng" and re.search(r"婚姻|结婚|离婚|收养", name):
        category = "婚姻登记"
    weekend = domain.weekend
    hall_codes = hall_codes_for(d.dept, category, weekend)
    audience = audience_for(name, domain)
    life_events = life_events_for(name, domain, audience, cur.life_events if cur else ())

    # days, fee, visits ---------------------------------------------------------
    legal_choices, promise_choices = TYPE_DAYS[d.item_type]
    if cur is not None:
        legal, promise = cur.legal, cur.promise
    elif is_query:
        legal, promise = 1, 0
    else:
        legal, promise = rng.choice(legal_choices), rng.choice(promise_choices)
    if rec is not None and cur is None:
        if rec.get("promise_days") is not None:
            promise = int(rec["promise_days"])
        if rec.get("legal_days") is not None:
            legal = int(rec["legal_days"])
        legal = max(legal, promise)
    promise = min(promise, legal)
    fee: JSON = {"charged": False, "text": "不收费"}
    if cur is not None and cur.fee:
        fee = {"charged": True, "text": cur.fee}
    elif rec is not None and rec.get("fee") is False:
        fee = {"charged": False, "text": rec.get("fee_text") or "不收费"}

    # materials ---------------------------------------------------------------
    if cur is not None and cur.materials:
        zero = cur.zero
        mats = list(cur.materials)
        mats = make_zero(mats) if zero else ensure_upload(mats, d.item_type)
        mats = sort_materials(mats + ([agent_mat()] if audience == "person" else []))
    elif rec is not None and rec.get("materials"):
        mats = sort_materials(real_materials(rec))
        zero = all(m.source in ZERO_SOURCES for m in mats if m.required)
    else:
        zero = cur.zero if cur is not None else (is_query or rng.random() < P_ZERO[d.item_type])
        mats = generate_materials(name, domain, audience, d.item_type, zero, rng)
    zero = all(m.source in ZERO_SOURCES for m in mats if m.required)

    if cur is not None:
        visits, depth = cur.visits, cur.depth
    elif rec is not None and rec.get("visits") is not None:
        visits, depth = int(rec["visits"]), 4
    elif zero or is_query:
        visits, depth = 0, rng.choice((6, 7))
    elif d.item_type == "adjudication":
        visits, depth = 2, rng.choice((2, 3))
    else:
        visits = 0 if rng.random() < 0.3 else 1
        depth = rng.choice((6, 7)) if visits == 0 else rng.choice((3, 4, 5))
    if cur is not None:
        channels = list(cur.channels)
    else:
        channels = ["window"]
        if depth >= 3:
            channels.insert(0, "online")
        if depth >= 4 and audience == "person":
            channels.insert(1, "mobile")
            if rng.random() < 0.4:
                channels.insert(2, "kiosk")
    channels = [c for c in CHANNELS if c in channels]
    if cur is not None:
        face = cur.face
    elif FACE_PATTERN.search(name):
        face = True
    else:
        face = (
            audience == "person"
            and "online" in channels
            and d.item_type in ("public_service", "payment", "confirmation")
            and rng.random() < 0.3
        )
    cross = cur.cross if cur is not None else cross_region_for(name, domain, rng)

    # guide texts ---------------------------------------------------------------
    if cur is not None and cur.conditions:
        conditions = cur.conditions
    elif rec is not None and rec.get("conditions"):
        conditions = adapt_text(rec["conditions"])
    else:
        conditions = generate_conditions(name, domain, audience, d.item_type)
    if cur is not None and cur.steps:
        steps = [{"name": n, "description": t} for n, t in cur.steps]
    else:
        steps = generate_steps(name, d.item_type, d.dept.short_name, promise, rng)
        if rec is not None and isinstance(rec.get("flow"), str):
            real = real_steps(rec["flow"])
            if real:
                steps = [{"name": n, "description": t} for n, t in real]
                if len(steps) < 3:
                    steps.append(
                        {
                            "name": "办结",
                            "description": "办理结果通过短信和本应用「我的办件」通知。",
                        }
                    )
    steps = steps[:6]
    if cur is not None and cur.faqs:
        faqs = [{"question": q, "answer": a} for q, a in cur.faqs]
    else:
        faqs = generate_faqs(domain, audience, rng, rng.choice((0, 0, 1)) if cur is None else 2)

    # names and ranking -----------------------------------------------------------
    if cur is not None:
        plain = cur.plain_name
        aliases = [a for a in (cur.name, *cur.aliases) if a != name]
    else:
        plain, natural = plain_name_for(name, category)
        aliases = derived_aliases(name, plain, natural)
    aliases = list(dict.fromkeys(aliases))
    if cur is not None:
        popularity = cur.popularity
    else:
        popularity = BASE_POPULARITY[d.item_type] + (12 if audience == "person" else 0)
        popularity += sum(b for p, b in POPULARITY_BOOSTS if re.search(p, name))
        popularity = max(1, min(79, popularity + rng.randint(0, 10)))
    hotline = "12345" if audience == "person" else d.dept.phone

    return {
        "basic_code": d.basic_code,
        "task_code": d.task_code,
        "name": name,
        "aliases": aliases,
        "plain_name": plain,
        "type": d.item_type,
        "department_code": d.dept.code,
        "level": d.dept.level,
        "category": category,
        "life_events": life_events,
        "legal_days": legal,
        "promise_days": promise,
        "fee": fee,
        "visits": visits,
        "online_depth": depth,
        "channels": channels,
        "weekend_available": weekend is not None,
        "weekend_category": weekend,
        "cross_region": cross,
        "face_verification": face,
        "conditions": conditions,
        "materials": [m.to_json() for m in mats],
        "steps": steps,
        "faqs": faqs,
        "hall_codes": hall_codes,
        "popularity": popularity,
        "hotline": hotline,
        "version": 1,
        "demo": True,
        "source": rec["source"] if rec is not None else None,
        "source_id": rec["id"] if rec is not None else None,
    }


# ---------------------------------------------------------------------------
# 一件事 bundles
# ---------------------------------------------------------------------------

FieldRow = tuple[str, str, str, bool, str | None]
APPLICANT: Final[tuple[FieldRow, ...]] = (
    ("applicant_name", "申请人姓名", "text", True, "licence:身份证"),
    ("applicant_idcard", "申请人身份证号码", "idcard", True, "licence:身份证"),
    ("applicant_phone", "联系电话", "phone", True, None),
)
COMPANY: Final[tuple[FieldRow, ...]] = (
    ("company_name", "企业名称", "text", True, "licence:营业执照"),
    ("credit_code", "统一社会信用代码", "text", True, "licence:营业执照"),
    ("legal_person", "法定代表人姓名", "text", True, "licence:营业执照"),
)
DELIVERY: Final[FieldRow] = ("delivery_address", "证照邮寄地址", "text", False, None)


@dataclass(frozen=True)
class BundleSpec:
    code: str
    name: str
    plain_name: str
    aliases: tuple[str, ...]
    life_event: str
    lead: str
    members: tuple[str, ...]
    fields: tuple[FieldRow, ...]
    promised_days: int
    notes: str | None = None
    sources: tuple[str, ...] = ()
    stage2: str = "并联办理"


BUNDLES: Final[tuple[BundleSpec, ...]] = (
    BundleSpec(
        "bundle-newborn",
        "新生儿出生一件事",
        "孩子出生",
        ("出生一件事", "新生儿", "新生儿出生", "新生儿落户"),
        "出生",
        "410100-WJW",
        (
            "《出生医学证明》首次签发",
            "《预防接种证》办理",
            "出生登记",
            "生育登记办理",
            "城乡居民参保登记",
            "社会保障卡申领",
            "生育医疗费支付",
            "科学育儿指导服务登记",
        ),
        (
            *APPLICANT,
            ("child_name", "新生儿姓名", "text", True, None),
            ("child_birth_date", "出生日期", "date", True, "licence:出生医学证明"),
            ("birth_cert_no", "出生医学证明编号", "text", True, "licence:出生医学证明"),
            ("mother_idcard", "母亲身份证号码", "idcard", True, "licence:身份证"),
            ("father_idcard", "父亲身份证号码", "idcard", False, "licence:身份证"),
            ("marriage_cert_no", "结婚证字号", "text", False, "licence:结婚证"),
            ("household_head", "入户户主姓名", "text", True, "licence:户口簿"),
            DELIVERY,
        ),
        5,
        "合并五地真实方案：兰州（2024，卫健委牵头，7项，目标一套材料、一次提交、一次受理、一次办结）；"
        "中山（9项，承诺最短5个工作日，不含制证及邮寄；要求新生儿不满一周岁、父母省内户籍且婚内）；"
        "厦门（2023，6项，未满6个月的婚生新生儿，闽政通电子证照授权）；"
        "湖北（2020，公安牵头，3部门3事项，材料15种减为9种、跑动4次减为1次）；"
        "绍兴上虞（2019，卫健牵头，办理时间由2天缩短到1小时）。郑州版的成员、表单与时限为演示数据。",
        ("bundle-01", "bundle-02", "bundle-03", "bundle-04", "bundle-05"),
        stage2="助产机构一站受理、部门并联办理",
    ),
    BundleSpec(
        "bundle-retirement",
        "退休一件事",
        "办退休",
        ("退休一件事", "退休联办", "办退休"),
        "退休",
        "410100-RSJ",
        (
            "企业职工基本养老保险正常退休申请",
            "企业职工基本养老保险提前退休申请",
            "住房公积金个人账户封存",
            "住房公积金提取",
            "职工参保信息变更登记",
            "老年人优待证核发",
        ),
        (
            *APPLICANT,
            ("retire_date", "拟退休日期", "date", True, None),
            ("social_card_no", "社会保障卡号", "text", True, "licence:社保卡"),
            ("bank_account", "养老金发放银行账户", "text", True, None),
        ),
        10,
        "依据雅安“退休一件事（企业职工基本养老保险）”：人社部门与公积金中心联办正常退休、提前退休、"
        "个人账户封存、退休提取住房公积金；原摘录被截断，可能还有医保等联办事项。",
        ("bundle-06",),
    ),
    BundleSpec(
        "bundle-restaurant",
        "开办餐饮店一件事",
        "开饭店",
        ("开餐馆", "开饭店", "餐饮店开办", "开餐饮店"),
        "创业",
        "410100-SJJ",
        (
            "个体工商户设立登记",
            "食品(含保健食品)经营许可核发",
            "规范户外招牌设施设置",
            "公众聚集场所投入使用、营业前消防安全检查",
            "烟草专卖零售许可证新办",
        ),
        (
            *APPLICANT,
            ("shop_name", "店铺名称", "text", True, None),
            ("shop_address", "经营场所地址", "text", True, None),
            ("shop_area", "经营面积（平方米）", "text", True, None),
            (
                "credit_code",
                "统一社会信用代码（已有执照的填写）",
                "text",
                False,
                "licence:营业执照",
            ),
            DELIVERY,
        ),
        7,
        "依据某省《开办餐饮店“一件事”流程再造方案》（市场监管牵头，住建、消防、烟草参与）。"
        "原方案成员“企业营业执照信息核验”在郑州版对应个体工商户设立登记，“户外招牌设施设置规范管理”"
        "对应规范户外招牌设施设置。",
        ("bundle-07",),
    ),
    BundleSpec(
        "bundle-social-card",
        "社保卡居民服务一件事",
        "社保卡服务",
        ("社保卡一卡通", "一卡通", "社保卡居民服务"),
        "就业",
        "410100-RSJ",
        (
            "社会保障卡申领",
            "社会保障卡启用（激活）",
            "社会保障卡补领、换领、换发",
            "电子社会保障卡签发",
            "社会保障卡挂失",
            "医保电子凭证申领",
        ),
        (
            *APPLICANT,
            ("photo_consent", "同意调取身份证照片（填“同意”）", "text", True, None),
            DELIVERY,
        ),
        5,
        "依据山西省社会保障卡居民服务“一件事”（2024，省人社厅牵头，6部门）：按人社服务、就医购药、"
        "交通出行、文化体验、旅游观光五类场景组织，原报道未列单个事项；郑州版以社保卡业务事项为成员。",
        ("bundle-08",),
    ),
    BundleSpec(
        "bundle-school-enrolment",
        "教育入学一件事",
        "孩子上学",
        ("入学一件事", "上学报名", "小学入学", "初中入学"),
        "教育",
        "410100-JYJ",
        (
            "学前教育、义务教育阶段入学办理",
            "进城务工人员随迁子女接受义务教育入学申请办理",
            "居住证办理",
            "义务教育阶段学生学籍异动办理",
            "《预防接种证》办理",
        ),
        (
            *APPLICANT,
            ("child_name", "适龄儿童姓名", "text", True, "licence:户口簿"),
            ("child_idcard", "适龄儿童身份证号码", "idcard", True, "licence:户口簿"),
            ("home_address", "房产或居住地址", "text", True, "licence:不动产权证书"),
        ),
        15,
        "依据新乡市义务教育阶段教育入学“一件事”（2025，教育局牵头）：线上报名（房户一致学区生）与线下现场报名；"
        "原政策解读未列联办事项，郑州版成员为演示。",
        ("bundle-09",),
    ),
    BundleSpec(
        "bundle-business-start",
        "企业开办一件事",
        "开公司",
        ("开办企业", "企业开办", "开公司一件事", "注册公司"),
        "创业",
        "410100-SJJ",
        (
            "公司设立登记",
            "公章刻制",
            "一照一码户信息确认（县级行使）",
            "发票领用(县级行使）",
            "企业社会保险登记",
            "单位参保登记",
            "住房公积金单位缴存登记",
        ),
        (
            *APPLICANT,
            ("company_name", "拟设企业名称", "text", True, None),
            ("registered_capital", "注册资本（万元）", "text", True, None),
            ("company_address", "住所", "text", True, None),
            DELIVERY,
        ),
        1,
    ),
    BundleSpec(
        "bundle-resale-home",
        "二手房转移登记及水电气网联合过户一件事",
        "二手房过户",
        ("二手房过户", "水电气联合过户", "房屋过户一件事", "买二手房"),
        "住房",
        "410100-BDC",
        (
            "不动产转移登记",
            "供水过户",
            "供电过户",
            "燃气过户",
            "有线电视过户",
            "宽带过户",
            "住宅专项维修资金分户账更名",
        ),
        (
            *APPLICANT,
            ("property_cert_no", "不动产权证书号", "text", True, "licence:不动产权证书"),
            ("seller_idcard", "卖方身份证号码", "idcard", True, "licence:身份证"),
            ("water_account", "供水户号", "text", False, None),
            ("power_account", "供电户号", "text", False, None),
            ("gas_account", "燃气户号", "text", False, None),
        ),
        3,
    ),
    BundleSpec(
        "bundle-after-death",
        "身后一件事",
        "亲人身后事",
        ("身后事", "逝者身后", "死亡一件事", "亲人去世"),
        "身后",
        "410100-MZJ",
        (
            "居民死亡医学证明（推断）书签发",
            "户口注销",
            "惠民殡葬补贴申领",
            "遗属待遇申领",
            "参保人员个人账户资金一次性支取",
            "住房公积金提取",
        ),
        (
            *APPLICANT,
            ("deceased_name", "逝者姓名", "text", True, "licence:户口簿"),
            ("deceased_idcard", "逝者身份证号码", "idcard", True, "licence:身份证"),
            ("death_date", "死亡日期", "date", True, None),
            ("relation", "申请人与逝者关系", "text", True, None),
        ),
        5,
    ),
    BundleSpec(
        "bundle-veteran",
        "军人退役一件事",
        "退役报到",
        ("退役一件事", "退伍", "军人退役", "退役军人"),
        "退役",
        "410100-TYJR",
        (
            "退役报到",
            "退役士兵自主就业一次性经济补助金的给付",
            "退役军人优待证申领",
            "军人退役养老保险关系转移接续申请",
            "户口登记",
            "预备役登记",
        ),
        (
            *APPLICANT,
            ("discharge_date", "退役时间", "date", True, None),
            ("veteran_cert_no", "退役军人证号", "text", False, "licence:退役军人证"),
        ),
        15,
    ),
    BundleSpec(
        "bundle-disability",
        "残疾人服务一件事",
        "残疾人服务",
        ("助残一件事", "残疾人证", "残疾补贴"),
        "助残",
        "410100-CL",
        (
            "残疾人证核发(首次申领)",
            "困难残疾人生活补贴",
            "重度残疾人护理补贴",
            "残疾人基本型辅助器具适配申请",
            "残疾儿童康复训练申请",
        ),
        (
            *APPLICANT,
            ("disabled_name", "残疾人姓名", "text", True, "licence:身份证"),
            ("disability_cert_no", "残疾人证号（已有的填写）", "text", False, "licence:残疾人证"),
        ),
        15,
    ),
    BundleSpec(
        "bundle-marriage",
        "结婚一件事",
        "结婚",
        ("结婚登记一件事", "新婚", "领证"),
        "婚育",
        "410100-MZJ",
        (
            "中国内地公民婚姻登记",
            "户口变更",
            "生育登记办理",
            "个人基本信息变更",
            "城乡居民参保信息变更登记",
        ),
        (
            *APPLICANT,
            ("spouse_name", "对方姓名", "text", True, "licence:身份证"),
            ("spouse_idcard", "对方身份证号码", "idcard", True, "licence:身份证"),
            ("appointment_date", "预约登记日期", "date", True, None),
        ),
        3,
    ),
    BundleSpec(
        "bundle-hukou-move",
        "户口迁移一件事",
        "迁户口",
        ("迁户口一件事", "落户郑州", "户口迁入"),
        "迁居",
        "410100-GAJ-HZ",
        (
            "户口迁移审批",
            "居民身份证办理（包括临时）",
            "社会保障卡非关键信息变更",
            "城乡居民参保信息变更登记",
        ),
        (
            *APPLICANT,
            ("from_address", "原户籍地址", "text", True, "licence:户口簿"),
            ("to_address", "迁入地址", "text", True, "licence:不动产权证书"),
        ),
        10,
    ),
    BundleSpec(
        "bundle-employment",
        "就业创业一件事",
        "找工作创业",
        ("就业一件事", "创业一件事", "找工作"),
        "就业",
        "410100-RSJ",
        (
            "就业登记",
            "职业介绍",
            "创业担保贷款申请",
            "创业补贴申请",
            "个体工商户设立登记",
            "灵活就业人员企业职工基本养老保险参保登记",
        ),
        (
            *APPLICANT,
            ("education", "最高学历", "text", False, None),
            ("job_intent", "求职或创业意向", "text", True, None),
        ),
        15,
    ),
    BundleSpec(
        "bundle-home-purchase",
        "公积金贷款购房及不动产登记一件事",
        "买房贷款",
        ("买房", "公积金买房", "购房一件事", "公积金贷款买房", "公积金+不动产"),
        "住房",
        "410100-GJJ",
        (
            "住房公积金贷款",
            "不动产转移登记",
            "不动产抵押权首次登记",
            "住房公积金提取",
            "住房公积金缴存证明",
        ),
        (
            *APPLICANT,
            ("spouse_idcard", "配偶身份证号码", "idcard", False, "licence:结婚证"),
            ("house_address", "所购房屋地址", "text", True, None),
            ("loan_amount", "申请贷款金额（万元）", "text", True, None),
        ),
        5,
    ),
    BundleSpec(
        "bundle-business-close",
        "企业注销一件事",
        "注销公司",
        ("企业注销", "公司注销一件事", "关公司"),
        "创业",
        "410100-SJJ",
        (
            "公司注销登记",
            "税务注销即时办理（县级行使）",
            "企业注销社会保险登记",
            "单位参保信息变更登记",
        ),
        (*APPLICANT, *COMPANY, ("liquidation_date", "清算完成日期", "date", True, None)),
        3,
    ),
    BundleSpec(
        "bundle-recruitment",
        "员工招聘一件事",
        "招员工",
        ("招聘一件事", "新员工入职", "员工录用"),
        "就业",
        "410100-RSJ",
        ("招聘服务", "就业登记", "企业职工参保登记", "职工参保登记", "住房公积金个人账户设立"),
        (
            *COMPANY,
            ("employee_name", "新员工姓名", "text", True, "licence:身份证"),
            ("employee_idcard", "新员工身份证号码", "idcard", True, "licence:身份证"),
            ("hire_date", "入职日期", "date", True, None),
        ),
        3,
    ),
    BundleSpec(
        "bundle-credit-repair",
        "信用修复一件事",
        "信用修复",
        ("信用修复", "失信修复", "移出异常名录"),
        "经营",
        "410100-FGW",
        (
            "行政处罚信息信用修复",
            "移出经营异常名录申请",
            "纳税信用修复（县级行使）",
            "统计严重失信企业名单信用修复",
            "社会组织活动异常名录信用修复",
        ),
        (*COMPANY, ("punishment_no", "行政处罚决定书文号", "text", False, None)),
        3,
    ),
    BundleSpec(
        "bundle-utilities",
        "水电气网联合报装一件事",
        "水电气报装",
        ("联合报装", "水电气暖网报装", "接水接电"),
        "住房",
        "410100-CGJ",
        (
            "城镇污水排入排水管网许可",
            "供水报装",
            "供电报装",
            "供气报装",
            "有线电视报装",
            "宽带报装",
        ),
        (
            *APPLICANT,
            ("site_address", "报装地址", "text", True, "licence:不动产权证书"),
            ("usage", "用途（居民/非居民）", "text", True, None),
            ("planned_date", "期望接入日期", "date", False, None),
        ),
        5,
        stage2="联合踏勘、并联审批",
    ),
    BundleSpec(
        "bundle-cross-medical",
        "异地就医一件事",
        "外地看病",
        ("异地就医", "外地看病报销", "跨省就医"),
        "医疗",
        "410100-YBJ",
        (
            "异地就医备案",
            "异地长期居住人员备案",
            "常驻异地工作人员备案",
            "异地安置退休人员备案",
            "异地转诊人员备案",
            "其他临时外出就医人员备案",
            "住院费用报销",
        ),
        (
            *APPLICANT,
            ("social_card_no", "社会保障卡号", "text", True, "licence:社保卡"),
            ("destination", "就医地（省、市）", "text", True, None),
            ("start_date", "备案开始日期", "date", True, None),
        ),
        1,
    ),
    BundleSpec(
        "bundle-senior",
        "老年人优待一件事",
        "老人优待",
        ("老年人优待", "老年证", "敬老"),
        "养老",
        "410100-MZJ",
        (
            "老年人优待证核发",
            "高龄老人津(补)贴申领",
            "养老保险定期待遇领取资格认证",
            "城乡居民基本养老保险待遇申领",
        ),
        (
            *APPLICANT,
            ("elder_name", "老年人姓名", "text", True, "licence:身份证"),
            ("elder_idcard", "老年人身份证号码", "idcard", True, "licence:身份证"),
            ("social_card_no", "社会保障卡号", "text", False, "licence:社保卡"),
        ),
        5,
    ),
    BundleSpec(
        "bundle-business-change",
        "企业信息变更一件事",
        "企业变更",
        ("公司变更", "企业变更一件事", "变更登记"),
        "经营",
        "410100-SJJ",
        ("公司变更登记", "企业信息变更", "单位参保信息变更登记", "一照一码户信息变更（县级行使）"),
        (*APPLICANT, *COMPANY, ("change_items", "变更事项", "text", True, None)),
        2,
    ),
    BundleSpec(
        "bundle-transport",
        "开办运输企业一件事",
        "开运输公司",
        ("开办货运公司", "道路运输企业开办", "开物流公司"),
        "创业",
        "410100-JTJ",
        ("公司设立登记", "道路货物运输经营许可", "道路货物运输车辆道路运输证配发", "公章刻制"),
        (
            *APPLICANT,
            ("company_name", "拟设企业名称", "text", True, None),
            ("vehicle_count", "营运车辆数", "text", True, None),
            DELIVERY,
        ),
        5,
    ),
    BundleSpec(
        "bundle-unemployment",
        "失业保障一件事",
        "失业保障",
        ("失业一件事", "失业保险", "领失业金"),
        "就业",
        "410100-RSJ",
        ("失业登记", "失业保险金申领", "职业介绍", "领取失业保险金期间职业培训补贴申领"),
        (
            *APPLICANT,
            ("leave_date", "离职日期", "date", True, None),
            ("social_card_no", "社会保障卡号", "text", True, "licence:社保卡"),
        ),
        3,
    ),
    BundleSpec(
        "bundle-hotel",
        "开办旅馆一件事",
        "开旅馆",
        ("开宾馆", "开民宿", "旅馆开办"),
        "创业",
        "410100-GAJ",
        (
            "公司设立登记",
            "旅馆业特种行业许可证核发",
            "公共场所卫生许可新办审批（县级）",
            "公众聚集场所投入使用、营业前消防安全检查",
            "公章刻制",
        ),
        (
            *APPLICANT,
            ("hotel_name", "旅馆名称", "text", True, None),
            ("hotel_address", "经营地址", "text", True, None),
            ("rooms", "客房数", "text", True, None),
        ),
        10,
    ),
    BundleSpec(
        "bundle-clinic",
        "开办诊所一件事",
        "开诊所",
        ("诊所开办", "开中医诊所", "开办诊所"),
        "创业",
        "410100-WJW",
        ("中医诊所备案", "医疗机构执业审批（新办）（县级）", "医师执业证书变更", "公章刻制"),
        (
            *APPLICANT,
            ("clinic_name", "诊所名称", "text", True, None),
            ("clinic_address", "执业地址", "text", True, None),
            ("doctor_cert_no", "医师执业证书编码", "text", True, None),
        ),
        15,
    ),
)


def source_entry(b: JSON) -> JSON:
    facts = {
        k: b[k]
        for k in (
            "goal",
            "promise_text",
            "conditions",
            "before_after",
            "scope",
            "scenarios",
            "channels",
            "notes",
            "basis",
        )
        if b.get(k)
    }
    return {
        "id": b["id"],
        "name": b["name"],
        "region": b["region"],
        "year": b["year"],
        "lead_department": b["lead_department"],
        "departments": b["departments"],
        "member_items": [m["name"] for m in b["member_items"]],
        "facts": facts,
        "source": b["source"],
    }


def resolve_item(name: str, by_name: dict[str, list[JSON]]) -> JSON:
    found = by_name.get(name)
    if not found:
        raise SystemExit(f"bundle member {name!r} is not an item")
    order = {"city": 0, "district": 1, "township": 2}
    return sorted(found, key=lambda i: (order[i["level"]], -i["popularity"], i["task_code"]))[0]


def build_bundles(items: list[JSON], real_bundles: list[JSON]) -> list[JSON]:
    by_name: dict[str, list[JSON]] = {}
    for item in items:
        by_name.setdefault(item["name"], []).append(item)
    real = {b["id"]: b for b in real_bundles}
    used_sources: set[str] = set()
    bundles: list[JSON] = []
    for spec in BUNDLES:
        members = [resolve_item(n, by_name) for n in spec.members]
        dept_codes = [spec.lead, *sorted({m["department_code"] for m in members} - {spec.lead})]
        days = [m["promise_days"] for m in members]
        promised = min(spec.promised_days, max(days))
        promised = max(promised, 1) if max(days) >= 1 else 0
        used_sources.update(spec.sources)
        bundles.append(
            {
                "code": spec.code,
                "name": spec.name,
                "plain_name": spec.plain_name,
                "aliases": list(spec.aliases),
                "life_event": spec.life_event,
                "lead_department_code": spec.lead,
                "department_codes": dept_codes,
                "item_task_codes": [m["task_code"] for m in members],
                "form": {
                    "title": f"{spec.name}联合申请表",
                    "fields": [
                        {"key": k, "label": label, "type": t, "required": req, "prefill": prefill}
                        for k, label, t, req, prefill in spec.fields
                    ],
                },
                "flow": [
                    {"stage": 1, "name": "一窗受理", "parallel_department_codes": [spec.lead]},
                    {"stage": 2, "name": spec.stage2, "parallel_department_codes": dept_codes},
                    {"stage": 3, "name": "统一出件", "parallel_department_codes": [spec.lead]},
                ],
                "promised_days": promised,
                "notes": spec.notes,
                "demo": True,
                "sources": [source_entry(real[s]) for s in spec.sources],
            }
        )
    missing = sorted(set(real) - used_sources)
    if missing:
        raise SystemExit(f"real bundles not used: {missing}")
    return sorted(bundles, key=lambda b: b["code"])


# ---------------------------------------------------------------------------
# Self-check
# ---------------------------------------------------------------------------

KEYS: Final[dict[str, set[str]]] = {
    "top": {"version", "about", "departments", "halls", "items", "bundles"},
    "department": {
        "code",
        "name",
        "short_name",
        "level",
        "district",
        "region_code",
        "phone",
        "demo",
    },
    "hall": {
        "code",
        "name",
        "district",
        "address",
        "lat",
        "lng",
        "phone",
        "hours",
        "weekend_categories",
        "demo",
        "source",
    },
    "item": {
        "basic_code",
        "task_code",
        "name",
        "aliases",
        "plain_name",
        "type",
        "department_code",
        "level",
        "category",
        "life_events",
        "legal_days",
        "promise_days",
        "fee",
        "visits",
        "online_depth",
        "channels",
        "weekend_available",
        "weekend_category",
        "cross_region",
        "face_verification",
        "conditions",
        "materials",
        "steps",
        "faqs",
        "hall_codes",
        "popularity",
        "hotline",
        "version",
        "demo",
        "source",
        "source_id",
    },
    "material": {
        "name",
        "required",
        "copies",
        "format",
        "source",
        "licence_type",
        "popularity",
        "note",
    },
    "bundle": {
        "code",
        "name",
        "plain_name",
        "aliases",
        "life_event",
        "lead_department_code",
        "department_codes",
        "item_task_codes",
        "form",
        "flow",
        "promised_days",
        "notes",
        "demo",
        "sources",
    },
    "field": {"key", "label", "type", "required", "prefill"},
}
MUST_FIND: Final = (
    "提公积金",
    "公积金提取",
    "取公积金",
    "住房公积金缴存证明",
    "住房公积金贷款",
    "出生登记",
    "生育登记",
    "社会保障卡申领",
    "城乡居民医保参保登记",
    "换驾照",
    "年检",
    "往来港澳通行证签注",
    "办护照",
    "过户",
    "不动产权证书补换",
    "供水过户",
    "供电过户",
    "燃气过户",
    "有线电视过户",
    "宽带过户",
    "办退休",
    "死亡登记",
    "户口注销",
    "换身份证",
    "居住证办理",
    "结婚登记",
    "办营业执照",
    "食品经营许可",
    "公章刻制",
    "税务登记",
    "发票申领",
    "失业保险金申领",
    "灵活就业参保",
    "异地就医备案",
    "医保报销",
    "养老保险转移",
    "个体工商户登记",
    "公租房申请",
    "老年人优待证",
    "高龄津贴申领",
    "残疾人证办理",
    "低保申请",
    "丧葬补助金",
    "抚恤金申领",
    "《出生医学证明》首次签发",
    "户口迁移",
)
TASK_CODE_RE: Final = re.compile(
    r"^(?P<basic>[0-9A-Z-]{10,16})-(?P<region>\d{12})-000-(?P<credit>[0-9A-Z]{18})-\d-00$"
)
PHONE_RE: Final = re.compile(r"^0371-\d{8}$")


def is_zero_material(materials: list[JSON]) -> bool:
    """The app's derived rule (bff.catalogue.importer.derive_zero_material)."""
    required = [m for m in materials if m["required"]]
    return bool(required) and all(m["source"] in ZERO_SOURCES for m in required)


def check(cat: JSON, records: list[JSON], size: int) -> list[str]:
    """Return a summary; raise AssertionError on the first broken rule."""
    assert set(cat) == KEYS["top"], set(cat) ^ KEYS["top"]
    assert cat["version"] == VERSION
    depts = {d["code"]: d for d in cat["departments"]}
    halls = {h["code"]: h for h in cat["halls"]}
    items = {i["task_code"]: i for i in cat["items"]}
    bundles = {b["code"]: b for b in cat["bundles"]}
    assert len(depts) == len(cat["departments"]) >= 30, "departments: count or duplicate codes"
    assert len(halls) == len(cat["halls"]) >= 10, "halls: count or duplicate codes"
    assert len(items) == len(cat["items"]) >= 400, "items: count or duplicate task codes"
    assert len(bundles) == len(cat["bundles"]) >= 24, "bundles: count or duplicate codes"
    assert size <= MAX_BYTES, f"output is {size} bytes"
    for key, rows, sort_key in (
        ("department", cat["departments"], "code"),
        ("hall", cat["halls"], "code"),
        ("item", cat["items"], "task_code"),
        ("bundle", cat["bundles"], "code"),
    ):
        assert [r[sort_key] for r in rows] == sorted(r[sort_key] for r in rows), (
            f"{key}s not sorted"
        )
        for r in rows:
            assert set(r) == KEYS[key], (key, r.get(sort_key), set(r) ^ KEYS[key])

    levels = Counter(d["level"] for d in depts.values())
    assert levels["city"] >= 10 and levels["district"] >= 6 and levels["township"] >= 2, levels
    for d in depts.values():
        assert d["level"] in LEVELS and PHONE_RE.match(d["phone"]), d
        assert (d["district"] is None) == (d["level"] == "city"), d
        assert len(d["region_code"]) == 12 and d["region_code"].isdigit(), d

    for h in halls.values():
        assert 34.6 <= h["lat"] <= 34.9 and 113.5 <= h["lng"] <= 113.8, h["code"]
        assert set(h["weekend_categories"]) <= set(WEEKEND_CATEGORIES), h["code"]
        days = [x["weekday"] for x in h["hours"]]
        assert days == sorted(set(days)) and set(days) <= set(range(1, 8)), h["code"]
        weekend = {x["weekday"]: x["sessions"] for x in h["hours"] if x["weekday"] >= 6}
        if h["weekend_categories"]:
            assert weekend == {6: WEEKEND_SESSIONS, 7: WEEKEND_SESSIONS}, h["code"]
        else:
            assert not weekend, h["code"]
    assert not halls["hall-zz-city"]["demo"] and halls["hall-zz-city"]["source"], (
        "city hall keeps its source"
    )

    names_by_id = {r["id"]: r["name"] for r in records}
    searchable: set[str] = set()
    for code, i in items.items():
        m = TASK_CODE_RE.match(code)
        dept = depts.get(i["department_code"])
        assert m and dept is not None, code
        assert m["basic"] == i["basic_code"] and m["region"] == dept["region_code"], code
        assert i["level"] == dept["level"], code
        assert i["type"] in ITEM_TYPES and i["cross_region"] in CROSS_REGION, code
        assert 0 <= i["promise_days"] <= i["legal_days"], code
        assert i["visits"] in (0, 1, 2) and 1 <= i["online_depth"] <= 8, code
        assert i["channels"] and set(i["channels"]) <= set(CHANNELS), code
        assert 0 <= i["popularity"] <= 100 and i["version"] == 1 and i["demo"] is True, code
        assert 1 <= len(i["plain_name"]) <= 10, (code, i["plain_name"])
        assert i["conditions"] and i["materials"] and 3 <= len(i["steps"]) <= 6, code
        assert len(i["faqs"]) <= 3, code
        assert isinstance(i["fee"]["charged"], bool) and i["fee"]["text"], code
        assert i["hall_codes"] and all(c in halls for c in i["hall_codes"]), code
        if i["weekend_category"] is not None:
            assert i["weekend_category"] in WEEKEND_CATEGORIES and i["weekend_available"], code
            assert any(
                i["weekend_category"] in halls[c]["weekend_categories"] for c in i["hall_codes"]
            ), code
        else:
            assert not i["weekend_available"], code
        assert set(i["life_events"]) <= set(LIFE_EVENT_ORDER), code
        pops = [mat["popularity"] for mat in i["materials"]]
        assert pops == sorted(pops, reverse=True), f"{code}: materials not ordered by popularity"
        for mat in i["materials"]:
            assert set(mat) == KEYS["material"], code
            assert mat["format"] in MATERIAL_FORMATS and mat["source"] in MATERIAL_SOURCES, code
            assert (mat["source"] == "licence") == (mat["licence_type"] is not None), (
                code,
                mat["name"],
            )
            assert mat["licence_type"] is None or mat["licence_type"] in LICENCE_TYPES, code
            assert isinstance(mat["required"], bool) and isinstance(mat["copies"], int), code
            assert 0 <= mat["popularity"] <= 100, code
        if i["source_id"] is not None:
            assert i["name"] == names_by_id[i["source_id"]], f"real name changed: {i['name']}"
            assert i["source"] is not None, code
        else:
            assert i["source"] is None, code
        searchable.update([i["name"], *i["aliases"]])
    missing = [w for w in MUST_FIND if w not in searchable]
    assert not missing, f"search would miss: {missing}"

    zero = [i for i in items.values() if is_zero_material(i["materials"])]
    face = [i for i in items.values() if i["face_verification"]]
    nation = [i for i in items.values() if i["cross_region"] == "nation"]
    weekend_items = [i for i in items.values() if i["weekend_available"]]
    n = len(items)
    assert 0.12 <= len(zero) / n <= 0.18, f"零材料 share {len(zero) / n:.3f}"
    assert 0.08 <= len(face) / n <= 0.12, f"face share {len(face) / n:.3f}"
    assert 45 <= len(nation) <= 80, f"nation cross-region {len(nation)}"
    zero_names = {i["name"] for i in zero}
    for must in ("住房公积金提取", "生育登记办理", "出生登记"):
        assert must in zero_names, f"{must} should qualify as 零材料"
    assert any(i["name"] == "住房公积金提取" and i["face_verification"] for i in items.values())

    real_bundle_ids: set[str] = set()
    for b in bundles.values():
        assert b["lead_department_code"] == b["department_codes"][0], b["code"]
        assert all(c in depts for c in b["department_codes"]), b["code"]
        assert b["item_task_codes"] and all(c in items for c in b["item_task_codes"]), b["code"]
        member_depts = {items[c]["department_code"] for c in b["item_task_codes"]}
        assert member_depts <= set(b["department_codes"]), b["code"]
        days = [items[c]["promise_days"] for c in b["item_task_codes"]]
        assert b["promised_days"] <= max(days) and (
            b["promised_days"] < sum(days) or sum(days) == 0
        ), b["code"]
        for f in b["form"]["fields"]:
            assert set(f) == KEYS["field"] and f["type"] in FIELD_TYPES, (b["code"], f)
            assert f["prefill"] is None or f["prefill"].removeprefix("licence:") in LICENCE_TYPES, f
        for stage in b["flow"]:
            assert all(c in depts for c in stage["parallel_department_codes"]), b["code"]
        real_bundle_ids.update(s["id"] for s in b["sources"])
    assert len(real_bundle_ids) == 9, "every real bundle is kept in some bundle's sources"
    assert len({b["name"] for b in bundles.values()}) == len(bundles), (
        "one bundle per life event name"
    )

    real_items = sum(1 for i in items.values() if i["source_id"])
    weekend_halls = [h for h in halls.values() if h["weekend_categories"]]
    return [
        f"departments {len(depts)} ({dict(levels)})",
        f"halls {len(halls)} (weekend halls {len(weekend_halls)})",
        f"items {n}: real {real_items}, invented {n - real_items}; "
        f"levels {dict(Counter(i['level'] for i in items.values()))}",
        f"零材料 {len(zero)} ({len(zero) / n:.1%}), face {len(face)} ({len(face) / n:.1%}), "
        f"nation {len(nation)}, weekend {len(weekend_items)}",
        f"bundles {len(bundles)}",
        f"size {size} bytes",
    ]


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

ABOUT: Final = (
    "演示用政务服务目录：把公开的真实事项（主要为四川省广安市广安区办事指南目录，"
    "另有安徽、河南、山东、湖北、广西的若干事项）、9个真实“一件事”方案和郑州市政务服务办事大厅信息，"
    "改编为一个类郑州城市（郑州市）的目录。真实记录保留原名称与 source/source_id；"
    "部门映射、区县分布、办事指南细节、热门便民事项、一件事表单与承诺时限均为演示数据"
    "（demo: true），不得作为真实办事依据。由 scripts/build_demo_catalogue.py 确定性生成。"
)


ITEM_LIMIT: Final = 860


def select_items(items: list[JSON], drafts: list[Draft]) -> list[JSON]:
    """Keep the file under ~2.5 MB by leaving out the least relevant business items.

    Curated items, the non-广安 records, bundle members and every citizen-facing item are
    always kept. The other records are ranked by popularity, with a penalty for each further
    variant of the same source sub-group (e.g. the seven 教练车备案证办理 variants), so the
    selection stays broad.
    """
    members = {n for spec in BUNDLES for n in spec.members}
    rank: dict[str, float] = {}
    seen_groups: Counter[str] = Counter()
    by_popularity = sorted(
        zip(items, drafts, strict=True), key=lambda p: (-p[0]["popularity"], p[0]["task_code"])
    )
    for item, d in by_popularity:
        group = (d.record or {}).get("category") or ""
        keep = (
            d.curated is not None
            or (d.record is not None and d.record.get("detail_level") != "catalog")
            or item["name"] in members
            or audience_for(d.name, d.domain) == "person"
            or d.item_type in ("payment", "adjudication", "reward")
        )
        score = float(item["popularity"]) - (4.0 * seen_groups[group] if group else 0.0)
        if group:
            seen_groups[group] += 1
        rank[item["task_code"]] = score + (1000.0 if keep else 0.0)
    kept = sorted(items, key=lambda i: (-rank[i["task_code"]], i["task_code"]))[:ITEM_LIMIT]
    return sorted(kept, key=lambda i: i["task_code"])


def build(source_dir: Path) -> tuple[JSON, list[JSON]]:
    records: list[JSON] = json.loads((source_dir / "service-items.json").read_text("utf-8"))[
        "items"
    ]
    real_bundles: list[JSON] = json.loads((source_dir / "one-things.json").read_text("utf-8"))[
        "bundles"
    ]
    real_halls: list[JSON] = json.loads((source_dir / "halls.json").read_text("utf-8"))["halls"]
    depts = build_departments()
    halls = sorted(build_halls(real_halls), key=lambda h: h["code"])
    drafts = build_drafts(records, depts)
    items = select_items([build_item(d) for d in drafts], drafts)
    bundles = build_bundles(items, real_bundles)
    catalogue: JSON = {
        "version": VERSION,
        "about": ABOUT,
        "departments": [depts[c].to_json() for c in sorted(depts)],
        "halls": halls,
        "items": items,
        "bundles": bundles,
    }
    return catalogue, records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--source",
        type=Path,
        default=REPO_ROOT.parent / "shared" / "data",
        help="directory holding service-items.json, one-things.json, halls.json",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write catalogue.json")
    args = parser.parse_args(argv)
    catalogue, records = build(args.source.resolve())
    text = json.dumps(catalogue, ensure_ascii=False, indent=1) + "\n"
    data = text.encode("utf-8")
    summary = check(catalogue, records, len(data))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {args.output}")
    for line in summary:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
