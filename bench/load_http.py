"""Load test of the HTTP API: N concurrent clients × M turns each on loopback, through a real
``audiogpt serve`` (a subprocess, the offline engine, the embedded models).

Each client makes its own session, uploads a 2 s clip with its first turn and edits the newest
file in the next ones (trim, speed, convert, …): real tool calls, no model faked. Prints latency
p50/p95, errors, and checks that every request got an answer.

    PYTHONPATH=$PWD .venv/bin/python bench/load_http.py --clients 16 --turns 5
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

REQUESTS = [
    "cut the first 0.5 seconds of this",
    "make it 10 % faster",
    "convert it to 16 kHz mono",
    "trim the silence",
    "lower the pitch 2 semitones",
]


def clip() -> bytes:
    sr = 16000
    t = np.arange(2 * sr) / sr
    buf = io.BytesIO()
    sf.write(buf, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), sr, format="WAV")
    return buf.getvalue()


async def client(base: str, turns: int, latencies: list[float], errors: list[str]) -> int:
    """One user: a session, then ``turns`` requests; returns how many were answered."""
    answered = 0
    async with httpx.AsyncClient(base_url=base, timeout=600) as http:
        r = await http.post("/v1/sessions")
        r.raise_for_status()
        sid, token = r.json()["session_id"], r.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        for i in range(turns):
            files = [("files", ("clip.wav", clip(), "audio/wav"))] if i == 0 else None
            start = time.perf_counter()
            try:
                resp = await http.post(f"/v1/sessions/{sid}/turns", headers=auth,
                                       data={"text": REQUESTS[i % len(REQUESTS)]}, files=files)  # fmt: skip
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}")
                continue
            latencies.append(time.perf_counter() - start)
            answered += 1
            if resp.status_code != 200:
                errors.append(f"HTTP {resp.status_code}")
            elif not resp.json()["ok"]:
                errors.append(f"turn not ok: {resp.json()['error']}")
    return answered


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run(base: str, clients: int, turns: int) -> int:
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    answered = await asyncio.gather(*(client(base, turns, latencies, errors) for _ in range(clients)))
    wall = time.perf_counter() - start
    sent = clients * turns
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    print(f"{clients} clients x {turns} turns = {sent} requests in {wall:.1f} s ({sent / wall:.2f} turns/s)")
    print(f"latency p50 {q[49]:.2f} s  p95 {q[94]:.2f} s  max {max(latencies):.2f} s")
    print(f"answered {sum(answered)}/{sent}  errors {len(errors)}" + (f": {sorted(set(errors))}" if errors else ""))
    return 0 if sum(answered) == sent and not errors else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--turns", type=int, default=5)
    p.add_argument("--max-concurrent", type=int, default=2)
    args = p.parse_args()
    port = free_port()
    env = {**os.environ, "AUDIOGPT_WORKSPACE": tempfile.mkdtemp(prefix="audiogpt-load-"), "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "audiogpt.cli", "serve", "--engine", "offline", "--port", str(port),
         "--max-concurrent", str(args.max_concurrent), "--max-queue", str(args.clients * 2)],
        env=env, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        # one warm-up turn first: the router and the tools' models load on first use
        start = time.perf_counter()
        asyncio.run(client(base, 1, [], []))
        print(f"warm-up turn (loads the router and a model): {time.perf_counter() - start:.1f} s")
        return asyncio.run(run(base, args.clients, args.turns))
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    sys.exit(main())
