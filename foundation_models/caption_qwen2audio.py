"""Audio captioning on a GPU with Qwen2-Audio (an audio-language model) through transformers.

``Qwen2AudioForConditionalGeneration`` + ``AutoProcessor`` (Whisper features at 16 kHz, at most
30 s of audio per prompt); the clip is described by answering a fixed captioning instruction with
greedy decoding, so the same clip gets the same caption. Qwen2-Audio-7B-Instruct is 8.4 B
parameters (~17 GB in bfloat16): the GPU profile's captioner, not the CPU default.
"""

from __future__ import annotations

from pathlib import Path

from audiogpt.audio import Audio, check_samples
from audiogpt.tools.audio_captioning import AudioCaptioningInput
from foundation_models.audio_checks import is_silent
from foundation_models.base import FoundationModel, ModelOutput, RunContext, audio_in

PROMPT = "Describe the sounds in this audio clip in one or two sentences."
MAX_AUDIO_S = 30.0  # Whisper's encoder window: longer clips are cut to their first 30 s
MAX_NEW_TOKENS = 80


class Qwen2AudioCaptioner(FoundationModel):
    """Describe a clip with Qwen2-Audio. Options: ``prompt``, ``max_new_tokens`` (80)."""

    task = "audio_captioning"
    default_model = "Qwen/Qwen2-Audio-7B-Instruct"

    def _load(self) -> None:
        import torch
        from transformers import AutoProcessor, Qwen2AudioForConditionalGeneration

        folder = Path(self.model_id).expanduser()
        if not folder.is_dir():
            from foundation_models.weights import locate

            folder = Path(locate(self.model_id, self.task, auto_download=bool(self.options.get("auto_download"))))
        dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        self.model = Qwen2AudioForConditionalGeneration.from_pretrained(str(folder), dtype=dtype).eval().to(self.device)
        self.processor = AutoProcessor.from_pretrained(str(folder))
        self._torch = torch

    def run(self, inputs: AudioCaptioningInput, ctx: RunContext) -> ModelOutput:
        """One or two sentences about the clip (its first 30 s)."""
        audio: Audio = check_samples(audio_in(inputs.audio))
        if is_silent(audio):
            return ModelOutput(text="Silence: nothing audible in the clip.", info={"method": "level check"})
        self.load()
        rate = int(self.processor.feature_extractor.sampling_rate)
        mono = audio.mono().resample(rate).samples[: int(MAX_AUDIO_S * rate)]
        prompt = str(self.options.get("prompt", PROMPT))
        content = [{"type": "audio", "audio_url": "clip"}, {"type": "text", "text": prompt}]
        conversation = [{"role": "user", "content": content}]
        text = self.processor.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
        n_samples = int(self.processor.feature_extractor.n_samples)  # pad to the encoder window, as trained
        batch = self.processor(text=text, audio=[mono], sampling_rate=rate, max_length=n_samples, return_tensors="pt")
        batch.pop("token_type_ids", None)  # Qwen2 takes none (a BERT-style tokenizer would add them)
        batch = batch.to(self.device)
        ctx.check_cancelled()
        with self._torch.inference_mode():
            out = self.model.generate(**batch, max_new_tokens=int(self.options.get("max_new_tokens", MAX_NEW_TOKENS)),
                                      do_sample=False)  # fmt: skip
        answer = self.processor.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)[0]
        notes = [f"Described the first {MAX_AUDIO_S:g} s."] if audio.duration_s > MAX_AUDIO_S else []
        return ModelOutput(text=answer.strip(), notes=notes, info={"method": "Qwen2-Audio"})
