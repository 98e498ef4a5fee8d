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
from audiogpt.evaluation.media import SIGNAL_S, MediaFactory
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
