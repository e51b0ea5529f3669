"""The guide (办事指南) in short sentences: what to bring, where to go, how long, whom to call.

The same sentences serve the window, the app and read-aloud, so the guide is one text
everywhere (the reform's "同一指南"); the simple style keeps only what an elder needs.
"""

from __future__ import annotations

from collections.abc import Sequence

from accessibility.i18n import Translator
from bff.catalogue.models import Department, Hall, Material, MaterialSource, ServiceItem

MAX_SIMPLE_MATERIALS = 3


def _join(translator: Translator, parts: Sequence[str]) -> str:
    sep = "、" if translator.locale.startswith("zh") else ", "
    return sep.join(parts)


def simple_guide(
    *,
    translator: Translator,
    item: ServiceItem,
    materials: Sequence[Material],
    halls: Sequence[Hall],
    department: Department | None,
    hotline: str,
    full: bool,
) -> list[str]:
    _ = translator.gettext
    sentences: list[str] = []
    required = [mat for mat in materials if mat.required]
    to_bring = [mat for mat in required if mat.source == MaterialSource.UPLOAD]
    fetched = [mat for mat in required if mat.source != MaterialSource.UPLOAD]

    if full and item.conditions:
        sentences.append(
            _("Who can apply: %(conditions)s.", conditions=item.conditions.rstrip("。."))
        )
    if not to_bring:
        sentences.append(_("You need not bring any papers."))
    else:
        shown = to_bring if full else to_bring[:MAX_SIMPLE_MATERIALS]
        names = _join(translator, [mat.name for mat in shown])
        if len(shown) < len(to_bring):
            sentences.append(
                _(
                    "Bring %(names)s and %(more)s more.",
                    names=names,
                    more=len(to_bring) - len(shown),
                )
            )
        else:
            sentences.append(_("Bring %(names)s.", names=names))
    if fetched:
        sentences.append(
            _(
                "We fetch %(names)s for you.",
                names=_join(translator, [m.name for m in fetched[:MAX_SIMPLE_MATERIALS]]),
            )
        )
    if item.channel_mobile or item.channel_online:
        sentences.append(_("You can do it on your phone."))
    if item.visits == 0:
        sentences.append(_("No trip to an office is needed."))
    elif halls:
        hall = halls[0]
        sentences.append(_("Go to %(hall)s, %(address)s.", hall=hall.name, address=hall.address))
        if item.weekend_available:
            sentences.append(_("It is also open on Saturday and Sunday."))
    if item.promise_days is not None:
        if item.promise_days == 0:
            sentences.append(_("It is done on the spot."))
        else:
            sentences.append(_("It takes %(days)s working days.", days=item.promise_days))
    if full:
        if item.fee_charged:
            sentences.append(_("There is a fee: %(fee)s.", fee=(item.fee_text or "").rstrip("。.")))
        else:
            sentences.append(_("It is free."))
        if department is not None:
            sentences.append(_("Handled by %(department)s.", department=department.name))
    sentences.append(_("Questions? Call %(hotline)s.", hotline=hotline))
    return sentences
