"""Load, save, resample and validate audio (soundfile + scipy), with the configured limits.

Samples are float32 in [-1, 1], shaped ``(frames,)`` for mono or ``(frames, channels)``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiogpt.errors import UserError

FFMPEG_EXTENSIONS = (".m4a", ".aac", ".wma", ".mka")  # libsndfile cannot read these; PyAV (FFmpeg) decodes them
# Formats a tool can write: extension → (libsndfile container, default subtype).
WRITE_FORMATS = {
    "wav": ("WAV", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "ogg": ("OGG", "VORBIS"),
    "opus": ("OGG", "OPUS"),
}
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)  # the only rates libsndfile's Opus encoder takes


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


def load_audio(path: str | os.PathLike[str], max_duration_s: float | None = None, name: str | None = None) -> Audio:
    """Read an audio file as float32, refusing unreadable, empty, non-finite or too long files."""
    import soundfile as sf

    label = name or Path(path).name
    if Path(path).suffix.lower() in FFMPEG_EXTENSIONS:
        return decode_av(path, max_duration_s=max_duration_s, name=label).audio
    try:
        info = sf.info(str(path))
    except Exception as exc:  # libsndfile raises its own error types and RuntimeError
        raise AudioError(f"{label} is not a readable audio file ({_short(exc)})") from exc
    if info.frames == 0 or info.samplerate <= 0:
        raise AudioError(f"{label} contains no samples")
    duration = info.frames / info.samplerate
    if max_duration_s is not None and duration > max_duration_s:
        raise AudioError(
            f"{label} is {duration / 60:.1f} minutes long; the limit is {max_duration_s / 60:.1f} minutes "
            "(limits.max_duration_s in the config)"
        )
    try:
        samples, sr = sf.read(str(path), dtype="float32", always_2d=False)
    except Exception as exc:
        raise AudioError(f"{label} could not be decoded ({_short(exc)})") from exc
    return check_samples(Audio(samples, int(sr)), label)


@dataclass
class Decoded:
    """Audio decoded from a container by FFmpeg, with facts for the reply."""

    audio: Audio
    codec: str
    streams: int  # audio streams in the container
    source_channels: int  # before any downmix to stereo


def decode_av(
    path: str | os.PathLike[str], stream: int = 0, max_duration_s: float | None = None, name: str | None = None
) -> Decoded:
    """Decode one audio stream of any container FFmpeg reads (m4a, aac, mp4, mkv, …) with PyAV.

    The result is float32 at the stream's own rate; more than two channels are downmixed to stereo.
    """
    import av

    label = name or Path(path).name
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise AudioError(f"{label} is not readable ({_short(exc)})") from exc
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
        resampler = av.AudioResampler(format="flt", layout="mono" if channels == 1 else "stereo", rate=rate)
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(chosen):
                chunks += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(frame)]
            chunks += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(None)]
        except av.error.FFmpegError as exc:
            raise AudioError(f"the audio of {label} could not be decoded ({_short(exc)})") from exc
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
    if ext == "opus" and audio.sample_rate not in OPUS_RATES:
        raise AudioError(f"Opus takes {', '.join(map(str, OPUS_RATES))} Hz, not {audio.sample_rate} Hz")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(fd)
    try:
        sf.write(tmp, np.clip(audio.samples, -1.0, 1.0), audio.sample_rate, format=fmt, subtype=subtype)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
