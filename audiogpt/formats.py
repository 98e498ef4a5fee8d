"""The file types AudioGPT accepts, defined once: extensions by kind, and a regex piece for each."""

from __future__ import annotations

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif", ".m4a", ".aac", ".wma", ".mka")
VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".webm", ".avi")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
EXTENSIONS = {"audio": AUDIO_EXTENSIONS, "video": VIDEO_EXTENSIONS, "image": IMAGE_EXTENSIONS}


def extension_pattern(*kinds: str) -> str:
    """A regular-expression alternation of the extensions of ``kinds`` without dots, longest first
    (``aiff|aif|…``), for matching file names in text: ``rf"\\b[\\w-]+\\.(?:{extension_pattern('audio')})\\b"``."""
    exts = {e.lstrip(".") for kind in kinds for e in EXTENSIONS[kind]}
    return "|".join(sorted(exts, key=lambda e: (-len(e), e)))
