"""A one-shot CLI turn imports only what it uses: no torch, sentence-transformers, scikit-learn or
matplotlib to speak two words with Piper once the router's index is cached (docs/benchmarks.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from foundation_models import base

HEAVY = ("torch", "sentence_transformers", "sklearn", "scipy", "transformers", "gradio", "matplotlib", "langgraph")

# Runs the CLI in-process so the modules it loaded can be listed afterwards.
PROBE = """
import json, runpy, sys
sys.argv = ["audiogpt", "run", "say 'hello there'", "--json"]
try:
    runpy.run_module("audiogpt.cli", run_name="__main__")
except SystemExit as exc:
    code = exc.code
heavy = [m for m in {heavy!r} if m in sys.modules]
print("MODULES " + json.dumps({{"code": code, "heavy": heavy}}), file=sys.stderr)
"""


def test_auto_device_on_a_machine_without_gpu_driver_skips_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os.path, "exists", lambda path: False)
    assert base.resolve_device("auto") == "cpu"
    assert "torch" not in sys.modules
    assert base.resolve_device("cuda:1") == "cuda:1"  # an explicit device is taken as given


def test_auto_device_asks_torch_where_a_driver_is(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os.path, "exists", lambda path: path == "/proc/driver/nvidia/version")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert base.resolve_device("auto") == "cuda"


@pytest.mark.slow
def test_one_shot_speech_turn_imports_only_what_it_uses(tmp_path: Path) -> None:
    from audiogpt import plots
    from audiogpt.engines import router
    from audiogpt.engines.router_index import load_index
    from audiogpt.prompts import read_prompt_yaml

    load_index(router._groups(read_prompt_yaml("router_examples.yaml")))  # the caches the CLI will find
    plots._magma()
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "AUDIOGPT_WORKSPACE": str(tmp_path / "ws"), "PYTHONPATH": root}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)], capture_output=True, text=True, env=env, timeout=300
    )
    line = next((ln for ln in out.stderr.splitlines() if ln.startswith("MODULES ")), None)
    assert line is not None, out.stderr[-2000:]
    found = json.loads(line.removeprefix("MODULES "))
    assert found["code"] in (0, None), out.stderr[-2000:]
    assert json.loads(out.stdout)["artifacts"], out.stdout  # it really spoke
    expected_heavy = [] if base._no_gpu_driver() else ["torch"]  # with a GPU driver, torch decides the device
    assert [m for m in found["heavy"] if m != "torch"] == []
    assert [m for m in found["heavy"] if m == "torch"] == expected_heavy


def test_magma_table_is_cached_and_equals_matplotlibs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib import colormaps

    from audiogpt import plots

    monkeypatch.setenv("AUDIOGPT_CACHE_DIR", str(tmp_path))
    expected = (colormaps["magma"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)
    plots._magma.cache_clear()  # the table is also kept in memory once read: start from the disk
    first = plots._magma()  # from matplotlib, then written
    (cached,) = (tmp_path / "colormaps").glob("magma-*.npy")
    np.testing.assert_array_equal(np.load(cached), expected)
    assert plots._magma() is first  # in memory from now on
    plots._magma.cache_clear()
    np.testing.assert_array_equal(plots._magma(), expected)  # read back
    np.testing.assert_array_equal(first, expected)
    cached.write_bytes(b"torn")  # a damaged file is replaced, not trusted
    plots._magma.cache_clear()
    np.testing.assert_array_equal(plots._magma(), expected)
    np.testing.assert_array_equal(np.load(cached), expected)
