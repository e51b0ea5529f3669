"""Schema assembly: root types, limits and caches (built once; see domain/graphql.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import IgnoreContext
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from accessibility.i18n import _
from bff.schema.appointments import AppointmentMutation, AppointmentQuery
from bff.schema.cases import CaseMutation, CaseQuery, CaseSubscription
from bff.schema.catalogue import (
    Bundle,
    CatalogueQuery,
    Department,
    Hall,
    ServiceItem,
)
from bff.schema.context import Context
from bff.schema.errors import ErrorFormatter
from bff.schema.flows import FlowMutation, FlowQuery
from bff.schema.identity import IdentityMutation, IdentityQuery
from bff.schema.ratings import RatingMutation, RatingQuery
from bff.settings import Settings


@strawberry.type(description="Colours to use; every text/background pair meets minContrastRatio.")
class Palette:
    text: str
    background: str
    accent: str
    on_accent: str
    warning: str


@strawberry.type(
    description="Presentation hints a client applies directly: the MIIT 适老化 numbers in elder "
    "mode (text ≥ 18 px, largest ≥ 30 px, line height ≥ 1.3, targets ≥ 60 px) and WCAG AAA "
    "contrast."
)
class Presentation:
    mode: str = strawberry.field(description="standard or elder.")
    locale: str = strawberry.field(description="Locale of the texts in this response.")
    body_font_px: int
    largest_font_px: int
    line_height: float
    paragraph_spacing: float
    touch_target_px: int
    min_contrast_ratio: float
    max_list_items: int | None = strawberry.field(description="Lists are capped at this length.")
    show_promotions: bool = strawberry.field(description="False in elder mode: show no promotions.")
    palette: Palette
    hotline: str = strawberry.field(description="Help line to offer on every screen.")


@strawberry.type(description="A promotional highlight for the home screen. Never in elder mode.")
class Highlight:
    title: str
    subtitle: str
    item_code: str | None
    bundle_code: str | None


HIGHLIGHTS = [
    (_("Withdraw your housing fund by face"), _("No papers, paid in seconds"), "公积金", None),
    (
        _("Newborn: one application for everything"),
        _("Birth certificate, hukou, social security card"),
        None,
        "bundle-newborn",
    ),
    (_("Open on weekends"), _("Five kinds of matters at the weekend halls"), None, None),
]


@strawberry.type
class Mutation(IdentityMutation, CaseMutation, RatingMutation, AppointmentMutation, FlowMutation):
    pass


@strawberry.type
class Subscription(CaseSubscription):
    pass


@strawberry.type
class Query(CatalogueQuery, IdentityQuery, CaseQuery, RatingQuery, AppointmentQuery, FlowQuery):
    @strawberry.field(description="Presentation hints for this request (standard or elder mode).")
    def presentation(self, info: Info[Context, None]) -> Presentation:
        ctx = info.context
        p = ctx.profile
        return Presentation(
            mode=p.mode.value,
            locale=ctx.locale,
            body_font_px=p.body_font_px,
            largest_font_px=p.largest_font_px,
            line_height=p.line_height,
            paragraph_spacing=p.paragraph_spacing,
            touch_target_px=p.touch_target_px,
            min_contrast_ratio=p.min_contrast_ratio,
            max_list_items=p.max_list_items,
            show_promotions=p.show_promotions,
            palette=Palette(
                text=p.palette.text,
                background=p.palette.background,
                accent=p.palette.accent,
                on_accent=p.palette.on_accent,
                warning=p.palette.warning,
            ),
            hotline=ctx.settings.hotline,
        )

    @strawberry.field(description="Home-screen promotions; always empty in elder mode.")
    def highlights(self, info: Info[Context, None]) -> list[Highlight]:
        ctx = info.context
        if not ctx.profile.show_promotions:
            return []
        return [
            Highlight(title=ctx._(t), subtitle=ctx._(s), item_code=None, bundle_code=b)
            for t, s, _category, b in HIGHLIGHTS
        ]


class HaobanSchema(strawberry.Schema):
    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        """Strawberry logs each error with the request's document, which may hold personal
        data typed into literals; ErrorFormatter logs unexpected errors without it."""


def _ignore_introspection(context: IgnoreContext) -> bool:
    return context.field_name.startswith("__")


def build_schema(settings: Settings) -> strawberry.Schema:
    """Validation rules are built once: per-request factories defeat the validation cache
    (strawberry #4635), which costs about 3x on small queries here."""
    depth_rule: type[ASTValidationRule] = depth_validator(
        settings.max_query_depth, should_ignore=_ignore_introspection
    )
    alias_rule: type[ASTValidationRule] = alias_validator(settings.max_aliases)
    rules: list[type[ASTValidationRule]] = [depth_rule, alias_rule]
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = []

    def limits() -> SchemaExtension:
        return MaxTokensLimiter(max_token_count=settings.max_tokens)

    def validation_rules() -> SchemaExtension:
        return AddValidationRules(rules)

    def parser_cache() -> SchemaExtension:
        return ParserCache(maxsize=1024)

    def validation_cache() -> SchemaExtension:
        return ValidationCache(maxsize=1024)

    def error_formatter() -> SchemaExtension:
        return ErrorFormatter(mask_unexpected=not settings.is_dev)

    extensions += [limits, validation_rules, parser_cache, validation_cache, error_formatter]
    if not settings.is_dev:
        extensions.append(DisableIntrospection)
    return HaobanSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[ServiceItem, Bundle, Department, Hall],
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=not settings.is_dev),
    )
