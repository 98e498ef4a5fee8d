"""bench/gpu_check.py starts and measures on a machine without CUDA (CPU rows, says CUDA is absent)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "gpu_check.py"


@pytest.mark.slow
def test_gpu_check_runs_on_a_cpu_machine() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this test describes a machine without CUDA; on a GPU the script itself is the check")
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--tasks", "voice_activity_detection", "--devices", "cuda,cpu"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "CUDA is not available here" in out.stdout
    rows = re.findall(r"^\| voice_activity_detection \| (\w+) \| (\w+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|",
                      out.stdout, re.MULTILINE)  # fmt: skip
    assert [r[:2] for r in rows] == [("cpu", "cpu")]  # no CUDA row without CUDA
    load_s, cold_s, warm_s = map(float, rows[0][2:])
    assert load_s >= 0 and cold_s > 0 and warm_s > 0
    assert "pytest -m gpu: not run (no CUDA here)" in out.stdout


@pytest.mark.slow
def test_gpu_check_takes_its_speech_from_a_file(tmp_path: Path) -> None:
    # for a GPU machine without Piper: the speech is made elsewhere and carried
    import numpy as np
    import soundfile as sf

    wav = tmp_path / "speech.wav"
    sf.write(wav, np.random.default_rng(0).normal(0, 0.1, 16000 * 3).astype(np.float32), 16000)
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--input", str(wav), "--tasks", "voice_activity_detection",
         "--devices", "cpu", "--no-pytest"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "input: 3.0 s of" in out.stdout
    assert re.search(r"^\| voice_activity_detection \| cpu \| cpu \|", out.stdout, re.MULTILINE)


@pytest.mark.slow
def test_generation_check_runs_on_tiny_checkpoints_on_the_cpu() -> None:
    script = SCRIPT.with_name("gpu_generation_check.py")
    out = subprocess.run([sys.executable, str(script), "--tiny"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = re.findall(r"^\| (text_to_\w+) \| ([^|]+?) \| (\d+) \| (\d) \| ([\d.]+|-) \| ([\d.]+|-) \|",
                      out.stdout, re.MULTILINE)  # fmt: skip
    assert [(r[0], r[1]) for r in rows] == [
        ("text_to_audio", "default"), ("text_to_audio", "fast"), ("text_to_audio", "batch4"),
        ("text_to_audio", "batch4 one generator (raw)"), ("text_to_music", "default"),
        ("text_to_music", "static cache without CUDA graph (raw)"), ("text_to_music", "30 s (project)"),
    ]  # fmt: skip
    for task, what, _, _, raw_s, project_s in rows:
        assert (raw_s == "-") == what.endswith("(project)") and (project_s == "-") == what.endswith("(raw)")
        assert all(float(v) > 0 for v in (raw_s, project_s) if v != "-"), (task, what)


@pytest.mark.slow
def test_generation_check_times_audioldm2_when_asked() -> None:
    script = SCRIPT.with_name("gpu_generation_check.py")
    cmd = [sys.executable, str(script), "--tiny", "--tta", "audioldm2", "--tasks", "text_to_audio", "--runs", "fast"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert re.findall(r"^\| (text_to_\w+) \| (\w+) \|", out.stdout, re.MULTILINE) == [("text_to_audio", "fast")]
    assert re.search(r"^text_to_audio: AudioLDM2TTA loaded in [\d.]+ s", out.stdout, re.MULTILINE)
