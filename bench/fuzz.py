"""Hostile-input fuzzing of the whole agent (run by hand; ~3-5 minutes on 2 cores).

    .venv/bin/python bench/fuzz.py [--seed 1] [--scale 1.0] [--hang-s 60] [--json report.json]

Generates ≥ 1,000 cases across four families — uploaded files, requests through the offline
router, tool arguments straight to the handler, and LLM answers (a scripted engine) — see
``tests/fuzzing.py``, and prints how many ended in each outcome class:
clean error, success, traceback, raw library error, hang, crash, data loss, cross-session read.
The goal is 0 in the last six. Each family runs in a worker process; if a case kills its
worker (a segfault in a native library), that case counts as a crash and a new worker goes on
from the next case. Exit status 1 when any case is in a bad class.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
os.environ.setdefault("HF_HUB_OFFLINE", "1")

COUNTS = {"files": 260, "requests": 200, "arguments": 440, "engine": 200}  # 1,100 cases at --scale 1


def worker(family: str, count: int, seed: int, start: int, hang_s: float) -> None:
    """Run cases ``start``… of a family, one JSON line before and after each (the parent watches for crashes)."""
    import logging
    import warnings

    from tests import fuzzing

    logging.disable(logging.CRITICAL)  # the fuzz table is the output; logs would drown it
    warnings.simplefilter("ignore")
    world = fuzzing.World(Path(tempfile.mkdtemp(prefix=f"fuzz-{family}-")))
    if family == "requests":
        world.warm()  # load the router and the usual models before the first timed case
    for i, (case_id, fn) in enumerate(fuzzing.cases(world, family, count, seed)):
        if i < start:
            continue
        print(json.dumps({"start": i, "case": case_id}), flush=True)
        r = fuzzing.run_case(world, family, case_id, fn, hang_s)
        print(json.dumps({"done": i, "outcome": r.outcome, "detail": r.detail, "seconds": r.seconds,
                          "case": case_id}), flush=True)  # fmt: skip
    os._exit(0)  # abandoned (hung) case threads must not keep the worker alive


def run_family(family: str, count: int, seed: int, hang_s: float) -> list[dict[str, Any]]:
    """Run a family in worker processes, restarting after a crash; one dict per case."""
    results: list[dict[str, Any]] = []
    start = 0
    while start < count:
        cmd = [sys.executable, __file__, "--worker", family, "--count", str(count), "--seed", str(seed),
               "--start", str(start), "--hang-s", str(hang_s)]  # fmt: skip
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        current: dict[str, Any] | None = None
        assert proc.stdout is not None
        for line in proc.stdout:
            if not line.startswith("{"):
                continue
            msg = json.loads(line)
            if "start" in msg:
                current = msg
            else:
                results.append({"family": family, **msg})
                current = None
                start = msg["done"] + 1
        code = proc.wait()
        if current is not None:  # the worker died inside a case
            results.append({"family": family, "done": current["start"], "case": current["case"], "outcome": "crash",
                            "detail": f"worker exited with {code}", "seconds": 0.0})  # fmt: skip
            start = current["start"] + 1
        elif start < count:
            raise SystemExit(f"{family} worker exited with {code} before its cases ran")
    return results


def table(results: list[dict[str, Any]]) -> str:
    from tests.fuzzing import OUTCOMES

    header = "| family | cases | " + " | ".join(OUTCOMES) + " |"
    rows = [header, "|" + "---|" * (len(OUTCOMES) + 2)]
    for family in [*COUNTS, "total"]:
        mine = [r for r in results if family in ("total", r["family"])]
        counts = [sum(r["outcome"] == o for r in mine) for o in OUTCOMES]
        rows.append(f"| {family} | {len(mine)} | " + " | ".join(map(str, counts)) + " |")
    return "\n".join(rows)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=1.0, help="multiply every family's case count")
    p.add_argument("--hang-s", type=float, default=60.0, help="a case still running after this long is a hang")
    p.add_argument("--parallel", type=int, default=2, help="families run side by side")
    p.add_argument("--json", metavar="PATH", help="also write every case's result here")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args.worker, args.count, args.seed, args.start, args.hang_s)
        return 0
    from tests.fuzzing import BAD

    started = time.perf_counter()
    counts = {f: max(1, round(n * args.scale)) for f, n in COUNTS.items()}
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        futures = [pool.submit(run_family, f, n, args.seed, args.hang_s) for f, n in counts.items()]
        results = [r for fut in futures for r in fut.result()]
    print(table(results))
    bad = [r for r in results if r["outcome"] in BAD]
    for r in bad:
        print(f"{r['outcome']}: {r['case']}: {r['detail']}")
    print(f"\n{len(results)} cases in {time.perf_counter() - started:.0f} s; {len(bad)} in a bad class")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
