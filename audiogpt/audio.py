"""Load, save, resample and validate audio (soundfile + scipy), with the configured limits.

Samples are float32 in [-1, 1], shaped ``(frames,)`` for mono or ``(frames, channels)``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiogpt.errors import UserError

log = logging.getLogger(__name__)

FFMPEG_EXTENSIONS = (".m4a", ".aac", ".wma", ".mka")  # libsndfile cannot read these; PyAV (FFmpeg) decodes them
READABLE = ("WAV", "FLAC", "MP3", "Ogg/Opus", "AIFF", "M4A/AAC")  # what a user may send, in words
# Formats a tool can write: extension → (libsndfile container, default subtype).
WRITE_FORMATS = {
    "wav": ("WAV", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "ogg": ("OGG", "VORBIS"),
    "opus": ("OGG", "OPUS"),
}
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)  # the only rates libsndfile's Opus encoder takes
# MPEG-1, -2 and -2.5 Layer III rates; LAME (through libsndfile) refuses any other.
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
# What each written format holds: (most channels, lowest rate, highest rate, the rates it takes or None = any).
# Measured on libsndfile 1.2.2: mp3 refuses > 2 channels ("Format not recognised"), flac > 8 channels
# and > 655,350 Hz; libvorbis *crashes the process* at 256 channels or ~384 kHz, so ogg is held to a
# range that works (1-255 channels, up to 192 kHz), checked before libsndfile is called.
FORMAT_LIMITS: dict[str, tuple[int, int, int, tuple[int, ...] | None]] = {
    "wav": (1024, 1, 4_000_000, None),
    "flac": (8, 1, 655_350, None),
    "mp3": (2, 8000, 48000, MP3_RATES),
    "ogg": (255, 1, 192_000, None),
    "opus": (255, 8000, 48000, OPUS_RATES),
}


BYTES_PER_SAMPLE = 4  # decoded audio is float32


@dataclass(frozen=True)
class DecodeLimits:
    """What a file may decode to, checked from its header before any sample is decoded.

    A few kilobytes of FLAC can hold hours of 8-channel 96 kHz silence: the size on disk and the
    duration limit do not bound memory, frames × channels × 4 bytes does.
    """

    max_decoded_mb: float = 1024
    max_channels: int = 64
    max_sample_rate_hz: int = 192_000

    def check(self, label: str, frames: int, channels: int, sample_rate: int) -> None:
        """Refuse a file whose decoded samples would exceed the limits (config ``limits.*``)."""
        if channels > self.max_channels:
            raise AudioError(
                f"{label} has {channels} channels; the limit is {self.max_channels} (limits.max_channels in the config)"
            )
        if sample_rate > self.max_sample_rate_hz:
            raise AudioError(
                f"{label} is sampled at {sample_rate} Hz; the limit is {self.max_sample_rate_hz} Hz "
                "(limits.max_sample_rate_hz in the config)"
            )
        size_mb = frames * channels * BYTES_PER_SAMPLE / 2**20
        if size_mb > self.max_decoded_mb:
            raise AudioError(
                f"{label} would take {size_mb:,.0f} MB of memory once decoded ({channels} channels at "
                f"{sample_rate} Hz for {frames / sample_rate / 60:.1f} minutes); the limit is "
                f"{self.max_decoded_mb:,.0f} MB (limits.max_decoded_mb in the config): send fewer channels, "
                "a lower sample rate or a shorter file"
            )


DEFAULT_DECODE_LIMITS = DecodeLimits()


class AudioError(UserError):
    """The audio cannot be used: unreadable, empty, too long, or not finite."""


@dataclass
class Audio:
    """A block of samples and the rate they were recorded at."""

    samples: np.ndarray
    sample_rate: int

    def __post_init__(self) -> None:
        self.samples = np.asarray(self.samples, dtype=np.float32)
        if self.samples.ndim == 2 and self.samples.shape[1] == 1:
            self.samples = self.samples[:, 0]
        if self.samples.ndim not in (1, 2):
            raise AudioError(f"audio must be 1-D or 2-D (frames, channels), got shape {self.samples.shape}")
        if self.sample_rate <= 0:
            raise AudioError(f"sample rate must be positive, got {self.sample_rate}")

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def channels(self) -> int:
        return 1 if self.samples.ndim == 1 else int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate

    def mono(self) -> Audio:
        """The channels averaged into one."""
        if self.channels == 1:
            return self
        return Audio(self.samples.mean(axis=1), self.sample_rate)

    def resample(self, sample_rate: int, quality: str = "HQ") -> Audio:
        """Band-limited resampling to ``sample_rate`` Hz with soxr (``quality``: QQ, LQ, MQ, HQ or VHQ)."""
        if sample_rate == self.sample_rate:
            return self
        import soxr

        out = soxr.resample(self.samples, self.sample_rate, sample_rate, quality=quality)
        return Audio(np.ascontiguousarray(out, dtype=np.float32), sample_rate)


def check_samples(audio: Audio, what: str = "the audio") -> Audio:
    """Refuse audio a model cannot use: no samples, or NaN/inf values."""
    if audio.frames == 0:
        raise AudioError(f"{what} contains no samples")
    if not np.all(np.isfinite(audio.samples)):
        raise AudioError(f"{what} contains NaN or infinite samples; it is corrupt")
    return audio


def load_audio(
    path: str | os.PathLike[str],
    max_duration_s: float | None = None,
    name: str | None = None,
    limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
) -> Audio:
    """Read an audio file as float32, refusing unreadable, empty, non-finite, too long or too big files."""
    import soundfile as sf

    label = name or Path(path).name
    if Path(path).suffix.lower() in FFMPEG_EXTENSIONS:
        return decode_av(path, max_duration_s=max_duration_s, name=label, limits=limits).audio
    try:
        info = sf.info(os.fsencode(path))  # bytes: a name with undecodable bytes opens too
    except Exception as exc:  # libsndfile raises its own error types and RuntimeError
        log.info("cannot read %s: %s", label, _short(exc))
        raise AudioError(
            f"{label} is not a readable audio file: its contents are not {', '.join(READABLE)} audio "
            "(or the file is damaged)"
        ) from exc
    if info.frames == 0 or info.samplerate <= 0:
        raise AudioError(f"{label} contains no samples")
    duration = info.frames / info.samplerate
    if max_duration_s is not None and duration > max_duration_s:
        raise AudioError(
            f"{label} is {duration / 60:.1f} minutes long; the limit is {max_duration_s / 60:.1f} minutes "
            "(limits.max_duration_s in the config)"
        )
    limits.check(label, info.frames, info.channels, info.samplerate)
    try:
        samples, sr = sf.read(os.fsencode(path), dtype="float32", always_2d=False)
    except Exception as exc:
        log.info("cannot decode %s: %s", label, _short(exc))
        raise AudioError(f"{label} could not be decoded: the file is damaged or cut short") from exc
    return check_samples(Audio(samples, int(sr)), label)


@dataclass
class Decoded:
    """Audio decoded from a container by FFmpeg, with facts for the reply."""

    audio: Audio
    codec: str
    streams: int  # audio streams in the container
    source_channels: int  # before any downmix to stereo


def decode_av(
    path: str | os.PathLike[str],
    stream: int = 0,
    max_duration_s: float | None = None,
    name: str | None = None,
    limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
) -> Decoded:
    """Decode one audio stream of any container FFmpeg reads (m4a, aac, mp4, mkv, …) with PyAV.

    The result is float32 at the stream's own rate; more than two channels are downmixed to stereo.
    """
    import av

    label = name or Path(path).name
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        log.info("FFmpeg cannot open %s: %s", label, _short(exc))
        raise AudioError(f"{label} is not a readable audio or video file (or the file is damaged)") from exc
    with container:
        streams = list(container.streams.audio)
        if not streams:
            raise AudioError(f"{label} has no audio stream; there is no sound to extract")
        if stream >= len(streams):
            raise AudioError(f"{label} has {len(streams)} audio stream(s); audio stream {stream} does not exist")
        chosen = streams[stream]
        seconds = container.duration / 1_000_000 if container.duration else None
        if max_duration_s is not None and seconds is not None and seconds > max_duration_s:
            raise AudioError(
                f"{label} is {seconds / 60:.1f} minutes long; the limit is {max_duration_s / 60:.1f} minutes "
                "(limits.max_duration_s in the config)"
            )
        rate = int(chosen.codec_context.sample_rate or chosen.rate or 0)
        source_channels = int(chosen.codec_context.channels or 1)
        channels = min(source_channels, 2)
        if seconds is None and chosen.duration and chosen.time_base:
            seconds = float(chosen.duration * chosen.time_base)
        limits.check(label, int((seconds or 0) * rate), channels, rate)  # decoded as ≤ 2 channels
        resampler = av.AudioResampler(format="flt", layout="mono" if channels == 1 else "stereo", rate=rate)
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(chosen):
                chunks += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(frame)]
            chunks += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(None)]
        except av.error.FFmpegError as exc:
            log.info("FFmpeg cannot decode %s: %s", label, _short(exc))
            raise AudioError(f"the audio of {label} could not be decoded: the file is damaged or cut short") from exc
        codec = chosen.codec_context.name
    if not chunks or rate <= 0:
        raise AudioError(f"the audio stream of {label} contains no samples")
    audio = check_samples(Audio(np.concatenate(chunks), rate), f"the audio of {label}")
    return Decoded(audio, codec, len(streams), source_channels)


def save_audio(audio: Audio, path: str | os.PathLike[str], subtype: str | None = None) -> Path:
    """Write atomically (temporary file + rename), so a crash never leaves half a file.

    The format follows the extension (see ``WRITE_FORMATS``); ``subtype`` overrides its default
    sample format (e.g. ``PCM_24``, ``FLOAT``).
    """
    import soundfile as sf

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    ext = target.suffix.lstrip(".").lower() or "wav"
    if ext not in WRITE_FORMATS:
        raise AudioError(f"cannot write .{ext} files; formats = {', '.join(WRITE_FORMATS)}")
    fmt, default_subtype = WRITE_FORMATS[ext]
    subtype = subtype or default_subtype
    check_writable(ext, audio.channels, audio.sample_rate)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(fd)
    try:
        sf.write(tmp, np.clip(audio.samples, -1.0, 1.0), audio.sample_rate, format=fmt, subtype=subtype)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def format_limits(ext: str) -> str:
    """What ``ext`` holds, in words: "mp3 holds 1–2 channels at 8000, 11025, … or 48000 Hz"."""
    most, low, high, rates = FORMAT_LIMITS[ext]
    where = f"at {', '.join(map(str, rates[:-1]))} or {rates[-1]} Hz" if rates else f"at {low}–{high} Hz"
    return f"{ext} holds 1–{most} channels {where}"


def _fits(ext: str, channels: int, sample_rate: int) -> bool:
    most, low, high, rates = FORMAT_LIMITS[ext]
    return channels <= most and low <= sample_rate <= high and (rates is None or sample_rate in rates)


def check_writable(ext: str, channels: int, sample_rate: int) -> None:
    """Refuse, with what would work, audio that ``ext`` cannot hold (before libsndfile sees it)."""
    if _fits(ext, channels, sample_rate):
        return
    most, _low, high, rates = FORMAT_LIMITS[ext]
    fix = []
    if channels > most:
        fix.append("mono or stereo" if most == 2 else f"at most {most} channels")
    if not _fits(ext, 1, sample_rate):
        fix.append(f"{min(rates or (high,), key=lambda r: abs(r - sample_rate))} Hz")
    others = [e for e in FORMAT_LIMITS if e != ext and _fits(e, channels, sample_rate)]
    alt = f", or choose {' or '.join(others[:2])}" if others else ""
    raise AudioError(
        f"{format_limits(ext)}; this audio has {channels} channels at {sample_rate} Hz: "
        f"convert it to {' at '.join(fix)} first{alt}"
    )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
