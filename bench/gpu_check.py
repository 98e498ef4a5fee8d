"""GPU check: every embedded model on CUDA and on the CPU, same input, cold and warm; then `pytest -m gpu`.

    .venv/bin/python bench/gpu_check.py [--devices cuda,cpu] [--tasks a,b] [--no-pytest] [--budget-s 300]

For a session lent a GPU: one call, well under 5 minutes, prints a Markdown table to paste into
docs/benchmarks.md. Each (task, device) gets a fresh pool: ``load s`` is the pool's load (the
device probe included off the CPU), ``cold s`` the first request after loading, ``warm s`` the
best of two more; RTF = warm seconds / input seconds. ``ran on`` is where the model really ran
and, when that is not where it was asked, why (the probe's fallback). On a machine without CUDA it
says so and prints the CPU rows only. Requests go through the real TaskHandler (validation,
decoding, the adapter, the saved artifact), the same path as a chat turn.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import soundfile as sf

from audiogpt.config import load_settings
from audiogpt.doctor import environment, warnings_for
from audiogpt.handler import TaskHandler
from audiogpt.session import SessionStore
from foundation_models.pool import ModelPool

ROOT = Path(__file__).resolve().parents[1]
TEXT = (
    "The quick brown fox jumps over the lazy dog. Please call Stella and ask her to bring these things "
    "with her from the store: six spoons of fresh snow peas and five thick slabs of blue cheese."
)
SNR_DB = 5.0  # white noise added for the enhancement input
TASKS = (
    "speech_recognition", "speech_translation", "text_to_speech",
    "speech_enhancement", "voice_activity_detection", "sound_event_detection",
)  # fmt: skip


def cuda_present(env: dict[str, Any]) -> tuple[bool, str]:
    """Whether any runtime here sees a CUDA device, and what each one says."""
    torch = env.get("torch") or {}
    ct2 = env.get("ctranslate2") or {}
    ort = env.get("onnxruntime") or {}
    seen = {
        "torch": bool(torch.get("cuda_available")),
        "ctranslate2": bool(ct2.get("cuda_devices")),
        "onnxruntime": "CUDAExecutionProvider" in ort.get("providers", []),
    }
    return any(seen.values()), ", ".join(f"{k}: {'yes' if v else 'no'}" for k, v in seen.items())


def make_inputs(tmp: Path, given: Path | None = None) -> tuple[Path, Path, float]:
    """Real synthesized speech (Piper on the CPU, or the WAV given) and a noisy copy; returns the paths and
    the duration. ``given`` is for a machine without Piper: a WAV of TEXT spoken, made elsewhere."""
    if given is None:
        settings = load_settings(workspace=tmp / "tts")
        session = SessionStore(tmp / "tts").create()
        handler = TaskHandler(session, ModelPool({"text_to_speech": settings.models["text_to_speech"]}, "cpu"),
                              settings.limits)  # fmt: skip
        obs = handler.call("text_to_speech", {"text": TEXT})
        if not obs.ok:
            raise SystemExit(f"could not synthesize the benchmark speech: {obs.error}")
        given = session.resolve(obs.files[0]).path
    speech, rate = sf.read(given, dtype="float32")
    clean = tmp / "speech.wav"
    sf.write(clean, speech, rate)
    noise = np.random.default_rng(0).normal(0, 1, speech.shape).astype(np.float32)
    noise *= np.sqrt(np.mean(speech**2) / np.mean(noise**2) / 10 ** (SNR_DB / 10))
    noisy = tmp / "noisy.wav"
    sf.write(noisy, speech + noise, rate)
    return clean, noisy, len(speech) / rate


def request(task: str, speech: str, noisy: str) -> dict[str, Any]:
    return {
        "speech_recognition": {"audio": speech},
        "speech_translation": {"audio": speech},
        "text_to_speech": {"text": TEXT},
        "speech_enhancement": {"audio": noisy},
        "voice_activity_detection": {"audio": speech},
        "sound_event_detection": {"audio": speech},
    }[task]


def measure(task: str, device: str, tmp: Path, inputs: tuple[Path, Path]) -> dict[str, Any]:
    """Load ``task`` on ``device`` in a fresh pool and time a cold and two warm requests."""
    settings = load_settings(workspace=tmp / f"{task}-{device}")
    session = SessionStore(settings.workspace).create()
    pool = ModelPool({task: settings.models[task]}, device)
    handler = TaskHandler(session, pool, settings.limits)
    speech, noisy = (session.ingest(p, 200, 600).name for p in inputs)
    row: dict[str, Any] = {"task": task, "asked": device}
    try:
        with pool.use(task):
            pass
    except Exception as exc:  # a model that cannot load anywhere is a row, not the end of the check
        return {**row, "ran_on": "-", "note": f"cannot load: {type(exc).__name__}: {exc}"}
    status = pool.status()[0]
    row.update(ran_on=status.device, load_s=status.load_s, gpu_mb=status.gpu_memory_mb,
               note=status.device_note or "")  # fmt: skip
    times = []
    for _ in range(3):
        handler.calls.clear()
        start = time.perf_counter()
        obs = handler.call(task, request(task, speech, noisy))
        times.append(time.perf_counter() - start)
        if not obs.ok:
            return {**row, "note": f"request failed: {obs.error}"}
    row.update(cold_s=times[0], warm_s=min(times[1:]))
    pool.unload(task)
    return row


def run_gpu_tests(budget_s: float) -> str:
    """``pytest -m gpu`` in a subprocess; returns pytest's summary line."""
    cmd = [sys.executable, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider", str(ROOT / "tests")]
    try:
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=max(30.0, budget_s))
    except subprocess.TimeoutExpired:
        return f"pytest -m gpu did not finish in {budget_s:.0f} s"
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return "\n".join([*failures, lines[-1] if lines else f"pytest exited {out.returncode}"])


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", default="cuda,cpu", help="comma-separated devices to measure (default cuda,cpu)")
    ap.add_argument("--tasks", default=",".join(TASKS), help="comma-separated tasks (default: the six embedded)")
    ap.add_argument("--no-pytest", action="store_true", help="skip `pytest -m gpu`")
    ap.add_argument("--input", type=Path, help="a WAV of the benchmark text spoken (default: synthesize it with Piper)")
    ap.add_argument("--budget-s", type=float, default=300.0, help="stop starting new measurements after this")
    args = ap.parse_args()
    deadline = time.monotonic() + args.budget_s
    env = environment()
    torch = env.get("torch") or {}
    gpus = ", ".join(f"{g['name']} ({g['memory_total_mb']} MiB)" for g in env.get("gpus", [])) or "none"
    print(f"Python {env['python']}, torch {torch.get('version')} (CUDA build {torch.get('cuda_build')}), GPU: {gpus}")
    ort, ct2 = env.get("onnxruntime") or {}, env.get("ctranslate2") or {}
    print(f"onnxruntime {ort.get('version')} {ort.get('providers')}, ctranslate2 {ct2}")
    for warning in warnings_for(env):
        print(f"warning: {warning}")
    has_cuda, seen = cuda_present(env)
    devices = [d.strip() for d in args.devices.split(",") if d.strip()]
    if not has_cuda and any(d.startswith("cuda") for d in devices):
        print(f"CUDA is not available here ({seen}): CPU rows only.")
        devices = [d for d in devices if not d.startswith("cuda")]
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        speech, noisy, seconds = make_inputs(tmp, args.input)
        print(f"input: {seconds:.1f} s of Piper speech (noisy copy at {SNR_DB:.0f} dB SNR for enhancement)\n")
        print("| task | asked | ran on | load s | cold s | warm s | warm RTF | GPU MiB | note |")
        print("|---|---|---|---:|---:|---:|---:|---:|---|")
        for task in tasks:
            for device in devices:
                if time.monotonic() > deadline:
                    print(f"| {task} | {device} | - | - | - | - | - | - | skipped: past {args.budget_s:.0f} s |")
                    continue
                r = measure(task, device, tmp, (speech, noisy))
                rtf = r["warm_s"] / seconds if r.get("warm_s") is not None else None
                print(f"| {task} | {device} | {r['ran_on']} | {fmt(r.get('load_s'), '.2f')} | "
                      f"{fmt(r.get('cold_s'), '.3f')} | {fmt(r.get('warm_s'), '.3f')} | {fmt(rtf, '.4f')} | "
                      f"{fmt(r.get('gpu_mb'), '.0f')} | {r.get('note', '')} |", flush=True)  # fmt: skip
    if args.no_pytest:
        return 0
    if not has_cuda:
        print("\npytest -m gpu: not run (no CUDA here)")
        return 0
    print("\npytest -m gpu:\n" + run_gpu_tests(deadline - time.monotonic()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
