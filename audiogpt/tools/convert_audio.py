"""convert_audio: another format, sample rate, channel count or bit depth."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, Self, get_args

from pydantic import Field, model_validator

from audiogpt.observation import Observation
from audiogpt.slots import has
from audiogpt.tools.base import AudioFile, Tool, ToolInput

OutputFormat = Literal["wav", "flac", "mp3", "ogg", "opus"]
OUTPUT_FORMATS: tuple[str, ...] = get_args(OutputFormat)


class ConvertAudioInput(ToolInput):
    audio: AudioFile
    format: OutputFormat | None = Field(None, description="output file format")
    sample_rate: int | None = Field(None, ge=8000, le=192_000, description="output sample rate in Hz")
    channels: Literal[1, 2] | None = Field(None, description="1 = mono (average), 2 = stereo")
    bit_depth: Literal[16, 24, 32] | None = Field(None, description="wav/flac sample size; 32 = float (wav only)")

    @model_validator(mode="after")
    def _check_target(self) -> Self:
        if self.format is None and self.sample_rate is None and self.channels is None and self.bit_depth is None:
            raise ValueError("say what to convert to: format, sample_rate, channels or bit_depth")
        if self.bit_depth is not None and (self.format or "wav") not in ("wav", "flac"):
            raise ValueError(f"bit_depth applies to wav and flac, not {self.format}")
        if self.bit_depth == 32 and self.format == "flac":
            raise ValueError("flac stores at most 24 bits; use wav for 32-bit float")
        return self


_FORMAT_RE = re.compile(r"\b(mp3|flac|wave?|ogg|vorbis|opus)\b", re.I)


# what the recording is now, not what it should become: "this is a flac", "from 8 kHz", "refuses mono files"
_SOURCE_RE = re.compile(r"\b(?:is|was|it'?s|are|from|of|not|no|refuses?|rejects?|instead\s+of|than)\s+"
                        r"(?:an?\s+|in\s+|the\s+)?$", re.I)  # fmt: skip
_TARGET_RE = re.compile(r"\b(?:to|into|as|in|at)\s+(?:an?\s+)?$|\b(?:wants?|needs?|reads?|plays?|accepts?|only)\s+"
                        r"(?:\w+\s+){0,2}?$", re.I)  # fmt: skip
_RATE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(khz|k|hz)\b|"
                      r"\b(8000|11025|16000|22050|24000|32000|44100|48000|88200|96000)\b", re.I)  # fmt: skip
_CHANNEL_RE = re.compile(r"\b(mono|one channel|single channel|1 channel|stereo|two channels|2 channels)\b", re.I)


def _wanted(text: str, found: list[re.Match[str]]) -> re.Match[str] | None:
    """Of the values said, the one asked for: the last not said of the recording as it is, one after
    "to / as / wants" first."""
    wanted = [m for m in found if not _SOURCE_RE.search(text[: m.start()])] or found[-1:]
    return next((m for m in wanted if _TARGET_RE.search(text[: m.start()])), wanted[-1] if wanted else None)


def convert_args(text: str) -> dict[str, Any]:
    """format / sample_rate / channels / bit_depth from "an mp3", "16 kHz mono", "24-bit flac"."""
    args: dict[str, Any] = {}
    if fmt := _wanted(text, list(_FORMAT_RE.finditer(text))):
        args["format"] = {"wave": "wav", "vorbis": "ogg"}.get(fmt.group(1).lower(), fmt.group(1).lower())
    elif has(r"\bsmaller\b|\bfile\s+size\b|\bfor\s+e-?mail\w*|\bless\s+space\b", text):
        args["format"] = "mp3"  # a much smaller file than wav
    if rate := _wanted(text, list(_RATE_RE.finditer(text))):
        value = float(rate.group(1)) * (1000 if rate.group(2).lower() in ("khz", "k") else 1) if rate.group(1) else (
            float(rate.group(3)))  # fmt: skip
        args["sample_rate"] = int({44.0: 44100.0, 22.0: 22050.0, 11.0: 11025.0}.get(value / 1000, value))
    if channels := _wanted(text, list(_CHANNEL_RE.finditer(text))):
        args["channels"] = 2 if has(r"stereo|two|2", channels.group(1)) else 1
    bits = re.search(r"\b(16|24|32)[- ]?bits?\b", text, re.I)
    if has(r"\bcd quality\b", text):
        args.setdefault("sample_rate", 44100)
        args["bit_depth"], args["channels"] = 16, args.get("channels", 2)
    if bits:
        args["bit_depth"] = int(bits.group(1))
    if args.get("bit_depth") and args.get("format", "wav") not in ("wav", "flac"):
        del args["bit_depth"]  # mp3/ogg/opus have no bit depth
    if args.get("bit_depth") == 32 and args.get("format") == "flac":
        args["bit_depth"] = 24
    return args


def describe(r: Observation) -> dict[str, Any]:
    """{detail}: the target format."""
    a = r.args
    parts = [a["format"]] if a.get("format") else []
    parts += [f"{a['sample_rate']} Hz"] if a.get("sample_rate") else []
    parts += [{1: "mono", 2: "stereo"}[a["channels"]]] if a.get("channels") in (1, 2) else []
    parts += [f"{a['bit_depth']}-bit"] if a.get("bit_depth") else []
    return {"detail": "to " + ", ".join(parts) if parts else "as asked"}


TOOL = Tool(
    name="convert_audio",
    category="editing",
    description="Convert audio to another format (wav, flac, mp3, ogg, opus), sample rate (high-quality "
    "resampling), channel count (mono/stereo) or bit depth.",
    input_model=ConvertAudioInput,
    output="audio",
    reply="Converted {input} {detail}: {output}{facts}",
    hint='Say what to convert to: a format (wav, flac, mp3, ogg, opus), a sample rate ("16 kHz"), mono/stereo '
    'or a bit depth ("24-bit").',
    capability="audiogpt.evaluation.properties:convert_audio",
    examples_path=Path(__file__).with_suffix(".yaml"),
    describe=describe,
    arguments=lambda text, _: convert_args(text),
    traits=frozenset({"format_converter", "merge_steps"}),
)
