"""Response pictures: right size, drawn for odd inputs, and showing the signal that is there."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from audiogpt import plots
from audiogpt.audio import Audio
from tests.conftest import tone


def test_waveform_spectrogram_shows_the_tone_at_its_frequency(tmp_path: Path) -> None:
    sr = 16000
    out = plots.waveform_spectrogram(Audio(tone(2000, 2.0, sr, amp=0.8), sr), tmp_path / "a.png", "audio/x.wav")
    img = np.asarray(Image.open(out).convert("L"), dtype=float)
    assert img.shape == (plots.TOP + plots.WAVE_H + plots.GAP + plots.SPEC_H + plots.BOTTOM, plots.WIDTH)
    spec = img[plots.TOP + plots.WAVE_H + plots.GAP :][: plots.SPEC_H, plots.LEFT : plots.WIDTH - plots.RIGHT]
    brightest_row = int(spec.mean(axis=1).argmax())
    freq = (1 - brightest_row / (plots.SPEC_H - 1)) * sr / 2  # top row = Nyquist
    assert abs(freq - 2000) < sr / 2 / plots.SPEC_H * 3


def test_pictures_of_odd_audio(tmp_path: Path) -> None:
    for i, audio in enumerate(
        [
            Audio(np.zeros(5, np.float32), 8000),  # 5 samples
            Audio(np.zeros(16000, np.float32), 16000),  # silence
            Audio(np.stack([tone(), -tone()], axis=1), 16000),  # stereo
        ]
    ):
        path = plots.waveform_spectrogram(audio, tmp_path / f"{i}.png")
        assert Image.open(path).size[0] == plots.WIDTH
    assert not list(tmp_path.glob(".tmp-*"))


def test_timeline_with_and_without_events(tmp_path: Path) -> None:
    events = [{"label": "Dog", "start_s": 0.5, "end_s": 1.2, "score": 0.8}]
    for name, evs in (("some.png", events), ("none.png", [])):
        path = plots.event_timeline(evs, 4.0, tmp_path / name)
        assert path.read_bytes().startswith(b"\x89PNG")
