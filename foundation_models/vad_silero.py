"""Voice activity detection with Silero VAD (its ONNX model, run by onnxruntime; inputs as torch tensors)."""

from __future__ import annotations

import importlib.resources
import logging

from audiogpt.audio import Audio, check_samples
from audiogpt.tools.voice_activity_detection import VoiceActivityDetectionInput
from foundation_models.base import Event, FoundationModel, ModelOutput, RunContext, audio_in
from foundation_models.devices import onnx_cuda_dropped, onnx_providers

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

        self.model = load_silero_vad(onnx=True)  # its ONNX session is pinned to the CPU provider
        providers, why_not_cuda = onnx_providers(self.device)
        if why_not_cuda:
            self.run_on_cpu(why_not_cuda)
        elif self.device != "cpu":  # same model file, a session with the CUDA provider
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.inter_op_num_threads = options.intra_op_num_threads = 1  # as silero's own wrapper
            path = str(importlib.resources.files("silero_vad.data").joinpath("silero_vad.onnx"))
            self.model.session = onnxruntime.InferenceSession(path, sess_options=options, providers=providers)
            if why_not := onnx_cuda_dropped(self.model.session, self.device):
                self.run_on_cpu(why_not)

    def _probe(self) -> None:
        """One 32 ms frame of quiet noise (16 kHz) through the model, then a clean state."""
        import numpy as np
        import torch

        frame = torch.from_numpy(np.random.default_rng(0).normal(0, 0.01, 512).astype(np.float32))
        probability = float(self.model(frame, SAMPLE_RATE).item())
        self.model.reset_states()
        if not 0.0 <= probability <= 1.0:
            raise RuntimeError(f"Silero VAD gave a speech probability of {probability} for a probe frame")

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
