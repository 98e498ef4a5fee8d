"""MusicGen decoding over a static key/value cache, one CUDA graph launch a step on a GPU.

transformers' ``MusicgenForConditionalGeneration.generate`` grows a ``DynamicCache`` and launches
every kernel of the decoder from Python at each of the ~50 steps a second of music needs. The
decoder is small (musicgen-small: 24 layers of width 1024) and the batch is 2 (classifier-free
guidance), so the GPU waits on Python: an H200 took 7–35 s for 10 s of music (0.3–1.4x real time;
docs/benchmarks.md), against 1.2 s here.

:class:`StaticMusicgen` runs the same weights with the same decoding rule as ``generate`` — the
delay pattern over the codebooks, classifier-free guidance, temperature/top-k/top-p from the
model's generation config, one ``torch.multinomial`` draw a step from torch's RNG — but over
buffers allocated once: one decoder step always has the same shapes and addresses, so on CUDA it
is captured once as a CUDA graph and each step is one replay. On the CPU the same step runs
eagerly. Sampling stays outside the graph (a few small kernels) so the RNG is torch's own.

The tests check it against ``generate`` token for token (greedy, with guidance) and draw for
draw (sampling, same seed) on tiny random-weight models; a ``gpu`` test checks the graph against
the eager step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

LENGTH_BUCKET = 128  # the cache holds a multiple of this many steps: one graph serves many durations
TEXT_BUCKET = 32  # likewise for the prompt's tokens


def _round_up(n: int, bucket: int) -> int:
    return -(-n // bucket) * bucket


class StaticMusicgen:
    """Static buffers and (on CUDA) a captured decoder step for one batch shape of one model.

    ``rows`` is the decoder's batch (twice the prompts with guidance), ``length`` the steps the
    cache holds, ``text_len`` the prompt tokens it holds. :meth:`fits` says whether a request can
    reuse this object (and so the captured graph).
    """

    def __init__(self, model: Any, rows: int, length: int, text_len: int, graph: bool) -> None:
        import torch

        self.model = model
        causal = model.decoder  # MusicgenForCausalLM: the lm_heads
        self.decoder = causal.model.decoder  # MusicgenDecoder: embeddings, layers, final norm
        self.heads = causal.lm_heads
        cfg = self.decoder.config
        self.codebooks, self.rows, self.length, self.text_len = cfg.num_codebooks, rows, length, text_len
        first = self.decoder.layers[0].self_attn
        self.num_heads, self.head_dim = first.num_heads, first.head_dim
        device, dtype = self.decoder.layer_norm.weight.device, self.decoder.layer_norm.weight.dtype
        self.device, self.dtype = device, dtype
        if self.decoder.embed_positions.weights.size(0) < length:  # as the decoder does for long inputs
            self.decoder.embed_positions.make_weights(length, cfg.hidden_size)
        new = {"device": device, "dtype": dtype}
        self.tokens = torch.full((rows, self.codebooks), int(model.generation_config.pad_token_id), device=device)
        self.pos = torch.zeros(1, dtype=torch.long, device=device)
        self.steps = torch.arange(length, device=device)
        self.neg = torch.finfo(dtype).min  # a finite "minus infinity": a fully masked row stays a number
        kv = (rows, self.num_heads, length, self.head_dim)
        ckv = (rows, self.num_heads, text_len, self.head_dim)
        self.keys = [torch.zeros(kv, **new) for _ in self.decoder.layers]
        self.values = [torch.zeros(kv, **new) for _ in self.decoder.layers]
        self.cross_keys = [torch.zeros(ckv, **new) for _ in self.decoder.layers]
        self.cross_values = [torch.zeros(ckv, **new) for _ in self.decoder.layers]
        self.text_mask = torch.zeros((rows, 1, 1, text_len), **new)
        self.logits = torch.zeros((rows, self.codebooks, cfg.vocab_size), **new)
        self.graph: Any = None
        if graph:
            self._capture()

    def fits(self, model: Any, rows: int, length: int, text_len: int) -> bool:
        return model is self.model and rows == self.rows and length <= self.length and text_len <= self.text_len

    # -- the decoder step (captured on CUDA) ---------------------------------------------------
    def _step(self) -> None:
        import torch
        from torch.nn.functional import scaled_dot_product_attention as attend

        dec = self.decoder
        x = sum(dec.embed_tokens[k](self.tokens[:, k]) for k in range(self.codebooks))
        x = (x + dec.embed_positions.weights.index_select(0, self.pos).to(self.dtype))[:, None, :]
        self_mask = ((self.steps > self.pos) * self.neg).to(self.dtype)[None, None, None, :]
        split = (self.rows, 1, self.num_heads, self.head_dim)
        for i, layer in enumerate(dec.layers):
            sa, ca = layer.self_attn, layer.encoder_attn
            h = layer.self_attn_layer_norm(x)
            q = sa.q_proj(h).view(split).transpose(1, 2)
            self.keys[i].index_copy_(2, self.pos, sa.k_proj(h).view(split).transpose(1, 2))
            self.values[i].index_copy_(2, self.pos, sa.v_proj(h).view(split).transpose(1, 2))
            a = attend(q, self.keys[i], self.values[i], attn_mask=self_mask, scale=sa.scaling)
            x = x + sa.out_proj(a.transpose(1, 2).reshape(self.rows, 1, -1))
            h = layer.encoder_attn_layer_norm(x)
            q = ca.q_proj(h).view(split).transpose(1, 2)
            a = attend(q, self.cross_keys[i], self.cross_values[i], attn_mask=self.text_mask, scale=ca.scaling)
            x = x + ca.out_proj(a.transpose(1, 2).reshape(self.rows, 1, -1))
            h = layer.final_layer_norm(x)
            x = x + layer.fc2(layer.activation_fn(layer.fc1(h)))
        x = dec.layer_norm(x)[:, 0]
        self.logits.copy_(torch.stack([head(x) for head in self.heads], dim=1))

    def _capture(self) -> None:
        import torch

        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):  # warm-up off the default stream, as graph capture asks
            for _ in range(2):
                self._step()
        torch.cuda.current_stream().wait_stream(stream)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self._step()

    def step(self) -> None:
        """One decoder step: reads ``tokens`` and ``pos``, writes ``logits`` and the cache at ``pos``."""
        if self.graph is not None:
            self.graph.replay()
        else:
            self._step()

    # -- one generation ------------------------------------------------------------------------
    def set_text(self, hidden: Any, mask: Any) -> None:
        """The prompts' encoder states (rows × tokens × width, already projected and masked) and mask."""
        n = hidden.shape[1]
        for i, layer in enumerate(self.decoder.layers):
            ca = layer.encoder_attn
            shape = (self.rows, n, self.num_heads, self.head_dim)
            self.cross_keys[i].zero_()
            self.cross_values[i].zero_()
            self.cross_keys[i][:, :, :n].copy_(ca.k_proj(hidden).view(shape).transpose(1, 2))
            self.cross_values[i][:, :, :n].copy_(ca.v_proj(hidden).view(shape).transpose(1, 2))
        self.text_mask.fill_(self.neg)
        self.text_mask[:, 0, 0, :n].masked_fill_(mask.bool(), 0.0)


def encode_text(model: Any, batch: dict[str, Any], guidance: float) -> tuple[Any, Any]:
    """The text encoder's states as ``generate`` feeds them to the decoder: a zero "null" prompt
    appended for guidance, projected to the decoder's width, padding zeroed; and the mask."""
    import torch

    hidden = model.text_encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    mask = batch["attention_mask"]
    if guidance > 1:
        hidden = torch.cat([hidden, torch.zeros_like(hidden)], dim=0)
        mask = torch.cat([mask, torch.zeros_like(mask)], dim=0)
    if model.text_encoder.config.hidden_size != model.decoder.config.hidden_size and (
        model.decoder.config.cross_attention_hidden_size is None
    ):
        hidden = model.enc_to_dec_proj(hidden)
    return hidden * mask[..., None].to(hidden.dtype), mask


def samplers(model: Any, guidance: float, do_sample: bool) -> Any:
    """The logits processors ``generate`` applies for MusicGen, in its order: guidance, then the
    sampling warpers that the model's generation config asks for."""
    from transformers import (
        ClassifierFreeGuidanceLogitsProcessor,
        LogitsProcessorList,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    gen = model.generation_config
    # fields the checkpoint leaves unset take GenerationConfig's defaults, as generate() does (top_k 50)
    settings: dict[str, float] = {"temperature": 1.0, "top_k": 50, "top_p": 1.0}
    defaults = getattr(type(gen), "_get_default_generation_params", None)
    if defaults is not None:
        settings |= {k: v for k, v in defaults().items() if k in settings}
    settings |= {k: getattr(gen, k) for k in settings if getattr(gen, k, None) is not None}
    out = LogitsProcessorList()
    if guidance > 1:
        out.append(ClassifierFreeGuidanceLogitsProcessor(guidance))
    if do_sample:
        if settings["temperature"] != 1.0:
            out.append(TemperatureLogitsWarper(settings["temperature"]))
        if settings["top_k"]:
            out.append(TopKLogitsWarper(top_k=int(settings["top_k"]), min_tokens_to_keep=1))
        if settings["top_p"] < 1.0:
            out.append(TopPLogitsWarper(top_p=settings["top_p"], min_tokens_to_keep=1))
    return out


def generate(
    model: Any,
    batch: dict[str, Any],
    new_tokens: int,
    guidance: float,
    do_sample: bool = True,
    on_step: Callable[[int], None] | None = None,
    reuse: StaticMusicgen | None = None,
    graph: bool | None = None,
) -> tuple[Any, Any, StaticMusicgen]:
    """Audio codes and waveforms for the tokenized prompts in ``batch``, as ``model.generate(**batch,
    guidance_scale=guidance, do_sample=do_sample, max_new_tokens=new_tokens)`` makes them.

    Returns (codes: prompts × codebooks × frames, audio: prompts × channels × samples, the static
    decoder to pass back as ``reuse`` next time). ``on_step(i)`` runs after each step (progress,
    cancellation). ``graph`` defaults to "on CUDA".
    """
    import torch

    prompts = batch["input_ids"].shape[0]
    rows = prompts * (2 if guidance > 1 else 1)
    pad = int(model.generation_config.pad_token_id)
    start = int(model.generation_config.decoder_start_token_id)
    codebooks = model.decoder.config.num_codebooks
    total = new_tokens + 1  # the start column, then one column a step
    hidden, mask = encode_text(model, batch, guidance)
    length, text_len = _round_up(total, LENGTH_BUCKET), _round_up(hidden.shape[1], TEXT_BUCKET)
    if reuse is not None and reuse.fits(model, rows, length, text_len):
        static = reuse
    elif (hidden.device.type == "cuda") if graph is None else graph:
        try:
            static = StaticMusicgen(model, rows, length, text_len, graph=True)
        except RuntimeError:  # a torch build whose graph capture refuses a kernel: the eager step still works
            log.warning("MusicGen: CUDA graph capture failed; decoding step by step", exc_info=True)
            static = StaticMusicgen(model, rows, length, text_len, graph=False)
    else:
        static = StaticMusicgen(model, rows, length, text_len, graph=False)
    static.set_text(hidden.to(static.dtype), mask)
    history = torch.full((prompts * codebooks, 1), start, dtype=torch.long, device=hidden.device)
    history, pattern = model.decoder.build_delay_pattern_mask(history, pad_token_id=start, max_length=total)
    ids = torch.full((prompts * codebooks, total), pad, dtype=torch.long, device=hidden.device)
    ids[:, :1] = history
    process = samplers(model, guidance, do_sample)
    column = torch.where(pattern[:, 0] == -1, ids[:, 0], pattern[:, 0])
    for i in range(new_tokens):
        static.tokens.copy_(column.view(prompts, codebooks).repeat(rows // prompts, 1))
        static.pos.fill_(i)
        static.step()
        scores = process(ids[:, : i + 1], static.logits.reshape(rows * codebooks, -1).float())
        if do_sample:
            chosen = torch.multinomial(torch.softmax(scores, dim=-1), num_samples=1).squeeze(1)
        else:
            chosen = torch.argmax(scores, dim=-1)
        column = torch.where(pattern[:, i + 1] == -1, chosen, pattern[:, i + 1])
        ids[:, i + 1] = chosen
        if on_step is not None:
            on_step(i + 1)
    codes = model.decoder.apply_delay_pattern_mask(ids, pattern)
    codes = codes[codes != pad].reshape(prompts, codebooks, -1)
    return codes, decode(model, codes), static


def decode(model: Any, codes: Any) -> Any:
    """EnCodec waveforms for prompts × codebooks × frames codes (stereo checkpoints: interleaved)."""
    import torch

    frames = codes[None, ...]
    scales = [None] * codes.shape[0]
    if model.decoder.config.audio_channels == 1:
        return model.audio_encoder.decode(frames, audio_scales=scales).audio_values
    left = model.audio_encoder.decode(frames[:, :, ::2, :], audio_scales=scales).audio_values
    right = model.audio_encoder.decode(frames[:, :, 1::2, :], audio_scales=scales).audio_values
    return torch.cat([left, right], dim=1)
