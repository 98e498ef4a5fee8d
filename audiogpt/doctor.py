"""``audiogpt doctor``: what this machine offers (Python, torch, CUDA, GPU, ONNX Runtime, ctranslate2)
and, for every configured task, whether its model loads and runs its probe, where, how fast, how big.

Exit code 0 when every configured model can run somewhere (a GPU model that fell back to the CPU
counts as running, and says why); 1 when one cannot run at all.
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from audiogpt.config import load_settings
from audiogpt.errors import UserError

log = logging.getLogger(__name__)


@dataclass
class ModelCheck:
    """One configured task, loaded and probed."""

    task: str
    adapter: str
    model: str
    requested: str  # the device the config asks for (auto, cpu, cuda, cuda:1)
    device: str = "-"  # where it really runs
    ok: bool = False
    load_s: float | None = None  # includes the probe when it loaded off the CPU
    probe_s: float | None = None  # the probe on the loaded model; None when the adapter has none
    memory_mb: float | None = None  # process memory taken by loading it
    gpu_memory_mb: float | None = None
    note: str | None = None  # why it runs where it does
    error: str | None = None  # why it cannot run
    weights_missing: str | None = None  # its hub weights are not downloaded yet: what to run (not a failure)


@dataclass
class Report:
    """Everything ``audiogpt doctor`` found."""

    environment: dict[str, Any]
    models: list[ModelCheck] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(m.ok or m.weights_missing for m in self.models)  # not downloaded yet is not broken

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "environment": self.environment, "models": [asdict(m) for m in self.models],
                "warnings": self.warnings}  # fmt: skip


def environment() -> dict[str, Any]:
    """Versions and devices: Python, torch + CUDA, GPUs, ONNX Runtime providers, ctranslate2, CUDA 12 libraries."""
    env: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        import torch

        cuda = torch.cuda.is_available()
        env["torch"] = {"version": torch.__version__, "cuda_build": torch.version.cuda, "cuda_available": cuda}
        gpus = []
        for i in range(torch.cuda.device_count() if cuda else 0):
            props = torch.cuda.get_device_properties(i)
            free, total = torch.cuda.mem_get_info(i)
            gpus.append({"index": i, "name": props.name, "capability": f"{props.major}.{props.minor}",
                         "memory_total_mb": round(total / 2**20), "memory_free_mb": round(free / 2**20)})  # fmt: skip
        env["gpus"] = gpus
    except ImportError:
        env["torch"] = None
        env["gpus"] = []
    env["driver"] = _nvidia_driver()
    try:
        import onnxruntime

        from foundation_models.devices import onnx_distributions

        env["onnxruntime"] = {"version": onnxruntime.__version__, "providers": onnxruntime.get_available_providers(),
                              "distributions": onnx_distributions()}  # fmt: skip
    except ImportError:
        env["onnxruntime"] = None
    try:
        import ctranslate2

        count = ctranslate2.get_cuda_device_count()
        env["ctranslate2"] = {"version": ctranslate2.__version__, "cuda_devices": count}
        if count:
            from foundation_models.devices import preload_cuda12_libraries

            env["ctranslate2"]["compute_types_cuda"] = sorted(ctranslate2.get_supported_compute_types("cuda"))
            env["cuda12_libraries"] = preload_cuda12_libraries()
    except ImportError:
        env["ctranslate2"] = None
    return env


def _nvidia_driver() -> str | None:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20, check=True)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else None


def warnings_for(env: dict[str, Any]) -> list[str]:
    """Things that will surprise a GPU user, in plain words."""
    out = []
    ort = env.get("onnxruntime") or {}
    if len(ort.get("distributions", [])) > 1:
        out.append(f"{' and '.join(ort['distributions'])} are both installed; they share the `onnxruntime` module "
                   "and overwrite each other's files: keep one (docs/models.md, GPU)")  # fmt: skip
    if env.get("gpus"):
        if ort and "CUDAExecutionProvider" not in ort.get("providers", []):
            out.append("a GPU is present but onnxruntime has no CUDA provider: Piper, Silero VAD and YAMNet "
                       "run on the CPU (pip install 'audiogpt[gpu]')")  # fmt: skip
        ct2 = env.get("ctranslate2") or {}
        if ct2 and not ct2.get("cuda_devices"):
            out.append("a GPU is present but ctranslate2 sees none: faster-whisper runs on the CPU")
        missing = [k for k, v in (env.get("cuda12_libraries") or {}).items() if v.startswith("missing")]
        if missing:
            out.append(f"CUDA 12 libraries ctranslate2 may need are missing: {', '.join(missing)}")
    return out


def check_models(config: str | None = None, tasks: list[str] | None = None) -> list[ModelCheck]:
    """Load each configured task's model (one at a time, unloaded after), run its probe, record it."""
    from foundation_models.pool import ModelPool
    from foundation_models.weights import WeightsMissing

    settings = load_settings(config)
    if unknown := sorted(set(tasks or []) - set(settings.models)):
        configured = sorted(settings.models)
        raise UserError(f"no model is configured for {', '.join(unknown)}; configured tasks = {configured}")
    pool = ModelPool(settings.models, settings.device)
    checks = []
    for task, spec in settings.models.items():
        if tasks and task not in tasks:
            continue
        check = ModelCheck(task, str(spec.get("adapter")), str(spec.get("model", "default")),
                           str(spec.get("device", settings.device)))  # fmt: skip
        try:
            with pool.use(task) as model:
                start = time.perf_counter()
                probed = model.probe()
                check.probe_s = time.perf_counter() - start if probed else None
            check.ok = True
        except WeightsMissing as exc:  # not broken, not fetched yet: say how to fetch it
            check.weights_missing = str(exc)
        except UserError as exc:
            check.error = str(exc)
        except Exception as exc:  # the doctor reports every failure, it never stops at one
            check.error = f"{type(exc).__name__}: {exc}"
            log.debug("%s failed", task, exc_info=True)
        status = next(s for s in pool.status() if s.task == task)
        check.device = status.device if status.loaded else "-"
        check.load_s, check.memory_mb, check.gpu_memory_mb = status.load_s, status.memory_mb, status.gpu_memory_mb
        check.note = status.device_note + (f" [{status.device_error}]" if status.device_error else "") \
            if status.device_note else None  # fmt: skip
        if not check.ok and check.error is None and check.weights_missing is None:
            check.error = status.error
        pool.unload(task)
        checks.append(check)
    return checks


def diagnose(config: str | None = None, tasks: list[str] | None = None) -> Report:
    """The whole report: environment, warnings, and one check per configured task (or per one of ``tasks``)."""
    env = environment()
    return Report(env, check_models(config, tasks), warnings_for(env))


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def render(report: Report) -> str:
    """The report as a readable table."""
    env = report.environment
    torch = env.get("torch") or {}
    ort = env.get("onnxruntime") or {}
    ct2 = env.get("ctranslate2") or {}
    lines = [
        f"Python      {env['python']}  ({env['platform']})",
        f"torch       {torch.get('version', 'not installed')}  CUDA build {torch.get('cuda_build') or 'none'}, "
        f"CUDA available: {'yes' if torch.get('cuda_available') else 'no'}",
    ]
    for gpu in env.get("gpus", []):
        lines.append(f"GPU {gpu['index']}       {gpu['name']} (compute {gpu['capability']}), "
                     f"{gpu['memory_total_mb']} MiB, {gpu['memory_free_mb']} MiB free")  # fmt: skip
    if not env.get("gpus"):
        lines.append("GPU         none visible to torch")
    if env.get("driver"):
        lines.append(f"driver      {env['driver']}")
    lines.append(f"onnxruntime {ort.get('version', 'not installed')}  providers: {', '.join(ort.get('providers', []))}")
    lines.append(f"ctranslate2 {ct2.get('version', 'not installed')}  CUDA devices: {ct2.get('cuda_devices', 0)}")
    for name, where in (env.get("cuda12_libraries") or {}).items():
        lines.append(f"  {name:40} {where}")
    header = ("task", "device", "load s", "probe s", "RAM MiB", "GPU MiB", "status")
    rows = [header]
    for m in report.models:
        status = "ok" if m.ok else ("not downloaded" if m.weights_missing else "FAILED")
        device = m.device if m.requested in (m.device, "auto") else f"{m.device} ({m.requested} asked)"
        rows.append((m.task, device, _num(m.load_s, ".2f"), _num(m.probe_s, ".3f"), _num(m.memory_mb, ".0f"),
                     _num(m.gpu_memory_mb, ".0f"), status))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines.append("")
    for r in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    for m in report.models:
        if m.weights_missing:
            lines.append(f"  {m.task}: {m.weights_missing}")
        elif m.error:
            lines.append(f"  {m.task}: cannot run: {m.error}")
        elif m.note:
            lines.append(f"  {m.task}: {m.note}")
    for w in report.warnings:
        lines.append(f"warning: {w}")
    failed = [m.task for m in report.models if not m.ok and not m.weights_missing]
    absent = [m.task for m in report.models if m.weights_missing]
    lines.append("")
    lines.append(f"{len(report.models) - len(failed) - len(absent)} of {len(report.models)} configured models run"
                 + (f"; not downloaded yet: {', '.join(absent)}" if absent else "")
                 + (f"; cannot run: {', '.join(failed)}" if failed else ""))  # fmt: skip
    return "\n".join(lines)


def run_doctor(config: str | None = None, as_json: bool = False, tasks: list[str] | None = None) -> int:
    """Print the report; 0 when every checked model runs somewhere, else 1."""
    report = diagnose(config, tasks)
    print(json.dumps(report.to_dict(), indent=2) if as_json else render(report))
    sys.stdout.flush()
    return 0 if report.ok else 1
