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
