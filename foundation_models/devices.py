"""Where a model can run: ONNX Runtime providers, the CUDA 12 libraries ctranslate2 loads, GPU memory.

Nothing here imports torch, onnxruntime or ctranslate2 at module import; each helper imports what
it inspects, so ``import foundation_models`` stays cheap.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CUDA_PROVIDER = "CUDAExecutionProvider"
CPU_PROVIDER = "CPUExecutionProvider"
GPU_EXTRA_HINT = "pip install 'audiogpt[gpu]', see docs/models.md"

# The CUDA 12 libraries ctranslate2's PyPI build opens by name at its first CUDA computation, and
# the pip wheels (the `gpu` extra) that carry them. cuBLASLt before cuBLAS, cuDNN's parts before
# the library that loads them, so each dlopen finds its dependencies already in the process.
CUDA12_LIBRARIES: dict[str, tuple[str, ...]] = {
    "nvidia-cublas-cu12": ("libcublasLt.so.12", "libcublas.so.12"),
    "nvidia-cudnn-cu12": (
        "libcudnn_graph.so.9",
        "libcudnn_engines_runtime_compiled.so.9",
        "libcudnn_engines_precompiled.so.9",
        "libcudnn_heuristic.so.9",
        "libcudnn_ops.so.9",
        "libcudnn_cnn.so.9",
        "libcudnn_adv.so.9",
        "libcudnn.so.9",
    ),
}
# What ctranslate2 cannot do without: a library missing from this list makes it abort the process
# (cuDNN) or raise at the first computation (cuBLAS), so it is checked before CUDA is tried.
CTRANSLATE2_REQUIRED = (
    "libcublas.so.12",
    "libcublasLt.so.12",
    "libcudnn.so.9",
    "libcudnn_ops.so.9",
    "libcudnn_cnn.so.9",
)

_loaded: dict[str, ctypes.CDLL] = {}  # keeps the preloaded libraries alive for the process


class DeviceUnavailable(RuntimeError):
    """The asked device cannot serve this model, for a reason known before any computation."""


def _nvidia_dirs() -> list[Path]:
    """The ``nvidia/*/lib`` folders of the pip CUDA wheels (``nvidia`` is a namespace package)."""
    spec = importlib.util.find_spec("nvidia")
    if spec is None or not spec.submodule_search_locations:
        return []
    return [lib for root in spec.submodule_search_locations for lib in sorted(Path(root).glob("*/lib"))]


def preload_cuda12_libraries() -> dict[str, str]:
    """Load the pip-installed CUDA 12 cuBLAS/cuDNN globally (name → file, or an error for each).

    ctranslate2 opens ``libcublas.so.12`` and ``libcudnn*.so.9`` by name; the dynamic loader does not
    search site-packages, but it does reuse a library this process already loaded under that name.
    Loading them here (RTLD_GLOBAL, the same thing torch does for its own wheels) has the effect of
    ``LD_LIBRARY_PATH=…/nvidia/cublas/lib:…/nvidia/cudnn/lib`` without restarting Python.
    Libraries that are not in a wheel are tried by name (a system CUDA install).
    """
    dirs = _nvidia_dirs()
    found: dict[str, str] = {}
    for names in CUDA12_LIBRARIES.values():
        for name in names:
            if name in _loaded:
                found[name] = str(getattr(_loaded[name], "_name", name))
                continue
            candidates = [str(d / name) for d in dirs if (d / name).is_file()] + [name]
            for candidate in candidates:
                try:
                    _loaded[name] = ctypes.CDLL(candidate, mode=ctypes.RTLD_GLOBAL)
                except OSError as exc:
                    found[name] = f"missing ({str(exc).split(':')[-1].strip()})"
                    continue
                found[name] = candidate
                break
    return found


def missing_ctranslate2_libraries() -> list[str]:
    """The CUDA 12 libraries ctranslate2 needs that cannot be loaded here (after preloading)."""
    found = preload_cuda12_libraries()
    return [name for name in CTRANSLATE2_REQUIRED if name not in _loaded or found.get(name, "").startswith("missing")]


def onnx_providers(device: str) -> tuple[list[Any], str | None]:
    """``InferenceSession(providers=…)`` for ``device``, and why CUDA is not among them when it is not."""
    if not device.startswith("cuda"):
        return [CPU_PROVIDER], None
    import onnxruntime

    if CUDA_PROVIDER not in onnxruntime.get_available_providers():
        return [CPU_PROVIDER], f"onnxruntime has no CUDA provider (CPU build installed; {GPU_EXTRA_HINT})"
    # onnxruntime-gpu's CUDA provider opens cuBLAS/cuDNN/cudart by name too, and like ctranslate2 it
    # does not look in site-packages (checked: "libcublasLt.so.12: cannot open shared object file"
    # without it); its preload_dlls() (1.21+) loads them from the nvidia-*-cu12 wheels.
    preload = getattr(onnxruntime, "preload_dlls", None)
    if preload is not None:
        try:
            preload(cuda=True, cudnn=True, msvc=False)
        except OSError as exc:  # then the session drops CUDA and onnx_cuda_dropped() says so
            log.warning("onnxruntime could not preload its CUDA libraries: %s", exc)
    index = int(device.partition(":")[2] or 0)
    return [(CUDA_PROVIDER, {"device_id": index}), CPU_PROVIDER], None


def onnx_cuda_dropped(session: Any, device: str) -> str | None:
    """Why a session asked for CUDA runs on the CPU (ONNX Runtime drops CUDA silently), else None."""
    if device.startswith("cuda") and CUDA_PROVIDER not in session.get_providers():
        return "onnxruntime could not start its CUDA provider (are its CUDA / cuDNN libraries installed?)"
    return None


def onnx_distributions() -> list[str]:
    """Installed ONNX Runtime distributions; more than one means they overwrite each other's files."""
    from importlib import metadata

    names = ("onnxruntime", "onnxruntime-gpu", "onnxruntime-directml", "onnxruntime-openvino")
    out = []
    for name in names:
        try:
            out.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return out


def gpu_memory_used_mb(device: str = "cuda") -> float | None:
    """Memory in use on the GPU (all processes, all libraries), MiB; None without a CUDA torch.

    Device-wide rather than torch's allocator, so ctranslate2 and ONNX Runtime allocations count too.
    """
    torch = sys.modules.get("torch")
    if torch is None or not device.startswith("cuda") or not torch.cuda.is_available():
        return None
    try:
        free, total = torch.cuda.mem_get_info(torch.device(device))
    except RuntimeError as exc:  # a broken driver must not break loading
        log.debug("no GPU memory reading: %s", exc)
        return None
    return float(total - free) / 2**20


def torch_allocated_mb(device: str = "cuda") -> float | None:
    """Memory held by torch's tensors on the GPU, MiB; None without a CUDA torch.

    Counts what the device-wide figure misses: tensors placed in blocks that torch's caching
    allocator already holds (freed by an earlier model, or by the process before) take no new
    device memory, so loading a model there would read as 0 MiB on the device.
    """
    torch = sys.modules.get("torch")
    if torch is None or not device.startswith("cuda") or not torch.cuda.is_available():
        return None
    try:
        return float(torch.cuda.memory_allocated(torch.device(device))) / 2**20
    except RuntimeError as exc:
        log.debug("no torch GPU memory reading: %s", exc)
        return None
