"""GPU check of the generation path at FULL size with random weights (no downloads; ≤ 10 minutes).

    python bench/gpu_generation_check.py            # on a CUDA machine with diffusers + torchsde

Builds Stable Audio Open 1.0 and MusicGen small from their published configurations (the same
shapes as ../shared/reference/gen_bench.py: same architectures and FLOPs, random weights), saves
them in fp16 and times, for the same 10 s request, the raw pipeline call and the project's path
(ModelPool → TaskHandler → adapter, with validation, seeds, progress, the save with provenance).
Prints one table; agent/raw is the number to compare with the ≤ 1.05 goal. Not run in the session
that wrote it (no GPU was lent); docs/benchmarks.md says so.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from audiogpt.config import load_settings
from audiogpt.handler import TaskHandler
from audiogpt.session import SessionStore
from foundation_models.pool import ModelPool
from tests.tiny_generators import t5_tokenizer

SECONDS, SEED, BUDGET_S = 10.0, 0, 540.0
T0 = time.perf_counter()


def t5_base() -> Any:
    from transformers import T5Config

    return T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12)


def build_sao(folder: Path) -> Path:
    from diffusers import (
        AutoencoderOobleck,
        CosineDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioPipeline,
        StableAudioProjectionModel,
    )
    from transformers import T5EncoderModel

    with torch.device("cuda"):
        dit = StableAudioDiTModel(
            sample_size=1024,
            in_channels=64,
            num_layers=24,
            attention_head_dim=64,
            num_attention_heads=24,
            num_key_value_attention_heads=12,
            out_channels=64,
            cross_attention_dim=768,
            time_proj_dim=256,
            global_states_input_dim=1536,
            cross_attention_input_dim=768,
        )
        vae = AutoencoderOobleck(
            encoder_hidden_size=128,
            downsampling_ratios=[2, 4, 4, 8, 8],
            channel_multiples=[1, 2, 4, 8, 16],
            decoder_channels=128,
            decoder_input_channels=64,
            audio_channels=2,
            sampling_rate=44100,
        )
        text = T5EncoderModel(t5_base())
        proj = StableAudioProjectionModel(text_encoder_dim=768, conditioning_dim=768, min_value=0, max_value=512)
    sched = CosineDPMSolverMultistepScheduler(
        sigma_min=0.3,
        sigma_max=500,
        solver_order=2,
        prediction_type="v_prediction",
        sigma_data=1.0,
        sigma_schedule="exponential",
    )
    pipe = StableAudioPipeline(
        vae=vae, text_encoder=text, projection_model=proj, tokenizer=t5_tokenizer(128), transformer=dit, scheduler=sched
    )
    pipe.to(dtype=torch.float16).save_pretrained(folder)
    return folder


def build_musicgen(folder: Path) -> Path:
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        GenerationConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
    )

    dec = MusicgenDecoderConfig(
        vocab_size=2048,
        hidden_size=1024,
        num_hidden_layers=24,
        num_attention_heads=16,
        ffn_dim=4096,
        num_codebooks=4,
        max_position_embeddings=2048,
    )
    enc = EncodecConfig(
        upsampling_ratios=[8, 5, 4, 4],
        target_bandwidths=[2.2],
        num_filters=64,
        hidden_size=128,
        num_lstm_layers=2,
        sampling_rate=32000,
        codebook_size=2048,
        use_causal_conv=False,
        normalize=False,
        use_conv_shortcut=False,
    )
    with torch.device("cuda"):
        model = MusicgenForConditionalGeneration(
            MusicgenConfig(text_encoder=t5_base().to_dict(), audio_encoder=enc.to_dict(), decoder=dec.to_dict())
        )
    model.generation_config = GenerationConfig(
        do_sample=True,
        guidance_scale=3.0,
        max_length=1500,
        decoder_start_token_id=2048,
        pad_token_id=2048,
        bos_token_id=2048,
    )
    model.to(torch.float16).save_pretrained(folder)
    MusicgenProcessor(EncodecFeatureExtractor(feature_size=1, sampling_rate=32000), t5_tokenizer(512)).save_pretrained(
        folder
    )
    return folder


def raw_call(model: Any, task: str, steps: int, batch: int) -> Any:
    """The library call the adapter wraps, on the adapter's loaded objects, with the same arguments."""
    if task == "text_to_audio":
        pipe = model.pipeline
        return lambda: (
            pipe(
                ["rain on a tin roof"] * batch,
                audio_end_in_s=SECONDS,
                num_inference_steps=steps,
                generator=torch.Generator("cuda").manual_seed(SEED),
            ).audios
        )
    proc, m = model.processor, model.model

    def call() -> Any:
        torch.manual_seed(SEED)
        inputs = proc(text=["a lo-fi beat"] * batch, padding=True, return_tensors="pt").to("cuda")
        return m.generate(**inputs, do_sample=True, guidance_scale=3.0, max_new_tokens=503)

    return call


def timed(fn: Any) -> float:
    torch.cuda.synchronize()
    t = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t


def main() -> int:
    if not torch.cuda.is_available():
        print("no CUDA device: this check needs a GPU")
        return 1
    root = Path(tempfile.mkdtemp(prefix="gpucheck_"))
    rows = []
    sao, mg = build_sao(root / "sao"), build_musicgen(root / "mg")
    pool = ModelPool(
        {
            "text_to_audio": {"adapter": "stable_audio", "model": str(sao), "dtype": "float16"},
            "text_to_music": {"adapter": "musicgen", "model": str(mg), "dtype": "float16"},
        },
        "cuda",
    )
    settings = load_settings(workspace=str(root / "ws"))
    handler = TaskHandler(SessionStore(root / "ws").create(), pool, settings.limits)
    plans = [
        ("text_to_audio", "default", 100, 1),
        ("text_to_audio", "fast", 20, 1),
        ("text_to_audio", "batch4", 100, 4),
        ("text_to_music", "default", 0, 1),
        ("text_to_music", "batch4", 0, 4),
    ]
    for task, what, steps, batch in plans:
        if time.perf_counter() - T0 > BUDGET_S:
            print(f"skipped {task} {what}: time budget")
            continue
        with pool.use(task) as model:
            raw = raw_call(model, task, steps, batch)
            raw()  # warm-up
            raw_s = timed(raw)
        args: dict[str, Any] = {
            "prompt": "rain on a tin roof" if task == "text_to_audio" else "a lo-fi beat",
            "duration_s": SECONDS,
            "seed": SEED,
        }
        if task == "text_to_audio":
            args |= {"steps": steps, "candidates": batch}
        if task == "text_to_music" and batch > 1:
            continue  # text_to_music takes one prompt per call; its batch path is the adapter's (bench above)
        agent_s = timed(lambda a=args, t=task: handler.call(t, dict(a)))
        rows.append((task, what, steps, batch, raw_s, agent_s, torch.cuda.max_memory_allocated() / 2**30))
        print(
            f"{task:14} {what:8} steps={steps:<4} batch={batch} raw {raw_s:7.2f} s  project {agent_s:7.2f} s  "
            f"ratio {agent_s / raw_s:5.3f}  x_realtime {SECONDS * batch / agent_s:5.2f}",
            flush=True,
        )
    status = {s.task: s for s in pool.status()}
    for task in ("text_to_audio", "text_to_music"):
        s = status[task]
        print(f"{task}: {s.memory_mb:.0f} MiB on {s.device} ({s.memory_source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
