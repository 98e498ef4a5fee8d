"""Voice activity detection with Silero VAD (its ONNX model, run by onnxruntime; inputs as torch tensors)."""

from __future__ import annotations

import logging

from audiogpt.audio import Audio, check_samples
from audiogpt.tools.voice_activity_detection import VoiceActivityDetectionInput
from foundation_models.base import Event, FoundationModel, ModelOutput, RunContext, audio_in

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000  # Hz; Silero also takes 8 kHz, 16 kHz is its main rate
TIME_DECIMALS = 3  # report segment bounds to the millisecond (silero's default rounds to 0.1 s)


class SileroVAD(FoundationModel):
    """Find speech segments. Options: ``min_speech_duration_ms`` (250), ``min_silence_duration_ms`` (100)."""

    task = "voice_activity_detection"
    default_model = "embedded:silero-vad"

    def _load(self) -> None:
        # silero_vad's read_audio() would import torchaudio; only the model loader and the
        # timestamp function are used here.
        from silero_vad import load_silero_vad

        self.model = load_silero_vad(onnx=True)
        self.device = "cpu"  # the ONNX session runs on the CPU (it is faster there for 32 ms frames)

    def run(self, inputs: VoiceActivityDetectionInput, ctx: RunContext) -> ModelOutput:
        """Return one ``speech`` event per detected segment of ``audio`` (times in seconds)."""
        import torch
        from silero_vad import get_speech_timestamps

        audio: Audio = check_samples(audio_in(inputs.audio))
        threshold = float(inputs.threshold)
        self.load()
        samples = torch.from_numpy(audio.mono().resample(SAMPLE_RATE).samples.copy())
        spans = get_speech_timestamps(
            samples,
            self.model,
            threshold=threshold,
            sampling_rate=SAMPLE_RATE,
            min_speech_duration_ms=int(self.options.get("min_speech_duration_ms", 250)),
            min_silence_duration_ms=int(self.options.get("min_silence_duration_ms", 100)),
            return_seconds=True,
            time_resolution=TIME_DECIMALS,
        )
        events = [Event("speech", float(s["start"]), float(s["end"])) for s in spans]
        speech_s = sum(e.end_s - e.start_s for e in events)
        log.debug("found %d speech segments (%.2f s) in %.2f s", len(events), speech_s, audio.duration_s)
        return ModelOutput(events=events, info={"speech_s": round(speech_s, 3), "duration_s": audio.duration_s})
