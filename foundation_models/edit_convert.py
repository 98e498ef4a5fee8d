"""convert_audio: format (wav, flac, mp3, ogg, opus via libsndfile), sample rate (soxr, very high
quality), channels (mono average / stereo copy) and bit depth."""

from __future__ import annotations

from audiogpt.audio import OPUS_RATES
from audiogpt.tools.convert_audio import ConvertAudioInput
from foundation_models.base import ModelOutput, RunContext, audio_in
from foundation_models.edit_base import EditingTool, as_channels, from_frames

SUBTYPES = {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}  # bit depth → soundfile subtype (wav/flac)
MP3_MAX_RATE = 48000  # MPEG-1 Layer III goes up to 48 kHz


class ConvertAudio(EditingTool):
    task = "convert_audio"
    default_model = "dsp:soundfile+soxr"
    libraries = ("soundfile", "soxr")

    def run(self, inputs: ConvertAudioInput, ctx: RunContext) -> ModelOutput:
        audio = audio_in(inputs.audio)
        fmt = inputs.format or "wav"
        notes: list[str] = []
        if inputs.channels:
            audio = from_frames(as_channels(audio, inputs.channels), audio.sample_rate)
        rate = inputs.sample_rate or audio.sample_rate
        if fmt == "opus" and rate not in OPUS_RATES:
            notes.append(f"Opus takes {', '.join(map(str, OPUS_RATES))} Hz, so the audio was resampled to 48000 Hz.")
            rate = 48000
        if fmt == "mp3" and rate > MP3_MAX_RATE:
            notes.append(f"MP3 goes up to {MP3_MAX_RATE} Hz, so the audio was resampled to {MP3_MAX_RATE} Hz.")
            rate = MP3_MAX_RATE
        audio = audio.resample(rate, quality="VHQ")
        depth = inputs.bit_depth
        subtype = SUBTYPES[int(depth)] if depth else None
        return ModelOutput(audio=[audio], audio_format=fmt, audio_subtype=subtype, notes=notes)
