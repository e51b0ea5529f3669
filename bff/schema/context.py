"""The per-request GraphQL context: database, Redis, presentation, locale and loaders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from accessibility.i18n import Translator
from accessibility.presentation import Presentation, PresentationProfile, profile_for
from auth.tokens import AuthError
from auth.viewer import Viewer, unauthenticated
from bff.catalogue.repository import CatalogueRepository
from bff.catalogue.service import CatalogueService
from bff.db import RequestDatabase
from bff.schema.loaders import Loaders
from bff.state import AppState, catalogue_version

if TYPE_CHECKING:
    from bff.flows.service import Helper


class Context(BaseContext):
    def __init__(
        self,
        *,
        state: AppState,
        db: RequestDatabase,
        presentation: Presentation,
        locale: str,
        viewer: Viewer | None = None,
        auth_error: AuthError | None = None,
        client_ip: str = "unknown",
    ) -> None:
        super().__init__()
        self.viewer = viewer
        self.auth_error = auth_error
        self.client_ip = client_ip
        self.state = state
        self.settings = state.settings
        self.db = db
        self.presentation = presentation
        self.locale = locale
        self.translator = Translator(locale)
        self._catalogue_version: int | None = None
        # graphql-transport-ws: the connection_init payload (browsers cannot set headers).
        self.connection_params: dict[str, object] | None = None

    @property
    def profile(self) -> PresentationProfile:
        return profile_for(self.presentation)

    @property
    def elder(self) -> bool:
        return self.presentation is Presentation.ELDER

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.db)

    @cached_property
    def flow_helpers(self) -> DataLoader[str, list[Helper]]:
        """Relatives each citizen may ask to finish an application, one batch per request."""
        from bff.flows.runtime import flow_service

        async def load(user_ids: list[str]) -> list[list[Helper]]:
            async with self.db.use() as session:
                found = await flow_service(self.state, session).helpers_of(
                    user_ids, now=datetime.now(UTC)
                )
            return [found.get(user_id, []) for user_id in user_ids]

        return DataLoader(load_fn=load)

    def _(self, message: str, **params: object) -> str:
        return self.translator.gettext(message, **params)

    def require_viewer(self) -> Viewer:
        """The signed-in viewer, or UNAUTHENTICATED / TOKEN_EXPIRED with the next step."""
        if self.viewer is None:
            raise unauthenticated(self.auth_error)
        return self.viewer

    async def catalogue_version(self) -> int:
        if self._catalogue_version is None:
            self._catalogue_version = await catalogue_version(self.state)
        return self._catalogue_version

    @asynccontextmanager
    async def catalogue(self) -> AsyncIterator[CatalogueService]:
        version = await self.catalogue_version()
        async with self.db.use() as session:
            yield CatalogueService(
                repo=CatalogueRepository(session), search=self.state.search, version=version
            )
