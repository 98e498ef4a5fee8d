"""GPU check of the generation path at FULL size with random weights (no downloads; ≤ 10 minutes).

    python bench/gpu_generation_check.py            # on a CUDA machine with diffusers + torchsde
    python bench/gpu_generation_check.py --tiny     # the same code on the CPU with tiny models (a smoke run)

Builds Stable Audio Open 1.0 and MusicGen small from their published configurations (the same
shapes as ../shared/reference/gen_bench.py: same architectures and FLOPs, random weights), saves
them in fp16 and times, for the same 10 s request, the raw pipeline call and the project's path
(ModelPool → TaskHandler → adapter, with validation, seeds, progress, the save with provenance).
Prints one table; agent/raw is the number to compare with the ≤ 1.05 goal. ``--tiny`` builds the
tests' tiny checkpoints instead and runs everything on the CPU: it checks the script, not the speed.
"""

from __future__ import annotations

import argparse
import os
import statistics
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
from foundation_models import adapter_class, musicgen_static
from foundation_models.pool import ModelPool
from tests.tiny_generators import roberta_tokenizer, t5_tokenizer

SEED, BUDGET_S = 0, 540.0
T0 = time.perf_counter()
DEVICE, SECONDS = "cuda", 10.0  # --tiny: "cpu", 1.0


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

    with torch.device(DEVICE):
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
    with torch.device(DEVICE):
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


def build_audioldm2(folder: Path) -> Path:
    """AudioLDM 2 (cvssp/audioldm2) at full size: CLAP (HTSAT + RoBERTa), Flan-T5-large, GPT-2, the
    UNet, VAE and HiFi-GAN vocoder; GPT-2 saved as ``GPT2Model``, as the checkpoint stores it, so
    the adapter's ``GPT2LMHeadModel`` load of that subfolder is what runs."""
    from diffusers import (
        AudioLDM2Pipeline,
        AudioLDM2ProjectionModel,
        AudioLDM2UNet2DConditionModel,
        AutoencoderKL,
        DDIMScheduler,
    )
    from transformers import (
        ClapConfig,
        ClapFeatureExtractor,
        ClapModel,
        GPT2Config,
        GPT2Model,
        SpeechT5HifiGan,
        SpeechT5HifiGanConfig,
        T5Config,
        T5EncoderModel,
    )

    clap = ClapConfig(
        text_config={"vocab_size": 50265, "hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12,
                     "num_hidden_layers": 12, "max_position_embeddings": 514, "projection_dim": 512},
        audio_config={"patch_embeds_hidden_size": 128, "hidden_size": 1024, "depths": [2, 2, 12, 2],
                      "num_attention_heads": [4, 8, 16, 32], "projection_dim": 512},
        projection_dim=512,
    )  # fmt: skip
    flan_t5_large = T5Config(vocab_size=32128, d_model=1024, d_kv=64, d_ff=2816, num_layers=24, num_heads=16,
                             feed_forward_proj="gated-gelu", tie_word_embeddings=False)  # fmt: skip
    gpt2 = GPT2Config()  # GPT-2 base: 768 wide, 12 layers
    gpt2.max_new_tokens = 8
    vocoder = SpeechT5HifiGanConfig(model_in_dim=64, sampling_rate=16000, upsample_initial_channel=1024,
                                    upsample_rates=[5, 4, 2, 2, 2], upsample_kernel_sizes=[16, 16, 8, 4, 4],
                                    resblock_kernel_sizes=[3, 7, 11],
                                    resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5], [1, 3, 5]],
                                    normalize_before=False)  # fmt: skip
    with torch.device(DEVICE):
        unet = AudioLDM2UNet2DConditionModel(
            sample_size=256, in_channels=8, out_channels=8, block_out_channels=(128, 256, 384, 640),
            layers_per_block=2, transformer_layers_per_block=1,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=([None, 768, 1024],) * 4,
        )  # fmt: skip
        vae = AutoencoderKL(in_channels=1, out_channels=1, latent_channels=8, block_out_channels=(128, 256, 512),
                            layers_per_block=2, down_block_types=("DownEncoderBlock2D",) * 3,
                            up_block_types=("UpDecoderBlock2D",) * 3, sample_size=1024)  # fmt: skip
        parts = {
            "text_encoder": ClapModel(clap),
            "text_encoder_2": T5EncoderModel(flan_t5_large),
            "language_model": GPT2Model(gpt2),
            "projection_model": AudioLDM2ProjectionModel(
                text_encoder_dim=512, text_encoder_1_dim=1024, langauge_model_dim=768
            ),
            "vocoder": SpeechT5HifiGan(vocoder),
        }
    sched = DDIMScheduler(num_train_timesteps=1000, beta_start=0.0015, beta_end=0.0195, beta_schedule="scaled_linear",
                          steps_offset=1, clip_sample=False, set_alpha_to_one=False)  # fmt: skip
    pipe = AudioLDM2Pipeline(
        vae=vae, unet=unet, scheduler=sched, tokenizer=roberta_tokenizer(512), tokenizer_2=t5_tokenizer(128),
        feature_extractor=ClapFeatureExtractor(feature_size=64, sampling_rate=48000), **parts,
    )  # fmt: skip
    pipe.to(dtype=torch.float16).save_pretrained(folder)
    return folder


def raw_call(model: Any, task: str, steps: int, batch: int, kind: str = "same") -> Any:
    """The library call the adapter wraps, on the adapter's loaded objects, with the same arguments;
    ``steps`` is the denoising steps (Stable Audio) or the new tokens (MusicGen).

    Stable Audio: several versions of one prompt with one generator per version (seed, seed+1, …),
    as the adapter asks so that each version can be remade alone; kind "one" times the same batch
    with a single generator, to show what per-version seeds cost (one Brownian tree each in the
    default scheduler). MusicGen: ``generate``, the call the adapter made before its static decoder;
    kind "eager" is the static decoder without its CUDA graph, to show what the graph adds.
    """
    if task == "text_to_audio":
        pipe = model.pipeline
        audioldm2 = hasattr(model, "dpm")  # AudioLDM 2's adapter: DPM++ up to 50 steps, else its DDIM

        def make(n: int = steps) -> Any:
            if kind == "one":
                generator: Any = torch.Generator(DEVICE).manual_seed(SEED)
            else:
                generator = [torch.Generator(DEVICE).manual_seed(SEED + i) for i in range(batch)]
            length: dict[str, float] = {"audio_end_in_s": SECONDS}
            if audioldm2:
                pipe.scheduler = model.dpm if n <= 50 else model.ddim
                length = {"audio_length_in_s": SECONDS}
            return pipe(
                ["rain on a tin roof"], num_inference_steps=n, num_waveforms_per_prompt=batch, generator=generator,
                **length,
            ).audios  # fmt: skip

        return make
    proc, m = model.processor, model.model

    def call(n: int = steps) -> Any:
        torch.manual_seed(SEED)
        inputs = proc(text=["a lo-fi beat"] * batch, padding=True, return_tensors="pt").to(DEVICE)
        if kind == "eager":
            with torch.inference_mode():
                return musicgen_static.generate(m, inputs, n, 3.0, graph=False)[1]
        return m.generate(**inputs, do_sample=True, guidance_scale=3.0, max_new_tokens=n)

    return call


def sync() -> None:
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def timed(fn: Any) -> float:
    sync()
    t = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - t


def fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f}"


def peak_gib() -> float:
    return torch.cuda.max_memory_allocated() / 2**30 if DEVICE == "cuda" else float("nan")


def main() -> int:
    global DEVICE, SECONDS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="tiny checkpoints on the CPU: checks the script, not speed")
    ap.add_argument("--tasks", default="text_to_audio,text_to_music", help="comma-separated (default both)")
    ap.add_argument("--runs", help="comma-separated run labels to keep (default: all)")
    ap.add_argument("--repeats", type=int, default=1, help="multiply every run's repeats (tighter medians)")
    ap.add_argument("--tta", choices=["stable_audio", "audioldm2"], default="stable_audio",
                    help="the text_to_audio adapter to time (default stable_audio)")  # fmt: skip
    args = ap.parse_args()
    tasks = {t.strip() for t in args.tasks.split(",") if t.strip()}
    if args.tiny:
        from tests import tiny_generators

        DEVICE, SECONDS, dtype = "cpu", 1.0, "float32"
        build_a, build_m = tiny_generators.build_stable_audio, tiny_generators.build_musicgen
        if args.tta == "audioldm2":
            build_a = tiny_generators.build_audioldm2
    elif not torch.cuda.is_available():
        print("no CUDA device: this check needs a GPU (or --tiny for a CPU smoke run)")
        return 1
    else:
        dtype, build_a, build_m = "float16", build_sao, build_musicgen
        if args.tta == "audioldm2":
            build_a = build_audioldm2
    print(f"torch {torch.__version__}, device {torch.cuda.get_device_name() if DEVICE == 'cuda' else 'cpu'}, "
          f"{SECONDS:g} s of audio a request, dtype {dtype}", flush=True)  # fmt: skip
    root = Path(tempfile.mkdtemp(prefix="gpucheck_"))
    specs: dict[str, dict[str, Any]] = {}
    if "text_to_audio" in tasks:
        specs["text_to_audio"] = {"adapter": args.tta, "model": str(build_a(root / "tta")), "dtype": dtype}
    if "text_to_music" in tasks:
        specs["text_to_music"] = {"adapter": "musicgen", "model": str(build_m(root / "mg")), "dtype": dtype}
    print(f"built and saved in {time.perf_counter() - T0:.1f} s", flush=True)
    pool = ModelPool(specs, DEVICE)
    settings = load_settings(workspace=str(root / "ws"))
    handler = TaskHandler(SessionStore(root / "ws").create(), pool, settings.limits)
    tokens = round(SECONDS * 50) + 3  # MusicGen: 50 frames a second + the delay pattern's 3 steps
    full = not args.tiny
    # (task, label, steps or tokens, batch, repeats, raw call, seconds): raw and project alternate
    # `repeats` times, medians kept; raw "one" = one generator for the batch, None = the project alone
    preset = adapter_class(args.tta).presets  # type: ignore[attr-defined]
    default, fast = (preset["default"], preset["fast"]) if full else (8, 4)
    plans = [
        ("text_to_audio", "default", default, 1, 2, "same", SECONDS),
        ("text_to_audio", "fast", fast, 1, 3, "same", SECONDS),
        ("text_to_audio", "batch4", default, 4, 2, "same", SECONDS),
        ("text_to_audio", "batch4 one generator (raw)", default, 4, 1, "one", SECONDS),
        ("text_to_music", "default", tokens, 1, 2, "same", SECONDS),
        ("text_to_music", "static cache without CUDA graph (raw)", tokens, 1, 1, "eager", SECONDS),
        ("text_to_music", "30 s (project)", (30 if full else 2) * 50 + 3, 1, 1, None, 30.0 if full else 2.0),
    ]
    rows = []
    keep = {r.strip() for r in args.runs.split(",")} if args.runs else None
    for task, what, steps, batch, repeats, raw_kind, seconds in plans:
        if task not in tasks or (keep is not None and what not in keep):
            continue
        repeats *= args.repeats
        if time.perf_counter() - T0 > BUDGET_S:
            print(f"skipped {task} {what}: time budget", flush=True)
            continue
        args_: dict[str, Any] = {
            "prompt": "rain on a tin roof" if task == "text_to_audio" else "a lo-fi beat",
            "duration_s": seconds,
            "seed": SEED,
        }
        if task == "text_to_audio":
            args_ |= {"steps": steps, "candidates": batch}
        raws: list[float] = []
        agents: list[float] = []
        raw = None
        with pool.use(task) as model:
            if raw_kind is not None:
                raw = raw_call(model, task, steps, batch, raw_kind)
                raw(4)  # warm-up: kernels, allocator, cuDNN autotune (a few steps/tokens, not a whole run)
        for _ in range(repeats):
            if raw is not None:
                with pool.use(task):
                    raws.append(timed(raw))
            if raw_kind in ("one", "eager"):
                continue
            obs: Any = None

            def project(a: dict[str, Any] = args_, t: str = task) -> None:
                nonlocal obs
                handler.calls.clear()  # each request is a turn of its own (a turn allows 8 tool calls)
                obs = handler.call(t, dict(a))

            agents.append(timed(project))
            if obs is None or not obs.ok:
                print(f"{task} {what}: the project's call failed: {obs and obs.error}")
                return 1
        raw_s = statistics.median(raws) if raws else None
        agent_s = statistics.median(agents) if agents else None
        rows.append((task, what, steps, batch, raw_s, agent_s, peak_gib(), seconds))
        print(f"{task} {what}: raw {raws} project {agents}", flush=True)
    print("\n| task | run | steps/tokens | batch | raw s | project s | project/raw | x real time "
          "| peak GiB |\n|---|---|---:|---:|---:|---:|---:|---:|---:|")  # fmt: skip
    for task, what, steps, batch, raw_s, agent_s, peak, seconds in rows:
        ratio = f"{agent_s / raw_s:.3f}" if agent_s and raw_s else "-"
        rt = f"{seconds * batch / (agent_s or raw_s):.2f}"
        cells = f"{fmt(raw_s)} | {fmt(agent_s)} | {ratio} | {rt} | {peak:.2f}"
        print(f"| {task} | {what} | {steps} | {batch} | {cells} |")
    for s in pool.status():
        name = type(pool.adapter(s.task)).__name__
        print(f"{s.task}: {name} loaded in {s.load_s:.2f} s, {s.memory_mb:.0f} MiB on {s.device} ({s.memory_source})")
    print(f"total {time.perf_counter() - T0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
