"""Shared fixtures; a guard that fails any test reaching a non-loopback address."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from pathlib import Path

import numpy as np
import pytest

# No model hub, ever: libraries must use what is installed.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("AUDIOGPT_LLM_BASE_URL", None)
os.environ.pop("AUDIOGPT_CONFIG", None)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_real_connect = socket.socket.connect


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_local(address):
        raise AssertionError(f"test tried to reach a remote service at {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_remote(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own workspace so sessions never leak between tests."""
    ws = tmp_path / "workspace"
    monkeypatch.setenv("AUDIOGPT_WORKSPACE", str(ws))
    return ws


@pytest.fixture
def shared_data() -> Path:
    """The real recordings in ../shared/data (skips when absent)."""
    if not (SHARED_DATA / "index.jsonl").exists():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def shared_truth(shared_data: Path) -> dict[str, dict]:
    """Ground truth of each shared recording, keyed by its path under data/."""
    rows = [json.loads(line) for line in (shared_data / "index.jsonl").read_text().splitlines() if line]
    return {row["file"]: row.get("ground_truth", {}) for row in rows}


def tone(freq: float = 440.0, seconds: float = 1.0, sr: int = 16000, amp: float = 0.3) -> np.ndarray:
    """A sine test signal (for DSP checks only, never as a model output)."""
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
