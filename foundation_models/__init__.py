"""Foundation-model adapters, one task and model per file; constructed cheaply, loaded on demand.

Config names an adapter by a short name below, or by ``package.module:Class`` for code outside
this package. Adding a model = one adapter file + one line here + one config entry.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from audiogpt.errors import UserError

if TYPE_CHECKING:
    from foundation_models.base import FoundationModel

ADAPTERS: dict[str, str] = {
    "faster_whisper": "foundation_models.asr_faster_whisper:FasterWhisperASR",
    "openai_whisper": "foundation_models.asr_openai_whisper:OpenAIWhisperASR",
    "faster_whisper_translate": "foundation_models.translate_faster_whisper:FasterWhisperTranslate",
    "piper": "foundation_models.tts_piper:PiperTTS",
    "deepfilternet": "foundation_models.enhance_deepfilternet:DeepFilterNetEnhancer",
    "silero_vad": "foundation_models.vad_silero:SileroVAD",
    "yamnet": "foundation_models.sed_yamnet:YamnetSED",
    # listening: separation, detection, extraction, captioning (hub weights; see docs/models.md)
    "convtasnet": "foundation_models.sep_convtasnet:ConvTasNetSeparator",
    "demucs": "foundation_models.mss_demucs:DemucsSeparator",
    "clap_detection": "foundation_models.tsd_clap:ClapTargetDetector",
    "clap_extraction": "foundation_models.extract_clap:ClapSoundExtractor",
    "clap_caption": "foundation_models.caption_clap:ClapCaptioner",
    "ast": "foundation_models.sed_ast:ASTSED",
    "qwen2_audio": "foundation_models.caption_qwen2audio:Qwen2AudioCaptioner",
    # generation on hub checkpoints (audiogpt models pull TASK)
    "stable_audio": "foundation_models.tta_stable_audio:StableAudioTTA",
    "audioldm2": "foundation_models.tta_audioldm2:AudioLDM2TTA",
    "musicgen": "foundation_models.ttm_musicgen:MusicGenTTM",
    "dasheng_audiogen": "foundation_models.scene_dasheng:DashengAudioGenScene",
    # editing tools: DSP on real libraries (see edit_base.py)
    "trim": "foundation_models.edit_trim:TrimAudio",
    "concatenate": "foundation_models.edit_concatenate:ConcatenateAudio",
    "mix": "foundation_models.edit_mix:MixAudio",
    "pedalboard_effects": "foundation_models.edit_effects:PedalboardEffects",
    "rubberband_speed": "foundation_models.edit_speed:RubberBandSpeed",
    "rubberband_pitch": "foundation_models.edit_pitch:RubberBandPitch",
    "convert": "foundation_models.edit_convert:ConvertAudio",
    "pyav_extract": "foundation_models.edit_video:PyAVExtractAudio",
    "visualize": "foundation_models.edit_visualize:VisualizeAudio",
    # a tool served by a plain function the config names as its model (see dsp_function.py)
    "function": "foundation_models.dsp_function:FunctionAdapter",
}


def adapter_class(ref: str) -> type[FoundationModel]:
    """Import the adapter class named by ``ref`` (a short name or ``module:Class``)."""
    target = ADAPTERS.get(ref, ref)
    if ":" not in target:
        raise UserError(f"Adapter {ref!r} not found; available adapters = {sorted(ADAPTERS)}")
    module_name, class_name = target.split(":", 1)
    try:  # a configuration mistake, said as such (the handler hides unexpected exceptions from users)
        cls: type[FoundationModel] = getattr(importlib.import_module(module_name), class_name)
    except ModuleNotFoundError as exc:
        raise UserError(f"adapter {ref!r} cannot be imported: module {exc.name!r} is not installed") from exc
    except AttributeError as exc:
        raise UserError(f"adapter {ref!r}: module {module_name} has no class {class_name}") from exc
    return cls
