"""Small real media for the file names a request mentions: audio, a video with a sound track, an image.

Each file is written once per run under the factory's folder and uploaded into every session that
needs it (``Session.ingest`` copies it), so 300 requests do not make 300 files. Audio is speech
from the embedded TTS when a ``speak`` function is given (real models then have words to work
on), else a DSP test signal: a 220 Hz harmonic tone pulsed four times a second over faint noise.
A request that names times ("cut 2:00 to 2:30") gets files long enough to hold them
(:func:`needed_seconds`): the clip repeated with short pauses, in 10 s steps up to ``MAX_MEDIA_S``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import numpy as np

from audiogpt.audio import OPUS_RATES, WRITE_FORMATS, Audio, save_audio
from audiogpt.errors import UserError
from audiogpt.formats import EXTENSIONS

log = logging.getLogger(__name__)

SPEECH_TEXT = "The quick brown fox jumps over the lazy dog. Please call me back after lunch."
SIGNAL_S = 2.0  # seconds of the DSP test signal
SIGNAL_SR = 16000  # Hz
VIDEO_SIZE, VIDEO_FPS = 64, 10  # pixels a side, frames per second
# Extensions soundfile writes that are not in audio.WRITE_FORMATS: extension → (format, subtype).
_EXTRA_AUDIO = {"oga": ("OGG", "VORBIS"), "aiff": ("AIFF", "PCM_16"), "aif": ("AIFF", "PCM_16")}
# Video container → (video codec, audio codec, audio rate in Hz).
_FFMPEG_AUDIO = {"m4a": ("aac", 44100), "aac": ("aac", 44100), "wma": ("wmav2", 44100), "mka": ("flac", 44100)}
_VIDEO_CODECS = {"webm": ("libvpx", "libopus", 48000), "avi": ("mpeg4", "mp2", 44100)}
_DEFAULT_VIDEO_CODECS = ("mpeg4", "aac", 44100)

MAX_MEDIA_S = 180.0  # longest file a request's times can ask for ("a 2-hour recording" still gets 180 s)
_GAP_S = 0.5  # pause between repeats of the clip
_CLOCK_RE = re.compile(r"\b(\d{1,2}):([0-5]\d)\b")
_AMOUNT_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-\s*)?(s|secs?|seconds?|min|mins|minutes?|h|hours?)\b", re.IGNORECASE)
_A_MINUTE_RE = re.compile(r"\b(?:a|one|the first|the last|first|last)\s+minute\b", re.IGNORECASE)

Speaker = Callable[[str], Audio]


def needed_seconds(request: str) -> float:
    """How long a request's files must be for the times it names to exist (0 when it names none).

    The longest time mentioned (clock times like 2:30, amounts like 40 s / 2 minutes, "the first
    minute") plus a fifth and 2 s, at most ``MAX_MEDIA_S``. Independent of the router's own parsing.
    """
    times: list[float] = [int(m) * 60.0 + int(s) for m, s in _CLOCK_RE.findall(request)]
    scale = {"s": 1, "m": 60, "h": 3600}
    times += [float(n) * scale[unit[0].lower()] for n, unit in _AMOUNT_RE.findall(request)]
    times += [60.0] if _A_MINUTE_RE.search(request) else []
    return min(MAX_MEDIA_S, max(times) * 1.2 + 2.0) if times else 0.0


def lengthened(clip: Audio, seconds: float) -> Audio:
    """The clip repeated, with short pauses, until it lasts at least ``seconds``."""
    if clip.duration_s >= seconds:
        return clip
    gap = np.zeros((int(_GAP_S * clip.sample_rate), *clip.samples.shape[1:]), dtype=clip.samples.dtype)
    unit = np.concatenate([clip.samples, gap])
    repeats = int(np.ceil(seconds * clip.sample_rate / len(unit)))
    return Audio(np.concatenate([unit] * repeats), clip.sample_rate)


def test_signal(seconds: float = SIGNAL_S, sample_rate: int = SIGNAL_SR) -> Audio:
    """A deterministic, speech-band test signal (not silence, so every tool has something to process)."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    tone = sum(np.sin(2 * np.pi * 220.0 * h * t) / h for h in (1, 2, 3))
    envelope = 0.5 * (1 - np.cos(2 * np.pi * 4.0 * t))  # four pulses a second
    noise = np.random.default_rng(0).standard_normal(t.size) * 0.003
    return Audio((0.25 * tone * envelope + noise).astype(np.float32), sample_rate)


class MediaFactory:
    """Makes (once) and returns the path of a small real file called ``name`` of a given kind."""

    def __init__(self, root: str | Path, speak: Speaker | None = None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.speak = speak
        self._audio: Audio | None = None

    def path(self, name: str, kind: str, min_seconds: float = 0.0) -> Path:
        """The file ``name`` (a plain file name) holding media of ``kind`` (audio, video, image),
        whose sound lasts at least ``min_seconds`` (rounded up to 10 s; files of each length are kept
        apart)."""
        length = int(np.ceil(min(min_seconds, MAX_MEDIA_S) / 10.0)) * 10 if kind != "image" else 0
        target = self.root / kind / (f"{length}s" if length else "") / name
        if target.exists():
            return target
        ext = target.suffix.lower()
        extensions = EXTENSIONS
        if kind not in extensions:
            raise UserError(f"{name}: unknown media kind {kind!r}; kinds: {', '.join(extensions)}")
        if ext not in extensions[kind]:
            raise UserError(f"{name}: cannot make {kind} as {ext or 'no extension'}; use {', '.join(extensions[kind])}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == "image":
            _write_image(target)
        elif kind == "video":
            self._write_video(target, lengthened(self.audio(), length))
        else:
            self._write_audio(target, lengthened(self.audio(), length))
        return target

    def corrupt(self, name: str) -> Path:
        """A file called ``name`` that starts like a WAV file but holds no decodable audio."""
        target = self.root / "corrupt" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(64)))
        return target

    def audio(self) -> Audio:
        """The clip every audio file holds: TTS speech when possible, else the test signal."""
        if self._audio is None:
            if self.speak is not None:
                try:
                    self._audio = self.speak(SPEECH_TEXT)
                except Exception as exc:  # no TTS installed: the test signal still exercises every tool
                    log.warning("speech for test files could not be made (%s); using a test signal", exc)
            if self._audio is None:
                self._audio = test_signal()
        return self._audio

    def _write_audio(self, target: Path, audio: Audio) -> None:
        ext = target.suffix.lower().lstrip(".")
        if ext in WRITE_FORMATS:
            if ext == "opus" and audio.sample_rate not in OPUS_RATES:
                audio = audio.resample(16000)
            save_audio(audio, target)
            return
        if ext in _FFMPEG_AUDIO:  # m4a, aac, …: containers only FFmpeg writes
            import av

            codec, rate = _FFMPEG_AUDIO[ext]
            with av.open(str(target), mode="w") as container:
                _mux_sound(container, audio.mono().resample(rate), _sound_stream(container, codec, rate))
            return
        import soundfile as sf

        fmt, subtype = _EXTRA_AUDIO[ext]
        sf.write(str(target), audio.samples, audio.sample_rate, format=fmt, subtype=subtype)

    def _write_video(self, target: Path, audio_clip: Audio) -> None:
        """A small video (a moving gradient) whose sound track is ``audio_clip``."""
        import av

        vcodec, acodec, rate = _VIDEO_CODECS.get(target.suffix.lower().lstrip("."), _DEFAULT_VIDEO_CODECS)
        sound = audio_clip.mono().resample(rate)
        with av.open(str(target), mode="w") as container:
            video = cast("av.VideoStream", container.add_stream(vcodec, rate=VIDEO_FPS))
            video.width = video.height = VIDEO_SIZE
            video.pix_fmt = "yuv420p"
            audio = _sound_stream(container, acodec, rate)
            ramp = np.linspace(0, 255, VIDEO_SIZE, dtype=np.float32)
            for i in range(int(np.ceil(sound.duration_s * VIDEO_FPS))):
                row = ((ramp + 8 * i) % 256).astype(np.uint8)
                pixels = np.repeat(np.repeat(row[None, :, None], VIDEO_SIZE, 0), 3, 2)
                container.mux(video.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
            container.mux(video.encode(None))
            _mux_sound(container, sound, audio)


def _sound_stream(container: Any, codec: str, rate: int) -> Any:
    """A mono ``codec`` stream; every stream must exist before the first packet is written."""
    audio = container.add_stream(codec, rate=rate)
    audio.layout = "mono"
    return audio


def _mux_sound(container: Any, sound: Audio, audio: Any) -> None:
    """Encode mono ``sound`` (already at the stream's rate) into ``audio``, a stream of ``container``."""
    import av

    rate = audio.rate
    # an encoder takes frames of its own size (1024 for AAC); the resampler refills them
    fifo = av.AudioResampler(format=audio.format.name, layout="mono", rate=rate, frame_size=audio.frame_size or None)
    chunk = av.AudioFrame.from_ndarray(sound.samples[None, :].astype(np.float32), format="flt", layout="mono")
    chunk.sample_rate, chunk.time_base = rate, Fraction(1, rate)
    for piece in [*fifo.resample(chunk), *fifo.resample(None)]:
        container.mux(audio.encode(piece))
    container.mux(audio.encode(None))


def _write_image(target: Path) -> None:
    """A small gradient picture in the format of the extension."""
    from PIL import Image

    ramp = np.linspace(0, 255, VIDEO_SIZE, dtype=np.uint8)
    pixels = np.stack([np.tile(ramp, (VIDEO_SIZE, 1)), np.tile(ramp[:, None], (1, VIDEO_SIZE)),
                       np.full((VIDEO_SIZE, VIDEO_SIZE), 128, np.uint8)], axis=2)  # fmt: skip
    Image.fromarray(pixels, "RGB").save(target)
