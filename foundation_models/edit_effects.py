"""apply_audio_effect: an effect chain on pedalboard (Spotify's JUCE wrapper), loudness with pyloudnorm.

Effects run in the order given. Reverb and delay get silence appended first so their tail is not
cut off, and the trailing near-silence is trimmed afterwards (never shorter than the input).
High/low-pass are 4th-order Butterworth filters (scipy; pedalboard's are only 6 dB/octave).
Fades, reverse and peak normalisation are plain numpy; loudness follows ITU-R BS.1770
(``pyloudnorm``). If the finished chain would clip, it is turned down to −0.1 dBFS and the reply
says so.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from audiogpt.errors import UserError
from audiogpt.tools.apply_audio_effect import ApplyAudioEffectInput
from foundation_models.base import ModelOutput, RunContext, audio_in
from foundation_models.edit_base import EditingTool, as_channels, check_output_length, from_frames, peak_safe

TAIL_FLOOR = 10 ** (-60 / 20)  # a reverb/delay tail ends 60 dB below the peak
MAX_TAIL_S = 20.0  # the longest tail appended, seconds
COMB_S = 1617 / 44100  # Freeverb's longest comb filter: one trip round the reverb loop, seconds
BS1770_BLOCK_S = 0.4  # ITU-R BS.1770 measures loudness in 400 ms blocks
FILTER_ORDER = 4  # high/low-pass: 4th-order Butterworth, 24 dB per octave
FILTERS = ("highpass", "lowpass", "low_shelf", "high_shelf", "peak_eq")


class PedalboardEffects(EditingTool):
    """Reverb, echo, EQ, dynamics, fades and normalisation, in the order the user gives them."""

    task = "apply_audio_effect"
    default_model = "dsp:pedalboard+pyloudnorm"
    libraries = ("pedalboard", "pyloudnorm")

    def run(self, inputs: ApplyAudioEffectInput, ctx: RunContext) -> ModelOutput:
        audio = audio_in(inputs.audio)
        effects = [fx.model_dump() for fx in inputs.effects]
        max_output_s = ctx.max_output_s
        sr = audio.sample_rate
        for fx in effects:  # refuse impossible filters before any work is done
            _check_frequency(fx, sr)
        x = np.ascontiguousarray(as_channels(audio, audio.channels).T, dtype=np.float32)  # (channels, frames)
        notes: list[str] = []
        for fx in effects:
            x = _apply(x, sr, fx, notes, max_output_s)
        drop = peak_safe(x, above=1.0)
        if drop:
            note = f"The result would have clipped, so it was turned down by {drop:.1f} dB (peak −0.1 dBFS)."
            if effects[-1]["name"] == "normalize_loudness":
                target = effects[-1]["target_lufs"]
                note += f" Loudness is {target - drop:.1f} LUFS; put a limiter before normalize_loudness to reach it."
            notes.append(note)
        return ModelOutput(audio=[from_frames(x.T, sr)], notes=notes)


def _check_frequency(fx: dict[str, Any], sr: int) -> None:
    """Filters can only work below the Nyquist frequency (half the sample rate)."""
    if fx["name"] not in FILTERS:
        return
    hz = float(fx.get("cutoff_hz", fx.get("frequency_hz", 0.0)))
    nyquist = sr / 2
    if hz >= nyquist:
        raise UserError(
            f"{fx['name']} at {hz:g} Hz is above what this {sr} Hz file can hold (up to {nyquist:g} Hz); "
            f"use a frequency below {nyquist:g} Hz"
        )


def _plugin(fx: dict[str, Any]) -> Any:
    """The pedalboard plugin for one effect, or None for those done in numpy."""
    import pedalboard as pb

    name = fx["name"]
    if name == "reverb":  # dry_level 0.5 = the dry signal at unity gain (JUCE scales dry by 2)
        return pb.Reverb(room_size=fx["room_size"], damping=fx["damping"], wet_level=fx["wet_level"], dry_level=0.5)
    if name == "chorus":
        return pb.Chorus(rate_hz=fx["rate_hz"], depth=fx["depth"], mix=fx["mix"])
    if name == "delay":
        return pb.Delay(delay_seconds=fx["delay_s"], feedback=fx["feedback"], mix=fx["mix"])
    if name == "distortion":
        return pb.Distortion(drive_db=fx["drive_db"])
    if name == "compressor":
        return pb.Compressor(
            threshold_db=fx["threshold_db"], ratio=fx["ratio"], attack_ms=fx["attack_ms"], release_ms=fx["release_ms"]
        )
    if name == "limiter":  # look-ahead, no make-up gain (pedalboard.Limiter adds up to 3.75 − threshold dB)
        return pb.BrickwallLimiter(ceiling_db=fx["threshold_db"], release_ms=fx["release_ms"])
    if name == "gain":
        return pb.Gain(gain_db=fx["gain_db"])
    if name == "low_shelf":
        return pb.LowShelfFilter(cutoff_frequency_hz=fx["cutoff_hz"], gain_db=fx["gain_db"])
    if name == "high_shelf":
        return pb.HighShelfFilter(cutoff_frequency_hz=fx["cutoff_hz"], gain_db=fx["gain_db"])
    if name == "peak_eq":
        return pb.PeakFilter(cutoff_frequency_hz=fx["frequency_hz"], gain_db=fx["gain_db"], q=fx["q"])
    return None


def _tail_s(fx: dict[str, Any]) -> float:
    """How long the effect keeps sounding after the input stops (to −60 dB), capped at MAX_TAIL_S."""
    if fx["name"] == "reverb":  # JUCE/Freeverb comb feedback = 0.7 + 0.28 × room_size
        feedback, trip_s = 0.7 + 0.28 * fx["room_size"], COMB_S
    elif fx["name"] == "delay":
        feedback, trip_s = fx["feedback"], fx["delay_s"]
    else:
        return 0.0
    trips = 1 + (math.log(TAIL_FLOOR) / math.log(feedback) if feedback > 0 else 0)
    return min(MAX_TAIL_S, trips * trip_s)


def _apply(x: np.ndarray, sr: int, fx: dict[str, Any], notes: list[str], max_output_s: float) -> np.ndarray:
    """One effect on (channels, frames) float32 samples."""
    name, frames = fx["name"], x.shape[1]
    plugin = _plugin(fx)
    if plugin is not None:
        tail = round(_tail_s(fx) * sr)
        if tail:
            check_output_length((frames + tail) / sr, max_output_s, f"the audio with its {name} tail")
            x = np.pad(x, ((0, 0), (0, tail)))
        y = np.asarray(plugin(x, sr), dtype=np.float32)
        if tail:
            loud = np.nonzero(np.max(np.abs(y), axis=0) > TAIL_FLOOR * np.max(np.abs(y)))[0]
            y = y[:, : max(frames, int(loud[-1]) + 1 if loud.size else 0)]
            if y.shape[1] > frames:
                notes.append(f"The {name} tail adds {(y.shape[1] - frames) / sr:.2f} s.")
        return y
    if name in ("highpass", "lowpass"):  # pedalboard's are 6 dB/octave: too gentle to remove rumble or hiss
        from scipy.signal import butter, sosfilt

        sos = butter(FILTER_ORDER, fx["cutoff_hz"], btype=name, fs=sr, output="sos")
        return np.asarray(sosfilt(sos, x, axis=1), dtype=np.float32)
    if name in ("fade_in", "fade_out"):
        n = min(frames, round(fx["duration_s"] * sr))
        if n < round(fx["duration_s"] * sr):
            notes.append(f"The {name.replace('_', '-')} covers the whole {frames / sr:.2f} s clip.")
        ramp = np.sin(0.5 * np.pi * np.linspace(0.0, 1.0, n, dtype=np.float32))  # equal-power, 0 → 1
        y = x.copy()
        if name == "fade_in":
            y[:, :n] *= ramp
        else:
            y[:, frames - n :] *= ramp[::-1]
        return y
    if name == "reverse":
        return np.ascontiguousarray(x[:, ::-1])
    if name == "normalize_peak":
        peak = float(np.max(np.abs(x)))
        if peak == 0:
            raise UserError("the audio is silent, so there is no peak to normalize")
        return x * np.float32(10 ** (fx["target_db"] / 20) / peak)
    if name == "normalize_loudness":
        return _normalize_loudness(x, sr, float(fx["target_lufs"]), notes)
    raise UserError(f"unknown effect {name!r}")  # unreachable: the input model lists the effects


def _normalize_loudness(x: np.ndarray, sr: int, target: float, notes: list[str]) -> np.ndarray:
    """Gain to ``target`` integrated loudness (LUFS), measured per ITU-R BS.1770 by pyloudnorm."""
    import pyloudnorm as pyln

    if x.shape[1] < BS1770_BLOCK_S * sr:
        raise UserError(
            f"normalize_loudness needs at least {BS1770_BLOCK_S} s of audio to measure loudness (ITU-R BS.1770); "
            f"this clip is {x.shape[1] / sr:.2f} s — use normalize_peak instead"
        )
    with warnings.catch_warnings(), np.errstate(divide="ignore"):
        warnings.simplefilter("ignore")  # pyloudnorm warns on clipping; the chain's peak check handles it
        before = pyln.Meter(sr).integrated_loudness(x.T)
        if not math.isfinite(before):
            raise UserError("the audio is silent (below −70 LUFS), so its loudness cannot be normalized")
        y = pyln.normalize.loudness(x.T, before, target).T
    notes.append(f"Loudness: {before:.1f} → {target:.1f} LUFS.")
    return np.ascontiguousarray(y, dtype=np.float32)
