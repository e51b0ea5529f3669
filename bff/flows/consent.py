"""The separate consent to face processing (PIPL Arts. 29–30; 人脸识别技术应用安全管理办法).

The text states the purpose, what is sent, to whom, what is kept and for how long, and the
alternative. Its version is recorded with the consent, with a hash of the text as shown, so
the record proves what the citizen agreed to. Change the text → bump the version.
"""

from __future__ import annotations

import hashlib

from accessibility.i18n import Translator, _

CONSENT_VERSION = "2026-11"

CONSENT_TITLE = _("Consent to face verification")
CONSENT_TEXT = _(
    "To confirm that you are applying in person, we will send your name and ID number to the "
    "face-verification service, which compares a live image of your face with your ID photo. "
    "Your face image is processed only by that service for this check; we do not store it. We "
    "keep only the result, the similarity score and the time, for the record of this "
    "application. You may refuse: then apply at a hall or by uploading materials instead. "
    "Face images are sensitive personal information; this consent is for this application only."
)


def consent_text(translator: Translator) -> str:
    return translator.gettext(CONSENT_TEXT)


def consent_hash(translator: Translator) -> str:
    """What the citizen saw, in their language, with the version."""
    shown = f"{CONSENT_VERSION}\n{translator.gettext(CONSENT_TITLE)}\n{consent_text(translator)}"
    return hashlib.sha256(shown.encode()).hexdigest()
