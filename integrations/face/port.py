"""The port to a face-verification provider (Tencent FaceID today; Alipay and WeChat have the
same shape: start, a client step, a server-side pull)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from integrations.face.models import FaceResult, FaceStart, FaceSubject


class FaceVerifier(Protocol):
    """Starts checks, recognises the citizen's return, pulls results.

    Every method raises `FaceProviderError` when the provider cannot answer. A face that does
    not pass is not an error: it is a `FaceResult` with status FAILED.
    """

    provider: str

    async def start(self, *, flow_id: str, subject: FaceSubject, return_url: str) -> FaceStart:
        """Open a check for `subject`; the provider sends the browser back to `return_url`.
        `flow_id` travels with the check and comes back in the result."""
        ...

    async def parse_callback(
        self, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> str | None:
        """The provider_ref named by a genuine return of the citizen's browser, or None.

        Checks the signature and its freshness; never returns or implies a result (anything
        else in the query, such as a forged `result=pass`, is ignored). Makes no upstream call.
        """
        ...

    async def fetch_result(self, provider_ref: str) -> FaceResult:
        """The provider's current verdict, pulled server-side; the only source of pass/fail.
        May be called repeatedly: accepting a result once is the caller's job."""
        ...

    async def submit_photo(self, provider_ref: str, jpeg: bytes) -> None:
        """Photo (SDK) mode: relay an already-cleaned JPEG to the provider for this check.
        The photo is never stored or logged by us; the verdict still comes from
        `fetch_result`. Providers without a photo mode raise `FaceProviderError`
        (retryable=False)."""
        ...

    async def aclose(self) -> None: ...
