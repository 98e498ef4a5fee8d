"""Generation overhead benchmark (run by hand; prints times and ratios, asserts nothing).

    .venv/bin/python bench/generation.py [--repeat 5]

On CPU with the tiny random-weight checkpoints of the tests (tests/tiny_generators.py), the same
request four ways: the raw pipeline call, the adapter (checks, seeds, batch, conversion), the
handler (validation, pool lock, worker thread, the atomic save with provenance) and a whole agent
turn with the offline router (routing, slot filling, the response with its waveform/spectrogram
picture, the SQLite turn record). The tiny models compute almost nothing, so the differences are
the agent's own overhead per generation turn; the goal is ≤ 50 ms. On a GPU the same overhead sits
on top of seconds of model time (see docs/benchmarks.md for the full-size check).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from audiogpt.agent import Agent
from audiogpt.config import load_settings
from audiogpt.handler import TaskHandler
from foundation_models.generation_base import GenerationRequest
from foundation_models.pool import ModelPool
from tests import tiny_generators as tiny

SECONDS, STEPS, SEED = 0.5, 8, 7
GOAL_MS = 50.0


def medians(fns: list[Callable[[], Any]], repeat: int) -> list[float]:
    """Median wall seconds of each of ``fns`` over ``repeat`` rounds after one warm-up.

    The calls are interleaved (one of each per round), so a burst of load from other processes on a
    shared machine slows all four alike instead of one of them.
    """
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, times, strict=True):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return [statistics.median(t) for t in times]


def raw_call(task: str, folder: Path) -> Callable[[], Any]:
    """The library call an adapter makes, with the same arguments, no AudioGPT code in between."""
    import torch

    if task == "text_to_audio":
        from diffusers import StableAudioPipeline

        pipe = StableAudioPipeline.from_pretrained(folder)
        pipe.set_progress_bar_config(disable=True)

        def call_pipe() -> Any:
            with torch.inference_mode():  # as the adapter runs it
                return pipe(
                    ["rain on a tin roof"],
                    audio_end_in_s=SECONDS,
                    num_inference_steps=STEPS,
                    generator=torch.Generator("cpu").manual_seed(SEED),
                ).audios

        return call_pipe

    from transformers import AutoProcessor, MusicgenForConditionalGeneration

    proc = AutoProcessor.from_pretrained(folder)
    model = MusicgenForConditionalGeneration.from_pretrained(folder).eval()
    tokens = round(SECONDS * 50) + 3

    def call() -> Any:
        torch.manual_seed(SEED)
        with torch.inference_mode():
            return model.generate(
                **proc(text=["a lo-fi beat"], padding=True, return_tensors="pt"),
                do_sample=True,
                guidance_scale=3.0,
                max_new_tokens=tokens,
            )

    return call


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--catalog",
        choices=["generation", "full"],
        default="generation",
        help="tools the engine is offered: the two generators only, or every configured tool as a user has them",
    )
    ap.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: OpenMP threads spinning on a shared CPU add noise)"
    )
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    root = Path(tempfile.mkdtemp(prefix="genbench_"))
    folders = {
        "text_to_audio": tiny.build_stable_audio(root / "sao"),
        "text_to_music": tiny.build_musicgen(root / "mg"),
    }
    adapters = {"text_to_audio": "stable_audio", "text_to_music": "musicgen"}
    settings = load_settings(engine="offline", workspace=str(root / "ws"))
    models = dict(settings.models) if args.catalog == "full" else {}  # the others load only if called
    models.update({t: {"adapter": adapters[t], "model": str(f)} for t, f in folders.items()})
    pool = ModelPool(models, "cpu")
    agent = Agent(settings, pool=pool)
    requests = {
        "text_to_audio": (
            f"rain on a tin roof for {SECONDS} seconds, {STEPS} steps, seed {SEED}",
            {"prompt": "rain on a tin roof", "duration_s": SECONDS, "steps": STEPS, "seed": SEED},
        ),
        "text_to_music": (
            f"a lo-fi beat for {SECONDS} seconds, seed {SEED}",
            {"prompt": "a lo-fi beat", "duration_s": SECONDS, "seed": SEED},
        ),
    }
    print(f"tiny checkpoints on CPU ({args.threads} torch thread(s)), {len(models)} tools offered, {SECONDS} s clips, "
          f"median of {args.repeat} interleaved rounds after a warm-up")  # fmt: skip
    print(f"{'task':14} {'raw ms':>8} {'adapter':>8} {'handler':>8} {'agent':>8} {'agent/raw':>9} {'overhead ms':>11}")
    for task, (text, call_args) in requests.items():
        model = pool.adapter(task)
        handler = TaskHandler(agent.store.create(), pool, settings.limits)
        raw, adapter, handled, turn = medians(
            [
                raw_call(task, folders[task]),
                lambda m=model, a=call_args: m.run(GenerationRequest(**a)),  # loads on its first call
                lambda h=handler, a=call_args, t=task: h.call(t, dict(a)),
                lambda t=text: agent.run(t),
            ],
            args.repeat,
        )
        overhead = (turn - raw) * 1000
        print(
            f"{task:14} {raw * 1e3:8.1f} {adapter * 1e3:8.1f} {handled * 1e3:8.1f} {turn * 1e3:8.1f} "
            f"{turn / raw:9.2f} {overhead:11.1f}" + ("" if overhead <= GOAL_MS else f"  (> {GOAL_MS:.0f} ms goal)")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
