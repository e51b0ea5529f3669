"""The port to an electronic licence library (电子证照库 / 证照共享平台)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from integrations.licences.models import FetchPurpose, LicenceLookup, LicenceType


class LicenceLibrary(Protocol):
    """Reads a person's electronic licences, several types in one call.

    - Every requested type gets an entry (duplicates are read once); an empty request makes
      no call and answers `{}`.
    - `holder_name` must be the name registered for `holder_id_number`; otherwise every type
      is NOT_FOUND, exactly as for an unknown person (a real library refuses a mismatched name
      and does not say whether the number exists).
    - EXPIRED when the licence's `valid_until` < `today`; the licence is still returned, so the
      citizen can be told which one to renew.
    - A 出生医学证明 is found through either parent's ID number.
    - More than `MAX_TYPES_PER_BATCH` types, an unknown type, an empty name or purpose, or a
      malformed ID number raise ValueError before any call.
    - Raises `LicenceLibraryError` (with `retryable`) when the library cannot answer.
    """

    async def fetch(
        self,
        *,
        holder_id_number: str,
        holder_name: str,
        types: Sequence[LicenceType],
        purpose: FetchPurpose,
        today: date,
    ) -> dict[LicenceType, LicenceLookup]: ...

    async def aclose(self) -> None: ...
