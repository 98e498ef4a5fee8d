"""Text at the edges: whatever arrives (CLI bytes, a UI box, the Python API, an LLM's answer) is
made valid, storable UTF-8 before anything else sees it.

Invalid bytes and lone surrogates become U+FFFD (the replacement character) rather than being
dropped, so the user can see where their text was damaged; control characters other than tab
and newline are removed (a NUL cannot reach SQLite, a file name or a TTS engine); the result is
NFC-normalized so the same words always compare equal.
"""

from __future__ import annotations

import re
import unicodedata

REPLACEMENT = "\ufffd"
_SURROGATES = re.compile("[\ud800-\udfff]")
# C0 controls except \t and \n, DEL, and the C1 controls: never meaningful in a request.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str | bytes | None) -> str:
    """``text`` as valid UTF-8 without control characters (see the module docstring)."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    try:
        # Undo surrogateescape (how Python hands invalid bytes in argv to us), then decode properly.
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", errors="replace")
    except UnicodeEncodeError:
        text = _SURROGATES.sub(REPLACEMENT, text)  # lone surrogates from the Python API or JSON
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    return unicodedata.normalize("NFC", text)


def storable(text: str | None) -> str:
    """Text SQLite can store as UTF-8 (surrogates replaced); nothing else is changed."""
    if not text:
        return text or ""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _SURROGATES.sub(REPLACEMENT, text)
