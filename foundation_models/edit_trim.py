"""trim_audio: cut by time (keep a span, or remove one) and/or strip leading/trailing silence.

Plain sample slicing (numpy); silence is found by frame level in dBFS or by Silero VAD. The cut
is exact to the sample, so the kept samples equal the source's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from audiogpt.audio import Audio
from audiogpt.errors import UserError
from audiogpt.tools.trim_audio import TrimAudioInput
from audiogpt.tools.voice_activity_detection import VoiceActivityDetectionInput
from foundation_models.base import ModelOutput, RunContext, audio_in
from foundation_models.edit_base import EditingTool

FRAME_S = 0.010  # level is measured on 10 ms frames
SILENCE_PAD_S = 0.050  # kept around the sound so word onsets and decays are not clipped


class TrimAudio(EditingTool):
    task = "trim_audio"
    default_model = "dsp:numpy+silero-vad"
    libraries = ("numpy",)

    vad: Any = None  # Silero VAD, loaded on the first silence_method "vad" request

    def _unload(self) -> None:
        self.vad = None

    def run(self, inputs: TrimAudioInput, ctx: RunContext) -> ModelOutput:
        audio = audio_in(inputs.audio)
        sr, frames = audio.sample_rate, audio.frames
        start_s, end_s = inputs.start_s, inputs.end_s
        notes: list[str] = []
        x = audio.samples
        if start_s is not None or end_s is not None:
            if start_s is not None and start_s >= audio.duration_s:
                raise UserError(f"start_s ({start_s:g} s) is past the end of the file ({audio.duration_s:.2f} s)")
            a = round((start_s or 0.0) * sr)
            b = frames if end_s is None else min(round(end_s * sr), frames)
            if end_s is not None and end_s > audio.duration_s:
                notes.append(f"end_s ({end_s:g} s) is past the end ({audio.duration_s:.2f} s); cut at the end.")
            if inputs.mode == "keep":
                x = x[a:b]
            else:
                x = np.concatenate([x[:a], x[b:]])
                if len(x) == 0:
                    raise UserError("removing that span would leave nothing")
        if inputs.remove_silence:
            x, note = self._strip_silence(Audio(x, sr), inputs)
            notes.append(note)
        return ModelOutput(audio=[Audio(x.copy(), sr)], notes=notes)

    def _strip_silence(self, audio: Audio, inputs: TrimAudioInput) -> tuple[np.ndarray, str]:
        sr = audio.sample_rate
        if inputs.silence_method == "vad":
            vad_inputs = VoiceActivityDetectionInput.with_files(audio=audio, threshold=0.5)
            events = self._vad().run(vad_inputs, RunContext()).events
            if not events:
                raise UserError("no speech was found, so there is nothing to keep (try silence_method 'level')")
            first, last = round(events[0].start_s * sr), round(events[-1].end_s * sr)
        else:
            hop = max(1, round(FRAME_S * sr))
            mono = audio.mono().samples
            n = len(mono) // hop * hop
            if n == 0:
                raise UserError("the audio is too short to find silence in")
            rms = np.sqrt(np.mean(mono[:n].reshape(-1, hop).astype(np.float64) ** 2, axis=1))
            loud = np.flatnonzero(20 * np.log10(rms + 1e-12) > inputs.silence_threshold_db)
            if len(loud) == 0:
                raise UserError(
                    f"the whole file is below {inputs.silence_threshold_db:g} dBFS (silent); nothing to keep"
                )
            first, last = int(loud[0]) * hop, (int(loud[-1]) + 1) * hop
        pad = round(SILENCE_PAD_S * sr)
        a, b = max(0, first - pad), min(audio.frames, last + pad)
        note = f"Removed {a / sr:.2f} s of leading and {(audio.frames - b) / sr:.2f} s of trailing silence."
        return audio.samples[a:b], note

    def _vad(self) -> Any:
        if self.vad is None:
            from foundation_models.vad_silero import SileroVAD

            vad = SileroVAD(device="cpu")
            vad.load()
            self.vad = vad
        return self.vad
