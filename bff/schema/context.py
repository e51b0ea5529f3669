"""The per-request GraphQL context: database, Redis, presentation, locale and loaders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property

from strawberry.fastapi import BaseContext

from accessibility.i18n import Translator
from accessibility.presentation import Presentation, PresentationProfile, profile_for
from bff.catalogue.repository import CatalogueRepository
from bff.catalogue.service import CatalogueService
from bff.db import RequestDatabase
from bff.schema.loaders import Loaders
from bff.state import AppState, catalogue_version


class Context(BaseContext):
    def __init__(
        self, *, state: AppState, db: RequestDatabase, presentation: Presentation, locale: str
    ) -> None:
        super().__init__()
        self.state = state
        self.settings = state.settings
        self.db = db
        self.presentation = presentation
        self.locale = locale
        self.translator = Translator(locale)
        self._catalogue_version: int | None = None

    @property
    def profile(self) -> PresentationProfile:
        return profile_for(self.presentation)

    @property
    def elder(self) -> bool:
        return self.presentation is Presentation.ELDER

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.db)

    def _(self, message: str, **params: object) -> str:
        return self.translator.gettext(message, **params)

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
