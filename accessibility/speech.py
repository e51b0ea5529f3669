"""Dates and case states as people say them, for the elder rendering and read-aloud."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from accessibility.i18n import Translator, _

STATUS_SENTENCES = {
    "submitted": _("We have received your application and will accept it soon."),
    "accepted": _("Your application was accepted; it should be done by %(date)s."),
    "processing": _("Your materials are in and being reviewed; it should be done by %(date)s."),
    "supplement": _("Please add: %(materials)s. The clock waits until you do."),
    "special_procedure": _("A special procedure is under way; the clock is paused meanwhile."),
    "approved": _("Approved on %(date)s."),
    "denied": _("Not approved. Please see the reason in the details or call %(hotline)s."),
    "not_accepted": _("Not accepted. Please see the reason in the details or call %(hotline)s."),
    "delivered": _("All done, and the result has been delivered."),
    "withdrawn": _("You withdrew this application."),
}


def spoken_date(day: date, translator: Translator) -> str:
    """12月3日（星期三） in Chinese; Wednesday 3 December in English."""
    if translator.locale.startswith("zh"):
        return format_date(day, "M月d日（EEEE）", locale=translator.babel_locale)
    return format_date(day, "EEEE d MMMM", locale=translator.babel_locale)


def status_sentence(
    *,
    status: str,
    translator: Translator,
    deadline: date | None,
    concluded_on: date | None,
    missing_materials: list[str],
    hotline: str,
) -> str:
    """One plain sentence for a case, e.g. 材料已收到，正在审核，预计12月3日（星期三）前办好。"""
    template = STATUS_SENTENCES.get(status, STATUS_SENTENCES["submitted"])
    when = deadline if status in ("accepted", "processing") else concluded_on
    sep = "、" if translator.locale.startswith("zh") else ", "
    params: dict[str, object] = {
        "date": spoken_date(when, translator) if when else "",
        "materials": sep.join(missing_materials) if missing_materials else "",
        "hotline": hotline,
    }
    if status in ("accepted", "processing") and deadline is None:
        template = STATUS_SENTENCES["submitted"]
    needed = {k: v for k, v in params.items() if f"%({k})s" in template}
    return translator.gettext(template, **needed)
