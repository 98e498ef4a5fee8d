"""convert_audio: format (wav, flac, mp3, ogg, opus via libsndfile), sample rate (soxr, very high
quality), channels (mono average / stereo copy) and bit depth."""

from __future__ import annotations

from audiogpt.audio import FORMAT_LIMITS, check_writable, format_limits
from audiogpt.tools.convert_audio import ConvertAudioInput
from foundation_models.base import ModelOutput, RunContext, audio_in
from foundation_models.edit_base import EditingTool, as_channels, from_frames

SUBTYPES = {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}  # bit depth → soundfile subtype (wav/flac)


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
        most, low, high, rates = FORMAT_LIMITS[fmt]
        if audio.channels > most:  # which channels to keep or fold has no single right answer: ask
            check_writable(fmt, audio.channels, rate)
        if rates is not None and rate not in rates:
            usable = min(rates, key=lambda r: (abs(r - rate), -r))
            notes.append(f"{format_limits(fmt)}, so the audio was resampled to {usable} Hz (from {rate} Hz).")
            rate = usable
        elif not low <= rate <= high:
            usable = min(max(rate, low), high)
            notes.append(f"{format_limits(fmt)}, so the audio was resampled to {usable} Hz (from {rate} Hz).")
            rate = usable
        audio = audio.resample(rate, quality="VHQ")
        depth = inputs.bit_depth
        subtype = SUBTYPES[int(depth)] if depth else None
        return ModelOutput(audio=[audio], audio_format=fmt, audio_subtype=subtype, notes=notes)
