"""A reference upstream that speaks the HTTP contract, serving a catalogue file.

Used by the contract tests (through httpx's ASGI transport) and handy for trying the HTTP
adapter locally: `uvicorn integrations.catalogue.reference_server:app`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Header, HTTPException, Query

from integrations.catalogue.local import DEMO_CATALOGUE, paginate


def create_reference_app(path: Path = DEMO_CATALOGUE, *, token: str | None = None) -> FastAPI:
    app = FastAPI(title="Reference catalogue upstream")

    @app.get("/catalogue/changes")
    def changes(
        limit: int = Query(200, ge=1, le=1000),
        since: str | None = None,
        page_token: str | None = None,
        authorization: str | None = Header(default=None),
    ) -> dict[str, Any]:
        if token and authorization != f"Bearer {token}":
            raise HTTPException(401, "bad token")
        raw = path.read_bytes()
        cursor = "sha256:" + hashlib.sha256(raw).hexdigest()
        if since == cursor:
            return {"cursor": cursor, "has_more": False}
        pages = paginate(json.loads(raw), limit, cursor)
        index = int(page_token) if page_token and page_token.isdigit() else 0
        if index >= len(pages):
            raise HTTPException(400, "page_token out of range")
        body: dict[str, Any] = pages[index].model_dump()
        if pages[index].has_more:
            body["next_page_token"] = str(index + 1)
        return body

    return app


app = create_reference_app()
