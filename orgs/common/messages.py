"""Translated messages for the pure modules (identifiers, import values), which may not import Django.

They mark their messages with `_` from here, so `makemessages` collects them as usual. Until the app starts,
`_` returns the Chinese source text; `OrgsConfig.ready()` installs Django's `gettext`, so that in the running
application every message comes out in the user's language, translated when it is raised, as before."""
from __future__ import annotations

from collections.abc import Callable


def _identity(message: str) -> str:
    return message


_translate: Callable[[str], str] = _identity


def install_translation(translate: Callable[[str], str]) -> None:
    """Called once at start-up with `django.utils.translation.gettext`."""
    global _translate
    _translate = translate


def _(message: str) -> str:
    """The message in the active language (the source text before a translation is installed)."""
    return _translate(message)
