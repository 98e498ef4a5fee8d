"""MusicGen's static-cache decoder (foundation_models/musicgen_static.py) against transformers' own
``generate``, on tiny random-weight checkpoints loaded through ``from_pretrained``: the same codes
greedily, the same draws when sampling from the same seed, and the same audio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from foundation_models import musicgen_static
from tests import tiny_generators as tiny

torch = pytest.importorskip("torch")
PROMPTS = ["a slow jazz piano", "drums"]  # different lengths: the batch is padded


def load(folder: Path) -> tuple[Any, Any]:
    from transformers import AutoProcessor, MusicgenForConditionalGeneration

    model = MusicgenForConditionalGeneration.from_pretrained(folder, local_files_only=True).eval()
    return model, AutoProcessor.from_pretrained(folder, local_files_only=True)


@pytest.fixture(scope="module")
def mono(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    return load(tiny.build_musicgen(tmp_path_factory.mktemp("mg") / "m"))


def reference(model: Any, batch: Any, tokens: int, guidance: float, sample: bool, seed: int = 0) -> Any:
    torch.manual_seed(seed)
    with torch.inference_mode():
        return model.generate(**batch, do_sample=sample, guidance_scale=guidance, max_new_tokens=tokens)


def ours(model: Any, batch: Any, tokens: int, guidance: float, sample: bool, seed: int = 0, **kw: Any) -> Any:
    torch.manual_seed(seed)
    with torch.inference_mode():
        return musicgen_static.generate(model, batch, tokens, guidance, do_sample=sample, **kw)


@pytest.mark.parametrize("guidance", [3.0, 1.0])
def test_greedy_codes_and_audio_match_generate(mono: tuple[Any, Any], guidance: float) -> None:
    model, processor = mono
    batch = processor(text=PROMPTS, padding=True, return_tensors="pt")
    expected = reference(model, batch, 40, guidance, sample=False)
    codes, audio, static = ours(model, batch, 40, guidance, sample=False)
    assert codes.shape == (2, 4, 40 - 3)  # the delay pattern costs num_codebooks - 1 steps
    assert audio.shape == expected.shape == (2, 1, 37 * 640)
    torch.testing.assert_close(audio, expected, rtol=0, atol=1e-5)
    assert static.rows == (4 if guidance > 1 else 2) and static.graph is None  # the CPU runs the step eagerly


def test_sampling_draws_the_same_tokens_from_the_same_seed(mono: tuple[Any, Any]) -> None:
    model, processor = mono
    batch = processor(text=PROMPTS, padding=True, return_tensors="pt")
    expected = reference(model, batch, 60, 3.0, sample=True, seed=7)
    _, audio, _ = ours(model, batch, 60, 3.0, sample=True, seed=7)
    torch.testing.assert_close(audio, expected, rtol=0, atol=1e-5)
    _, other, _ = ours(model, batch, 60, 3.0, sample=True, seed=8)
    assert not torch.allclose(other, audio)  # the seed matters: sampling is not greedy in disguise


def test_the_static_decoder_is_reused_and_gives_the_same_result(mono: tuple[Any, Any]) -> None:
    model, processor = mono
    batch = processor(text=PROMPTS, padding=True, return_tensors="pt")
    codes, _, static = ours(model, batch, 30, 3.0, sample=True, seed=1)
    steps: list[int] = []
    again, _, reused = ours(model, batch, 50, 3.0, sample=True, seed=1, reuse=static, on_step=steps.append)
    assert reused is static  # 50 steps fit the same 128-step cache: no new buffers (nor a new graph on CUDA)
    # the same draws, up to where the shorter run's closing delay pattern changed the decoder's input
    assert torch.equal(again[..., :24], codes[..., :24])
    assert steps == list(range(1, 51))
    one = processor(text=["rain"], padding=True, return_tensors="pt")
    _, _, other = ours(model, one, 30, 3.0, sample=True, reuse=static)
    assert other is not static and other.rows == 2  # another batch shape gets its own buffers


def test_text_projection_and_stereo_checkpoints(tmp_path: Path) -> None:
    model, processor = load(tiny.build_musicgen(tmp_path / "st", text_width=24, channels=2))
    assert model.text_encoder.config.hidden_size != model.decoder.config.hidden_size  # enc_to_dec_proj is used
    batch = processor(text=PROMPTS, padding=True, return_tensors="pt")
    expected = reference(model, batch, 30, 3.0, sample=False)
    codes, audio, _ = ours(model, batch, 30, 3.0, sample=False)
    assert codes.shape == (2, 8, 30 - 3) and audio.shape == expected.shape == (2, 2, 27 * 640)
    torch.testing.assert_close(audio, expected, rtol=0, atol=1e-5)


@pytest.mark.gpu
def test_the_cuda_graph_replays_the_eager_step(tmp_path: Path) -> None:
    assert torch.cuda.is_available(), "the gpu marker is for machines with CUDA"
    model, processor = load(tiny.build_musicgen(tmp_path / "g"))
    model = model.to("cuda")
    batch = processor(text=PROMPTS, padding=True, return_tensors="pt").to("cuda")
    eager, _, plain = ours(model, batch, 80, 3.0, sample=False, graph=False)
    graphed, _, captured = ours(model, batch, 80, 3.0, sample=False, graph=True)
    assert plain.graph is None and captured.graph is not None
    assert torch.equal(eager, graphed)
    expected = reference(model, batch, 80, 3.0, sample=False)
    _, audio, _ = ours(model, batch, 80, 3.0, sample=False, reuse=captured)
    torch.testing.assert_close(audio, expected, rtol=0, atol=1e-4)


def test_the_adapter_makes_what_generate_makes_and_says_how(tmp_path: Path) -> None:
    import numpy as np

    from foundation_models.generation_base import GenerationRequest
    from foundation_models.ttm_musicgen import MusicGenTTM

    folder = tiny.build_musicgen(tmp_path / "a")
    made = {}
    for static in (True, False):
        model = MusicGenTTM(model=str(folder), device="cpu", static_decoding=static)
        out = model.run(GenerationRequest(prompts=PROMPTS, duration_s=0.6, seed=3))
        made[static] = (np.stack([a.samples for a in out.audio]), out.info)
        model.unload()
    np.testing.assert_allclose(made[True][0], made[False][0], rtol=0, atol=1e-5)
    assert made[True][0].shape == (2, round(0.6 * 32000))
    assert made[True][1]["decoding"] == "static cache" and made[False][1]["decoding"] == "transformers generate"
