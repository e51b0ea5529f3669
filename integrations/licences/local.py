"""The embedded licence library: fictitious people and their licences from a JSON file.

The default (local runs, tests, the documented operations) reads `demo_holders.json` beside
this file. It answers with the same semantics as the HTTP contract (README.md): name check,
EXPIRED against the caller's `today`, birth certificates found through either parent. Optional
latency and fault injection let the flows' fallbacks (告知承诺, upload) be exercised locally.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Mapping, Sequence
from datetime import date
from importlib import resources
from types import MappingProxyType
from typing import Any

from auth import idnumber
from integrations.licences.models import (
    BatchRequest,
    FetchPurpose,
    Licence,
    LicenceLibraryError,
    LicenceLookup,
    LicenceStatus,
    LicenceType,
    check_request,
    normalise_id_number,
    normalise_name,
)

logger = logging.getLogger("integrations.licences.local")

DEMO_DATA_FILE = "demo_holders.json"

# key → (name, ID number) of the people in demo_holders.json (a test keeps the two in step).
# All fictitious; every number has a correct GB 11643 check digit.
DEMO_HOLDERS: dict[str, tuple[str, str]] = {
    # The main demo citizen, an elder: 身份证 (长期), 户口簿 (户主), 社保卡, 不动产权证书, 结婚证.
    "zhang_guilan": ("张桂兰", "410105195203151228"),
    # Her son, who acts for her: 身份证, 户口簿, 驾驶证, 结婚证.
    "li_ming": ("李明", "410105198006061235"),
    # A young mother: 身份证, 户口簿 (户主 陈刚), 结婚证, 社保卡, and her newborn's 出生医学证明.
    "wang_fang": ("王芳", "410103199508120268"),
    # Her husband: 身份证, 户口簿 (户主), 结婚证; the newborn's 出生医学证明 is found through him too.
    "chen_gang": ("陈刚", "410103199311050315"),
    # 身份证 expired on 2025-08-20, no 户口簿, a valid 社保卡: for the fallback paths.
    "zhao_qiang": ("赵强", "410102199304110571"),
    # A registered person with no electronic licence at all.
    "sun_li": ("孙丽", "41018219880227148X"),
}


def load_demo_data() -> dict[str, Any]:
    """The packaged demo file, parsed (read through importlib.resources, so it works from a
    wheel as well as from a checkout)."""
    text = resources.files("integrations.licences").joinpath(DEMO_DATA_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


class LocalLicenceLibrary:
    """`LicenceLibrary` over an in-memory registry of people and the licences filed under
    their ID numbers.

    `latency` (seconds) delays every read; `fail_rate` (0–1) makes that share of reads raise a
    retryable `LicenceLibraryError`, drawn from `random.Random(seed)`.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        latency: float = 0.0,
        fail_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        if latency < 0:
            raise ValueError("latency must not be negative")
        if not 0.0 <= fail_rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        self.latency = latency
        self.fail_rate = fail_rate
        self._rng = random.Random(seed)
        self._names, self._filed = _parse(load_demo_data() if data is None else data)

    def __repr__(self) -> str:
        return (
            f"LocalLicenceLibrary(people={len(self._names)}, "
            f"latency={self.latency!r}, fail_rate={self.fail_rate!r})"
        )

    async def fetch(
        self,
        *,
        holder_id_number: str,
        holder_name: str,
        types: Sequence[LicenceType],
        purpose: FetchPurpose,
        today: date,
    ) -> dict[LicenceType, LicenceLookup]:
        request = check_request(
            holder_id_number=holder_id_number,
            holder_name=holder_name,
            types=types,
            purpose=purpose,
            today=today,
        )
        if not request.types:
            return {}
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if self.fail_rate > 0 and self._rng.random() < self.fail_rate:
            logger.warning(
                "local licence library: simulated fault (flow=%s, item=%s)",
                purpose.flow_id,
                purpose.item_code,
            )
            raise LicenceLibraryError(
                "the licence library is busy (simulated fault)", retryable=True, status_code=503
            )
        result = self.lookup(request)
        # Statuses only: names and ID numbers never reach a log line.
        logger.debug(
            "licence read (flow=%s, item=%s, requester=%s): %s",
            purpose.flow_id,
            purpose.item_code,
            purpose.requester_id,
            ", ".join(f"{t.value}={lookup.status.value}" for t, lookup in result.items()),
        )
        return result

    def lookup(self, request: BatchRequest) -> dict[LicenceType, LicenceLookup]:
        """The answer to an already checked request, without latency or faults."""
        registered = self._names.get(request.holder_id_number)
        if registered is None or normalise_name(request.holder_name) != registered:
            # The same answer for an unknown number and a wrong name: a library does not
            # confirm that a number exists to someone who cannot name its holder.
            return {t: LicenceLookup(t, LicenceStatus.NOT_FOUND, None) for t in request.types}
        filed = self._filed.get(request.holder_id_number, [])
        return {t: _pick(t, filed, request.today) for t in request.types}

    def issued_for(self, holder_id_number: str) -> list[Licence]:
        """Every licence filed under a number, in file order (for tests and demo tooling)."""
        return list(self._filed.get(normalise_id_number(holder_id_number), []))

    async def aclose(self) -> None:
        """Nothing to release; here so the local library is a drop-in for the HTTP one."""


def _pick(licence_type: LicenceType, filed: Sequence[Licence], today: date) -> LicenceLookup:
    """A renewed licence supersedes the old one: the latest valid one wins; only when none is
    valid is the latest expired one returned, as EXPIRED."""
    candidates = [licence for licence in filed if licence.type is licence_type]
    if not candidates:
        return LicenceLookup(licence_type, LicenceStatus.NOT_FOUND, None)
    valid = [licence for licence in candidates if not licence.expired_on(today)]
    if valid:
        return LicenceLookup(
            licence_type, LicenceStatus.FOUND, max(valid, key=lambda lic: lic.issued_on)
        )
    latest = max(candidates, key=lambda lic: lic.issued_on)
    return LicenceLookup(licence_type, LicenceStatus.EXPIRED, latest)


# --- the data file ----------------------------------------------------------------------------


def _parse(data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[Licence]]]:
    """(ID number → normalised registered name, ID number → licences filed under it).

    Refuses data no library would hold (a wrong check digit, a repeated person, an unknown
    licence type), so a typo in the demo file fails at start-up, not in a demo.
    """
    holders = data.get("holders")
    if not isinstance(holders, list):
        raise ValueError("licence data: 'holders' must be a list")
    names: dict[str, str] = {}
    numbers_by_key: dict[str, str] = {}
    for index, holder in enumerate(holders):
        where = f"holders[{index}]"
        key = _text(holder, "key", where)
        number = _text(holder, "id_number", where)
        if not idnumber.is_valid(number):
            raise ValueError(f"licence data: {where} has an invalid ID number")
        if key in numbers_by_key or number in names:
            raise ValueError(f"licence data: {where} repeats a key or an ID number")
        numbers_by_key[key] = number
        names[number] = normalise_name(_text(holder, "name", where))

    filed: dict[str, list[Licence]] = {number: [] for number in names}
    for index, holder in enumerate(holders):
        owner = numbers_by_key[holder["key"]]
        records = holder.get("licences", [])
        if not isinstance(records, list):
            raise ValueError(f"licence data: holders[{index}].licences must be a list")
        for position, record in enumerate(records):
            where = f"holders[{index}].licences[{position}]"
            licence = _licence(record, where, holder)
            also = record.get("also_filed_under", [])
            if not isinstance(also, list) or not all(k in numbers_by_key for k in also):
                raise ValueError(f"licence data: {where}.also_filed_under names an unknown key")
            for number in dict.fromkeys([owner, *(numbers_by_key[k] for k in also)]):
                filed[number].append(licence)
    return names, filed


def _licence(record: Any, where: str, holder: Mapping[str, Any]) -> Licence:
    if not isinstance(record, dict):
        raise ValueError(f"licence data: {where} must be an object")
    try:
        licence_type = LicenceType(record.get("type", ""))
    except ValueError:
        raise ValueError(f"licence data: {where} has an unknown type") from None
    fields = record.get("fields", {})
    if not isinstance(fields, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
    ):
        raise ValueError(f"licence data: {where}.fields must map strings to strings")
    holder_id_number = str(record.get("holder_id_number", holder["id_number"]))
    if holder_id_number and not idnumber.is_valid(holder_id_number):
        raise ValueError(f"licence data: {where} has an invalid holder_id_number")
    valid_until = record.get("valid_until")
    return Licence(
        type=licence_type,
        number=_text(record, "number", where),
        holder_name=str(record.get("holder_name", holder["name"])),
        holder_id_number=holder_id_number,
        issuer=_text(record, "issuer", where),
        issued_on=_date(_text(record, "issued_on", where), where),
        valid_until=None if valid_until is None else _date(str(valid_until), where),
        fields=MappingProxyType(dict(fields)),  # shared between reads: nobody may edit it
    )


def _text(record: Mapping[str, Any], name: str, where: str) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"licence data: {where}.{name} must be a non-empty string")
    return value


def _date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"licence data: {where} has a date that is not YYYY-MM-DD") from None
