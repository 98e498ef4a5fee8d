"""The `gpu` extra: what it asks for (fast, from pyproject.toml) and that pip resolves it (network)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from foundation_models.devices import CUDA12_LIBRARIES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest itself depends on tomli before 3.11
    import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def gpu_extra() -> dict[str, Requirement]:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    return {canonicalize_name(r.name): r for r in map(Requirement, extras["gpu"])}


def test_the_gpu_extra_brings_one_cuda_major_for_onnxruntime_and_ctranslate2() -> None:
    reqs = gpu_extra()
    assert set(reqs) == {"onnxruntime-gpu", "nvidia-cublas-cu12", "nvidia-cudnn-cu12"}
    # every wheel the CUDA 12 loader looks for is in the extra
    assert set(CUDA12_LIBRARIES) <= set(reqs)
    ort = reqs["onnxruntime-gpu"]
    assert ort.extras == {"cuda", "cudnn"}  # its CUDA runtime wheels
    # 1.26 is the last CUDA 12 build on PyPI; 1.27+ depend on CUDA 13 wheels (nvidia-cudnn-cu13), whose
    # nvidia/cudnn/lib/libcudnn*.so.9 files are the same paths as nvidia-cudnn-cu12's
    assert ort.specifier.contains("1.26.0") and not ort.specifier.contains("1.27.0")
    assert not ort.specifier.contains("1.20.0")  # no `cuda`/`cudnn` extras before 1.21
    assert reqs["nvidia-cudnn-cu12"].specifier.contains("9.10.2.21")
    assert not reqs["nvidia-cudnn-cu12"].specifier.contains("10.0")
    assert reqs["nvidia-cublas-cu12"].specifier.contains("12.8.4.1")
    for req in reqs.values():  # Linux x86-64 wheels only; elsewhere the extra installs nothing
        assert req.marker is not None
        assert req.marker.evaluate({**default_environment(), "sys_platform": "linux", "platform_machine": "x86_64"})
        assert not req.marker.evaluate({**default_environment(), "sys_platform": "darwin"})


@pytest.mark.network
def test_pip_resolves_the_gpu_extra_without_touching_installed_packages(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    # the extra's requirements against this venv; pip 23 downloads each wheel to read its metadata (~2 GB)
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", str(report),
           *map(str, gpu_extra().values())]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stderr[-2000:]
    install = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"]
               for i in json.loads(report.read_text())["install"]}  # fmt: skip
    assert {"onnxruntime-gpu", "nvidia-cublas-cu12", "nvidia-cudnn-cu12", "nvidia-cuda-runtime-cu12"} <= set(install)
    assert install["onnxruntime-gpu"].startswith("1.26.")
    changed = {}
    for name, version in install.items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        if have != version:
            changed[name] = (have, version)
    assert changed == {}, f"the gpu extra would change installed packages: {changed}"
    assert not any(n.endswith("-cu13") or n == "torch" for n in install), sorted(install)
