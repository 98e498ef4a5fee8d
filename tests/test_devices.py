"""Device placement: a failing device moves a model to the CPU with the reason kept and shown
(pool status, `audiogpt models`, `audiogpt doctor`); CPU-only runtimes say why; doctor's exit codes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from audiogpt.agent import Agent
from audiogpt.cli import main
from audiogpt.config import load_settings
from foundation_models import devices
from foundation_models.pool import ModelPool
from tests.fake_devices import VADOnBrokenGPU

BROKEN_GPU_VAD = {"adapter": "tests.fake_devices:VADOnBrokenGPU", "device": "cuda"}


def _config(tmp_path: Path, models: dict[str, dict], preload: list[str] | None = None) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"models": models, "preload": preload or []}))
    return str(path)


@pytest.mark.slow
def test_a_model_whose_device_fails_its_probe_ends_on_the_cpu_and_the_turn_succeeds() -> None:
    VADOnBrokenGPU.probes.clear()
    settings = load_settings(engine="offline", models={"voice_activity_detection": BROKEN_GPU_VAD})
    agent = Agent(settings)
    assert agent.pool.preload(["voice_activity_detection"]) == {}
    assert VADOnBrokenGPU.probes == ["cuda"]  # probed on the device it was placed on, once
    status = {s.task: s for s in agent.pool.status()}["voice_activity_detection"]
    assert status.loaded and status.device == "cpu"
    assert status.device_note == "cuda failed its check at load (RuntimeError); running on the CPU"
    assert status.device_error is not None and "no kernel image" in status.device_error

    spoken = agent.run("say 'hello there, this is a test of the speech detector'")
    assert spoken.ok, spoken.text
    resp = agent.run("where does anyone speak in it?", session=spoken.session_id)
    assert resp.ok, resp.text
    (call,) = resp.tool_calls
    assert call.tool == "voice_activity_detection" and call.ok
    assert re.search(r"\d+\.\d+\s*(s|–|-)", call.observation), call.observation  # speech spans were found
    assert "no speech" not in resp.text.lower(), resp.text


def test_models_and_doctor_report_where_the_model_runs_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, {"voice_activity_detection": BROKEN_GPU_VAD}, preload=["voice_activity_detection"])
    assert main(["models", "--load", "--json", "--config", cfg]) == 0
    status = {s["task"]: s for s in json.loads(capsys.readouterr().out)}["voice_activity_detection"]
    assert status["device"] == "cpu" and "cuda failed its check" in status["device_note"]
    assert "no kernel image" in status["device_error"]

    assert main(["models", "--load", "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert re.search(r"voice_activity_detection .* loaded on cpu", out) and "cuda failed its check at load" in out

    assert main(["doctor", "--task", "voice_activity_detection", "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert re.search(r"voice_activity_detection\s+cpu \(cuda asked\)\s+\d+\.\d\d\s+\d+\.\d{3}\s.*\sok", out), out
    assert "voice_activity_detection: cuda failed its check at load" in out and "1 of 1 configured models run" in out

    assert main(["doctor", "--task", "voice_activity_detection", "--json", "--config", cfg]) == 0
    report = json.loads(capsys.readouterr().out)
    (check,) = report["models"]
    assert report["ok"] and check["ok"] and check["device"] == "cpu" and check["requested"] == "cuda"
    assert check["probe_s"] is not None and "no kernel image" in check["note"]
    assert {"python", "torch", "gpus", "onnxruntime", "ctranslate2"} <= set(report["environment"])
    assert "CPUExecutionProvider" in report["environment"]["onnxruntime"]["providers"]


def test_doctor_exits_1_when_a_configured_model_cannot_run_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(
        tmp_path,
        {
            "speech_recognition": {"adapter": "openai_whisper", "model": str(tmp_path / "missing" / "whisper.pt")},
            "sound_event_detection": {"adapter": "tests.fake_devices:BrokenEverywhere", "device": "cuda"},
        },
    )
    tasks = ["--task", "speech_recognition", "--task", "sound_event_detection", "--task", "trim_audio"]
    assert main(["doctor", *tasks, "--config", cfg]) == 1
    out = capsys.readouterr().out
    assert re.search(r"speech_recognition\s+-\s.*FAILED", out)
    assert "speech_recognition: cannot run: Model " in out and "not found" in out
    assert "sound_event_detection: cannot run: RuntimeError: checkpoint is corrupt" in out  # tried cuda, then cpu
    assert re.search(r"trim_audio\s+cpu\s.*\sok", out)
    assert "1 of 3 configured models run; cannot run: speech_recognition, sound_event_detection" in out

    assert main(["doctor", *tasks, "--json", "--config", cfg]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [m["ok"] for m in report["models"]] == [False, False, True]

    assert main(["doctor", "--task", "voice_clone"]) == 2  # not configured: a usage error
    assert "no model is configured for voice_clone" in capsys.readouterr().err


@pytest.mark.slow
def test_doctor_on_this_machine_with_the_default_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    from foundation_models.weights import is_hub_id, presence

    configured = load_settings().models
    absent = [
        t for t, spec in configured.items() if is_hub_id(str(spec.get("model"))) and not presence(spec["model"]).present
    ]
    for task in configured:
        if task in absent:  # hub weights not fetched: said with the command, and not counted as broken
            assert re.search(rf"^{task}\s+-.*\snot downloaded$", out, re.MULTILINE), f"{task}:\n{out}"
            assert f"audiogpt models pull {task}" in out
        else:  # the embedded models and DSP tools run here
            assert re.search(rf"^{task}\s+\S+.*\sok$", out, re.MULTILINE), f"{task} not ok:\n{out}"
    assert f"{len(configured) - len(absent)} of {len(configured)} configured models run" in out
    assert re.search(r"^onnxruntime \S+\s+providers: .*CPUExecutionProvider", out, re.MULTILINE)
    assert re.search(r"^ctranslate2 \S+\s+CUDA devices: \d", out, re.MULTILINE)


@pytest.fixture
def no_gpu() -> None:
    torch = pytest.importorskip("torch")
    import ctranslate2
    import onnxruntime

    if (
        torch.cuda.is_available()
        or ctranslate2.get_cuda_device_count()
        or (devices.CUDA_PROVIDER in onnxruntime.get_available_providers())
    ):
        pytest.skip("this test describes a machine without CUDA; tests/test_gpu.py covers the GPU")


@pytest.mark.usefixtures("no_gpu")
def test_models_asked_for_cuda_on_a_cpu_machine_say_why_they_run_on_the_cpu() -> None:
    pool = ModelPool(
        {t: s for t, s in load_settings().models.items() if t in ("speech_recognition", "text_to_speech",
         "speech_enhancement", "voice_activity_detection", "sound_event_detection")},
        device="cuda",
    )  # fmt: skip
    assert pool.preload(pool.tasks) == {}
    notes = {s.task: (s.device, s.device_note) for s in pool.status()}
    assert notes["speech_recognition"] == ("cpu", "not on cuda: ctranslate2 sees no CUDA device")
    for task in ("text_to_speech", "voice_activity_detection", "sound_event_detection"):
        device, note = notes[task]
        assert device == "cpu" and note and "onnxruntime has no CUDA provider" in note, (task, note)
    assert notes["speech_enhancement"] == ("cpu", "on the CPU: the DeepFilterNet C runtime has no GPU code")
    with pool.use("sound_event_detection") as model:
        assert model.probe()  # the CPU model really runs


def test_cuda12_libraries_are_found_in_pip_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a real shared library (this process's libm) standing in for the wheel's cuBLAS: ctypes must load it
    libm = next(line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines() if "/libm.so" in line)
    wheel_lib = tmp_path / "site" / "nvidia" / "cublas" / "lib"
    wheel_lib.mkdir(parents=True)
    shutil.copy(libm, wheel_lib / "libcublas.so.12")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(devices, "_loaded", {})
    found = devices.preload_cuda12_libraries()
    assert found["libcublas.so.12"] == str(wheel_lib / "libcublas.so.12")
    if not (devices._nvidia_dirs() and any((d / "libcudnn.so.9").is_file() for d in devices._nvidia_dirs())):
        assert found["libcudnn.so.9"].startswith("missing")
        missing = devices.missing_ctranslate2_libraries()
        assert "libcudnn.so.9" in missing and "libcublas.so.12" not in missing


def test_probe_is_optional_and_runs_a_real_computation() -> None:
    pool = ModelPool({t: s for t, s in load_settings().models.items() if t in ("trim_audio", "sound_event_detection")})
    with pool.use("trim_audio") as trim:
        assert not trim.has_probe and trim.probe() is False
    with pool.use("sound_event_detection") as sed:
        assert sed.has_probe and sed.probe() is True
        sed.session = None  # a model whose session is gone cannot pass its probe
        with pytest.raises(AttributeError):
            sed.probe()


@pytest.mark.usefixtures("no_gpu")
def test_an_onnx_session_that_drops_cuda_is_reported_as_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    # onnxruntime-gpu without its CUDA libraries lists the CUDA provider, then silently builds a CPU
    # session; the CPU build given the CUDA provider does the same, which is what this test uses
    import onnxruntime

    preloaded: list[dict[str, bool]] = []
    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: [devices.CUDA_PROVIDER, devices.CPU_PROVIDER])
    monkeypatch.setattr(onnxruntime, "preload_dlls", lambda **kw: preloaded.append(kw), raising=False)
    pool = ModelPool({"sound_event_detection": load_settings().models["sound_event_detection"]}, device="cuda")
    with pool.use("sound_event_detection") as model:
        assert model.device == "cpu"
        assert model.device_note == (
            "on the CPU: onnxruntime could not start its CUDA provider (are its CUDA / cuDNN libraries installed?)"
        )
        assert model.probe()
    assert preloaded == [{"cuda": True, "cudnn": True, "msvc": False}]


@pytest.mark.slow
def test_the_ui_model_panel_says_where_the_model_runs_and_why() -> None:
    from audiogpt.ui import models_markdown
    from audiogpt.wording import tool_title

    agent = Agent(load_settings(engine="offline", models={"voice_activity_detection": BROKEN_GPU_VAD}))
    assert agent.pool.preload(["voice_activity_detection"]) == {}
    title = tool_title("voice_activity_detection")
    row = next(line for line in models_markdown(agent).splitlines() if line.startswith(f"| {title} |"))
    assert "loaded on cpu (cuda failed its check at load (RuntimeError); running on the CPU)" in row
    assert "no kernel image" not in row  # the raw error stays out of the chat UI
