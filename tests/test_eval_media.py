"""Media made for request files: real, decodable files of the named kind and format."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from audiogpt.audio import Audio, load_audio
from audiogpt.errors import UserError
from audiogpt.evaluation.media import MAX_MEDIA_S, SIGNAL_S, MediaFactory, needed_seconds
from audiogpt.metrics import dominant_frequency


@pytest.mark.parametrize("name", ["example.wav", "song.mp3", "take.flac", "memo.ogg", "call.opus", "old.aiff"])
def test_audio_in_the_named_format(tmp_path: Path, name: str) -> None:
    path = MediaFactory(tmp_path).path(name, "audio")
    audio = load_audio(path)  # the product's own reader accepts it
    assert path.name == name and audio.duration_s == pytest.approx(SIGNAL_S, abs=0.1)
    assert dominant_frequency(audio.samples, audio.sample_rate) == pytest.approx(220.0, rel=0.02)


@pytest.mark.parametrize("name", ["clip.mp4", "talk.webm", "scene.mov", "old.avi"])
def test_video_has_a_picture_and_a_sound_track(tmp_path: Path, name: str) -> None:
    path = MediaFactory(tmp_path).path(name, "video")
    with av.open(str(path)) as container:
        assert container.streams.video and container.streams.audio
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
    assert samples / stream.rate == pytest.approx(SIGNAL_S, abs=0.1)


@pytest.mark.parametrize("name", ["photo.jpg", "cover.png", "art.webp"])
def test_images(tmp_path: Path, name: str) -> None:
    with Image.open(MediaFactory(tmp_path).path(name, "image")) as img:
        assert img.size == (64, 64) and img.format == {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[name.split(".")[1]]


def test_files_are_made_once_and_bad_names_refused(tmp_path: Path) -> None:
    factory = MediaFactory(tmp_path)
    first = factory.path("a.wav", "audio")
    mtime = first.stat().st_mtime_ns
    assert factory.path("a.wav", "audio").stat().st_mtime_ns == mtime
    assert abs(load_audio(factory.path("song.m4a", "audio")).duration_s - load_audio(first).duration_s) < 0.1
    with pytest.raises(UserError, match=r"cannot make audio as \.xyz"):
        factory.path("song.xyz", "audio")
    with pytest.raises(UserError, match="unknown media kind"):
        factory.path("x.wav", "sound")
    with pytest.raises(Exception, match="not a readable audio file"):
        load_audio(factory.corrupt("broken.wav"))


def test_speech_comes_from_the_speaker_with_a_fallback(tmp_path: Path) -> None:
    voice = Audio(np.full(22050, 0.25, np.float32), 22050)
    spoken = MediaFactory(tmp_path / "a", speak=lambda text: voice).path("v.wav", "audio")
    assert sf.info(str(spoken)).samplerate == 22050 and sf.info(str(spoken)).duration == pytest.approx(1.0)

    def broken(text: str) -> Audio:
        raise RuntimeError("no TTS here")

    fallback = MediaFactory(tmp_path / "b", speak=broken).path("v.wav", "audio")
    assert sf.info(str(fallback)).duration == pytest.approx(SIGNAL_S)


@pytest.mark.parametrize(
    ("request_text", "seconds"),
    [
        ("transcribe it", 0.0),
        ("cut the part from 2:00 to 2:30 out", min(MAX_MEDIA_S, 150 * 1.2 + 2)),
        ("trim 5-15s, speed 1.1x", 15 * 1.2 + 2),
        ("keep just the first minute", 60 * 1.2 + 2),
        ("drop everything after 1.5 minutes", 90 * 1.2 + 2),
        ("VAD on this 2-hour recording", MAX_MEDIA_S),
    ],
)
def test_needed_seconds(request_text: str, seconds: float) -> None:
    assert needed_seconds(request_text) == pytest.approx(seconds)


def test_files_are_long_enough_for_the_times_a_request_names(tmp_path: Path) -> None:
    factory = MediaFactory(tmp_path)
    short, long = factory.path("a.wav", "audio"), factory.path("a.wav", "audio", min_seconds=25.0)
    assert short != long  # each length is its own file
    audio = load_audio(long)
    assert 30.0 <= audio.duration_s < 30.0 + SIGNAL_S + 1  # rounded up to 10 s steps
    # the clip repeats with pauses: the same tone, and silence between the repeats
    assert dominant_frequency(audio.samples[: audio.sample_rate], audio.sample_rate) == pytest.approx(220.0, rel=0.02)
    pause = audio.samples[int(SIGNAL_S * audio.sample_rate) + 100 : int((SIGNAL_S + 0.4) * audio.sample_rate)]
    assert np.abs(pause).max() == 0.0
    with av.open(str(factory.path("clip.mp4", "video", min_seconds=12.0))) as container:
        stream = container.streams.audio[0]
        assert sum(frame.samples for frame in container.decode(stream)) / stream.rate >= 12.0
