"""The generation adapters on tiny random-weight checkpoints, loaded through their real from_pretrained path.

The dasheng_audiogen checks use a tiny model class of our own with Dasheng-AudioGen's interface,
loaded by ``AutoModel`` + ``trust_remote_code`` from the folder's ``auto_map``: they test our adapter
and that loading path, not Dasheng's network.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audiogpt.errors import UserError
from foundation_models import adapter_class
from foundation_models.base import CallCancelled, RunContext
from foundation_models.generation_base import GenerationRequest
from foundation_models.weights import WeightsMissing
from tests import tiny_generators as tiny


@dataclass(frozen=True)
class Case:
    adapter: str
    build: Any
    sample_rate: int
    channels: int
    hop: int  # samples per latent/codec frame: the duration tolerance
    limit_s: float | None  # longest clip of the tiny checkpoint (None: the model picks its length)
    steps: int = 2


CASES = {
    "stable_audio": Case("stable_audio", tiny.build_stable_audio, 2048, 2, 8, 1.0),
    "audioldm2": Case("audioldm2", tiny.build_audioldm2, 16000, 1, 160, 30.0),
    "musicgen": Case("musicgen", tiny.build_musicgen, 32000, 1, 640, 30.0, steps=0),
    "dasheng_audiogen": Case("dasheng_audiogen", tiny.build_scene, 16000, 1, 0, None),
}
SECONDS = 0.5


@pytest.fixture(scope="module", params=list(CASES))
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Case, Any, Path]:
    c = CASES[request.param]
    folder = c.build(tmp_path_factory.mktemp(c.adapter) / "checkpoint")
    model = adapter_class(c.adapter)(model=str(folder), device="cpu")
    return c, model, folder


@pytest.fixture(scope="module")
def stable_audio(tmp_path_factory: pytest.TempPathFactory) -> tuple[Case, Any, Path]:
    """The Stable Audio case alone, for what only it has (its window) or what one adapter shows for all."""
    c = CASES["stable_audio"]
    folder = c.build(tmp_path_factory.mktemp("stable_audio_only") / "checkpoint")
    return c, adapter_class(c.adapter)(model=str(folder), device="cpu"), folder


def request_for(c: Case, **kw: Any) -> GenerationRequest:
    kw.setdefault("prompt", "a dog barking in the rain")
    kw.setdefault("duration_s", None if c.limit_s is None else SECONDS)
    kw.setdefault("steps", c.steps or None)
    return GenerationRequest(**kw)


def test_output_type_rate_channels_duration(case: tuple[Case, Any, Path]) -> None:
    c, model, _ = case
    out = model.run(request_for(c, seed=1))
    assert len(out.audio) == 1
    audio = out.audio[0]
    assert audio.samples.dtype == np.float32 and np.isfinite(audio.samples).all()
    assert audio.sample_rate == c.sample_rate and audio.channels == c.channels
    if c.limit_s is not None:
        assert abs(audio.frames - SECONDS * c.sample_rate) <= c.hop
    else:  # Dasheng predicts its own length: something audible, not empty
        assert audio.frames > 0


def test_seed_reproduces_and_differs(case: tuple[Case, Any, Path]) -> None:
    c, model, _ = case
    a = model.run(request_for(c, seed=7)).audio[0].samples
    b = model.run(request_for(c, seed=7)).audio[0].samples
    other = model.run(request_for(c, seed=8)).audio[0].samples
    np.testing.assert_array_equal(a, b)
    assert a.shape != other.shape or not np.array_equal(a, other)


def test_provenance_records_model_seed_steps(case: tuple[Case, Any, Path]) -> None:
    c, model, folder = case
    out = model.run(request_for(c, seed=None))
    info = out.info
    assert info["model"] == str(folder) and isinstance(info["seed"], int) and info["steps"] >= 1
    again = model.run(request_for(c, seed=info["seed"]))  # the recorded seed reproduces the clip
    np.testing.assert_array_equal(out.audio[0].samples, again.audio[0].samples)


def test_progress_once_per_step_and_cancel(case: tuple[Case, Any, Path]) -> None:
    c, model, _ = case
    events: list[tuple[int, int, str]] = []
    out = model.run(request_for(c, seed=1), RunContext(on_progress=lambda d, t, w: events.append((d, t, w))))
    steps = out.info["steps"]
    assert [e[0] for e in events] == list(range(1, steps + 1)) and all(e[1] == steps for e in events)
    ctx = RunContext()
    ctx.cancel_event.set()
    with pytest.raises(CallCancelled):
        model.run(request_for(c, seed=1), ctx)


def test_batch_of_three_prompts_runs_as_one_call(case: tuple[Case, Any, Path]) -> None:
    c, model, _ = case
    prompts = ["rain on a roof", "a dog barking", "calm piano"]
    if c.adapter == "dasheng_audiogen":  # one scene, three candidates in one batch
        out = model.run(request_for(c, caption="rain on a roof", candidates=3, seed=2))
    else:
        out = model.run(request_for(c, prompts=prompts, seed=2))
        assert out.info["prompts"] == prompts
    assert len(out.audio) == 3
    assert len({a.samples.tobytes() for a in out.audio}) == 3  # three different clips


BAD_INPUTS = [
    ("prompt", "   ", "empty"),
    ("prompt", "rain " * 2000, "10,000 characters"),
    ("duration_s", 0.0, "positive number of seconds"),
    ("duration_s", -3.0, "positive number of seconds"),
    ("duration_s", math.nan, "positive number of seconds"),
    ("duration_s", 500.0, "at most"),
    ("candidates", 40, "between 1 and"),
    ("steps", 0, "steps must be between"),
]


def test_bad_input_is_one_clear_sentence_and_the_model_still_serves(case: tuple[Case, Any, Path]) -> None:
    c, model, _ = case
    for field, value, message in BAD_INPUTS:
        if (c.limit_s is None and field == "duration_s") or (c.adapter == "musicgen" and field == "steps"):
            continue  # Dasheng takes no duration (see test_scene_parts_and_length_note); MusicGen's steps = tokens
        with pytest.raises(UserError, match=message):
            model.run(request_for(c, **{field: value}))
    assert model.run(request_for(c, seed=1)).audio  # still serving


def test_beyond_the_checkpoints_own_window(stable_audio: tuple[Case, Any, Path]) -> None:
    """Only Stable Audio's window depends on the checkpoint (the tiny one: 1 s)."""
    c, model, _ = stable_audio
    with pytest.raises(UserError, match=r"at most 1\.0 s"):
        model.run(request_for(c, duration_s=5.0))


def test_folder_with_a_missing_file(case: tuple[Case, Any, Path], tmp_path: Path) -> None:
    c, _, folder = case
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    weights = sorted(broken.rglob("*.safetensors"))
    weights[-1].unlink()
    model = adapter_class(c.adapter)(model=str(broken), device="cpu")
    with pytest.raises(UserError, match="could not be loaded: a file of the checkpoint is missing") as err:
        model.run(request_for(c, seed=1))
    assert str(tmp_path) not in str(err.value)  # no server paths in what the user reads
    assert not model.loaded


def test_hub_id_not_downloaded_says_how_to_fetch(
    case: tuple[Case, Any, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants as hc

    c, _, _ = case
    monkeypatch.setattr(hc, "HF_HUB_CACHE", str(tmp_path))
    cls = adapter_class(c.adapter)
    with pytest.raises(WeightsMissing, match=f"audiogpt models pull {cls.task}"):
        cls(device="cpu").run(request_for(c, seed=1))


def test_scene_parts_and_length_note(tmp_path: Path) -> None:
    folder = tiny.build_scene(tmp_path / "scene")
    model = adapter_class("dasheng_audiogen")(model=str(folder), device="cpu")
    req = GenerationRequest(
        caption="a detective narrating over rain", transcript="the city never sleeps", music="a sad saxophone"
    )
    out = model.run(GenerationRequest(**{**req.__dict__, "seed": 1, "steps": 2, "duration_s": 8.0}))
    assert type(model.model).__module__.startswith("transformers_modules")  # loaded from the folder's code
    assert out.info["prompts"] == [
        "caption: a detective narrating over rain | asr: the city never sleeps | music: a sad saxophone"
    ]
    assert out.info["scene"] == {"asr": "the city never sleeps", "music": "a sad saxophone"}
    assert any("chooses the scene's length itself" in n for n in out.notes)


def test_out_of_gpu_memory_is_one_sentence_and_the_model_still_serves(
    stable_audio: tuple[Case, Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One adapter is enough: the OOM handling is GenerationModel's."""
    import torch

    c, model, _ = stable_audio
    model.load()
    real = model._generate
    calls = {"n": 0}

    def oom_once(plan: Any, ctx: RunContext) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return real(plan, ctx)

    monkeypatch.setattr(model, "_generate", oom_once)
    with pytest.raises(UserError, match="ran out of memory making 1 clip") as err:
        model.run(request_for(c, seed=1))
    assert "GiB" not in str(err.value)  # the library's text stays in the log
    assert model.run(request_for(c, seed=1)).audio
