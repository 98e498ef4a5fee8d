"""Tiny random-weight generators saved with ``save_pretrained``: the real classes, a few layers each.

Each builder writes a folder that the adapter then loads through its own ``from_pretrained`` path.
Tokenizers are built here with the ``tokenizers`` library (same tokenizer classes as the real
checkpoints, a small vocabulary): the hub's tokenizers cannot be fetched offline.
The audio they make is noise; the tests check shapes, rates, lengths, seeds, progress and batching.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

WORDS = [
    "a",
    "the",
    "and",
    "of",
    "in",
    "with",
    "rain",
    "dog",
    "barking",
    "thunder",
    "birds",
    "wind",
    "city",
    "street",
    "night",
    "calm",
    "piano",
    "drums",
    "bass",
    "guitar",
    "jazz",
    "lofi",
    "beat",
    "slow",
    "fast",
    "sad",
    "happy",
    "music",
    "voice",
    "speech",
    "detective",
    "saxophone",
    "footsteps",
    "door",
    "fire",
    "water",
    "waves",
    "sea",
    "crowd",
    "engine",
    "car",
    "forest",
    "morning",
]
CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.,'!?-"


def t5_tokenizer(max_length: int) -> Any:
    """A SentencePiece-style (Unigram, metaspace) tokenizer wrapped as transformers' T5 tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import T5TokenizerFast

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -3.0)]
    vocab += [("\u2581" + w, -2.0) for w in WORDS]
    vocab += [(c, -6.0) for c in CHARS] + [("\u2581" + c, -6.5) for c in CHARS]
    tok = Tokenizer(models.Unigram(vocab, unk_id=2))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)]
    )
    fast = T5TokenizerFast(tokenizer_object=tok, eos_token="</s>", unk_token="<unk>", pad_token="<pad>", extra_ids=0)
    fast.model_max_length = max_length
    return fast


def roberta_tokenizer(max_length: int) -> Any:
    """A byte-level BPE tokenizer (CLAP's text branch) with the 256 byte symbols and no merges."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import RobertaTokenizerFast

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for ch in pre_tokenizers.ByteLevel.alphabet():
        vocab.setdefault(ch, len(vocab))
    vocab["<mask>"] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    fast = RobertaTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        mask_token="<mask>",
        cls_token="<s>",
        sep_token="</s>",
    )
    fast.model_max_length = max_length
    return fast


def _t5_config(d_model: int = 16, gated: bool = False) -> Any:
    from transformers import T5Config

    return T5Config(
        vocab_size=128,
        d_model=d_model,
        d_kv=4,
        d_ff=32,
        num_layers=1,
        num_heads=2,
        feed_forward_proj="gated-gelu" if gated else "relu",
    )


def build_stable_audio(folder: Path) -> Path:
    """StableAudioPipeline: 256 latents × VAE hop 8 at 2,048 Hz = a 1.0 s window, stereo."""
    import torch
    from diffusers import (
        AutoencoderOobleck,
        CosineDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioPipeline,
        StableAudioProjectionModel,
    )
    from transformers import T5EncoderModel

    torch.manual_seed(0)
    dit = StableAudioDiTModel(
        sample_size=256,
        in_channels=8,
        num_layers=1,
        attention_head_dim=8,
        num_attention_heads=2,
        num_key_value_attention_heads=1,
        out_channels=8,
        cross_attention_dim=16,
        time_proj_dim=16,
        global_states_input_dim=32,
        cross_attention_input_dim=16,
    )
    vae = AutoencoderOobleck(
        encoder_hidden_size=4,
        downsampling_ratios=[2, 4],
        channel_multiples=[1, 2],
        decoder_channels=4,
        decoder_input_channels=8,
        audio_channels=2,
        sampling_rate=2048,
    )
    text = T5EncoderModel(_t5_config())
    proj = StableAudioProjectionModel(text_encoder_dim=16, conditioning_dim=16, min_value=0, max_value=512)
    sched = CosineDPMSolverMultistepScheduler(
        sigma_min=0.3,
        sigma_max=500,
        solver_order=2,
        prediction_type="v_prediction",
        sigma_data=1.0,
        sigma_schedule="exponential",
    )
    StableAudioPipeline(
        vae=vae, text_encoder=text, projection_model=proj, tokenizer=t5_tokenizer(32), transformer=dit, scheduler=sched
    ).save_pretrained(folder)
    return folder


def build_audioldm2(folder: Path) -> Path:
    """AudioLDM2Pipeline at 16 kHz with a GPT-2 saved as GPT2Model, as cvssp/audioldm2 stores it."""
    import torch
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
        T5EncoderModel,
    )

    torch.manual_seed(0)
    unet = AudioLDM2UNet2DConditionModel(
        sample_size=32,
        in_channels=8,
        out_channels=8,
        block_out_channels=(8, 16),
        layers_per_block=1,
        norm_num_groups=8,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=([None, 16, 24], [None, 16, 24]),
        attention_head_dim=2,
    )
    vae = AutoencoderKL(
        in_channels=1,
        out_channels=1,
        latent_channels=8,
        block_out_channels=(8, 16),
        norm_num_groups=8,
        layers_per_block=1,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
    )
    clap = ClapConfig(
        text_config=dict(
            vocab_size=300,
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=1,
            max_position_embeddings=130,
            projection_dim=16,
        ),
        audio_config=dict(
            spec_size=64,
            window_size=4,
            num_mel_bins=64,
            intermediate_size=32,
            depths=[1, 1],
            num_attention_heads=[1, 1],
            hidden_size=16,
            patch_embeds_hidden_size=8,
            projection_dim=16,
            patch_size=4,
            patch_stride=[4, 4],
        ),
        projection_dim=16,
    )
    gpt2 = GPT2Config(n_embd=16, n_layer=1, n_head=2, vocab_size=64, n_positions=64)
    gpt2.max_new_tokens = 4
    t5 = T5EncoderModel(_t5_config(24, gated=True))
    vocoder = SpeechT5HifiGan(
        SpeechT5HifiGanConfig(
            model_in_dim=16,
            sampling_rate=16000,
            upsample_initial_channel=64,
            upsample_rates=[5, 4, 2, 2, 2],
            upsample_kernel_sizes=[10, 8, 4, 4, 4],
            resblock_kernel_sizes=[3],
            resblock_dilation_sizes=[[1]],
            normalize_before=False,
        )
    )
    sched = DDIMScheduler(
        beta_start=0.0015,
        beta_end=0.0195,
        beta_schedule="scaled_linear",
        steps_offset=1,
        clip_sample=False,
        set_alpha_to_one=False,
    )
    pipe = AudioLDM2Pipeline(
        vae=vae,
        text_encoder=ClapModel(clap),
        text_encoder_2=t5,
        projection_model=AudioLDM2ProjectionModel(text_encoder_dim=16, text_encoder_1_dim=24, langauge_model_dim=16),
        language_model=GPT2Model(gpt2),
        tokenizer=roberta_tokenizer(128),
        tokenizer_2=t5_tokenizer(32),
        feature_extractor=ClapFeatureExtractor(feature_size=64, sampling_rate=48000),
        unet=unet,
        scheduler=sched,
        vocoder=vocoder,
    )
    pipe.save_pretrained(folder)
    return folder


def build_musicgen(folder: Path, text_width: int = 16, channels: int = 1) -> Path:
    """MusicgenForConditionalGeneration: EnCodec 32 kHz (hop 640 = 50 frames/s), 4 codebooks a channel.

    ``text_width`` other than the decoder's 16 adds the text-to-decoder projection (as in musicgen-small:
    T5-base 768 -> 1024); ``channels=2`` is a stereo checkpoint (8 interleaved codebooks)."""
    import torch
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        GenerationConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
    )

    torch.manual_seed(0)
    decoder = MusicgenDecoderConfig(
        vocab_size=64,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        ffn_dim=32,
        num_codebooks=4 * channels,
        audio_channels=channels,
        max_position_embeddings=2048,
        bos_token_id=64,
        pad_token_id=64,
    )
    encodec = EncodecConfig(
        upsampling_ratios=[8, 5, 4, 4],
        target_bandwidths=[2.2],
        num_filters=4,
        hidden_size=16,
        num_lstm_layers=1,
        sampling_rate=32000,
        codebook_size=64,
        codebook_dim=16,
        use_causal_conv=False,
        normalize=False,
        use_conv_shortcut=False,
    )
    cfg = MusicgenConfig(
        text_encoder=_t5_config(text_width).to_dict(), audio_encoder=encodec.to_dict(), decoder=decoder.to_dict()
    )
    model = MusicgenForConditionalGeneration(cfg)
    with (
        torch.no_grad()
    ):  # EnCodec starts with all-zero codebooks (trained ones are not): every code would decode alike
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.normal_()
    model.generation_config = GenerationConfig(
        do_sample=True, guidance_scale=3.0, max_length=1500, decoder_start_token_id=64, pad_token_id=64, bos_token_id=64
    )
    model.save_pretrained(folder)
    processor = MusicgenProcessor(EncodecFeatureExtractor(feature_size=1, sampling_rate=32000), t5_tokenizer(64))
    processor.save_pretrained(folder)
    return folder


SCENE_CODE = '''
"""A tiny stand-in with Dasheng-AudioGen's public interface (compose_prompt / generate), for tests.

It is NOT Dasheng's network: a GRU over character ids drives a noise-shaping head, sampled over
``num_steps`` refinement steps. It exists to test AudioGPT's adapter and the trust_remote_code
loading path (auto_map -> this file), nothing about Dasheng's quality.
"""
import torch
from transformers import PretrainedConfig, PreTrainedModel


class TinySceneConfig(PretrainedConfig):
    model_type = "tiny_scene"

    def __init__(self, hidden=8, sample_rate=16000, seconds_per_char=0.01, **kw):
        self.hidden, self.sample_rate, self.seconds_per_char = hidden, sample_rate, seconds_per_char
        super().__init__(**kw)


class TinySceneModel(PreTrainedModel):
    config_class = TinySceneConfig

    def __init__(self, config):
        super().__init__(config)
        self.embed = torch.nn.Embedding(256, config.hidden)
        self.head = torch.nn.Linear(config.hidden, 1)
        self.post_init()

    def compose_prompt(self, caption, speech=None, asr=None, sfx=None, music=None, env=None):
        parts = [f"caption: {caption}"] + [f"{k}: {v}" for k, v in
                 (("speech", speech), ("asr", asr), ("sfx", sfx), ("music", music), ("env", env)) if v]
        return " | ".join(parts)

    @torch.no_grad()
    def generate(self, prompts, num_steps=25, guidance_scale=5.0, callback=None):
        out = []
        for text in prompts:  # the length is the model's own choice (here: from the prompt)
            ids = torch.tensor([min(ord(c), 255) for c in text], device=self.device)
            frames = int(len(text) * self.config.seconds_per_char * self.config.sample_rate)
            gain = torch.sigmoid(self.head(self.embed(ids).mean(0)))
            x = torch.randn(frames, device=self.device)
            for step in range(num_steps):
                x = x * (1 - 1 / (step + 2)) + gain * torch.randn(frames, device=self.device) / (step + 2)
                if callback is not None:
                    callback(step)
            out.append(x.clamp(-1, 1).unsqueeze(0))
        return out
'''


def build_scene(folder: Path) -> Path:
    """A folder that ``AutoModel.from_pretrained(folder, trust_remote_code=True)`` loads via ``auto_map``."""
    import importlib.util
    import json
    import sys

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "modeling_tiny_scene.py").write_text(SCENE_CODE)
    spec = importlib.util.spec_from_file_location("tiny_scene_build", folder / "modeling_tiny_scene.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["tiny_scene_build"] = module
    spec.loader.exec_module(module)
    model = module.TinySceneModel(module.TinySceneConfig())
    model.save_pretrained(folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["auto_map"] = {
        "AutoConfig": "modeling_tiny_scene.TinySceneConfig",
        "AutoModel": "modeling_tiny_scene.TinySceneModel",
    }
    (folder / "config.json").write_text(json.dumps(cfg, indent=1))
    return folder


def stable_audio_agent(root: Path) -> Any:
    """An offline-router Agent whose text_to_audio is a tiny Stable Audio built under ``root`` (CPU)."""
    from audiogpt.agent import Agent
    from audiogpt.config import load_settings
    from foundation_models.pool import ModelPool

    models = dict(load_settings().models)
    models["text_to_audio"] = {"adapter": "stable_audio", "model": str(build_stable_audio(root / "sao"))}
    return Agent(load_settings(engine="offline"), pool=ModelPool(models, "cpu"))
