"""Benchmarks (run by hand; prints ratios, asserts nothing).

    .venv/bin/python bench/run_all.py [--repeat 3]

1. cold vs warm call of every embedded model (residency), and its real-time factor (RTF =
   compute seconds / audio seconds) on ~10 s of real synthesized speech;
2. ASR and TTS through the whole agent (offline router, session, files, pictures) vs the raw
   library call on the same input (target ≤ 1.05×);
3. per-turn agent overhead with the offline router (turn time minus time inside tools).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from audiogpt.agent import Agent
from audiogpt.audio import Audio, load_audio, save_audio
from audiogpt.config import load_settings
from foundation_models.base import run_with

TEXT = (
    "The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins with a single step. "
    "Please call Stella and ask her to bring these things with her from the store."
)

STORY = [
    "It was late in the afternoon when the train finally pulled into the small mountain station.",
    "The platform was empty except for an old man selling roasted chestnuts from a wooden cart.",
    "She stepped down carefully, holding her suitcase with both hands, and looked around for her brother.",
    "He had promised to meet her here, but the clock above the ticket office already showed half past five.",
    "A cold wind came down from the pass, carrying the smell of pine needles and wood smoke.",
    "Somewhere behind the station a dog began to bark, and a door slammed shut in the distance.",
    "She bought a paper bag of chestnuts, sat down on a bench, and decided to wait a little longer.",
    "Just as the lamps along the platform flickered on, she heard her name called from the far end.",
    "Her brother was running towards her, waving his hat, his boots loud on the wooden boards.",
    "They laughed, hugged, and walked together down the narrow road towards the lights of the village.",
]


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="audiogpt-bench-"))
    settings = load_settings(workspace=str(work / "ws"), engine="offline", device="cpu")
    agent = Agent(settings)
    pool = agent.pool

    # -- 1. cold vs warm, RTF ------------------------------------------------------------------
    print(f"{'task':26} {'cold s':>8} {'warm s':>8} {'cold/warm':>9} {'RTF':>6}")
    t0 = time.perf_counter()
    tts = pool.adapter("text_to_speech")
    tts.load()
    tts_load = time.perf_counter() - t0
    speech = run_with(tts, text=TEXT, speed=1.0).audio[0]
    clip = work / "speech.wav"
    save_audio(speech, clip)
    seconds = speech.duration_s
    speech16 = speech.resample(16000)
    inputs: dict[str, dict[str, object]] = {
        "text_to_speech": {"text": TEXT, "speed": 1.0},
        "speech_recognition": {"audio": speech16, "language": None},
        "speech_translation": {"audio": speech16},
        "speech_enhancement": {"audio": speech16},
        "voice_activity_detection": {"audio": speech16, "threshold": 0.5},
        "sound_event_detection": {"audio": speech16, "top_k": 5},
    }
    for task, kwargs in inputs.items():
        model = pool.adapter(task)
        if task != "text_to_speech":
            start = time.perf_counter()
            model.load()
            load_s = time.perf_counter() - start
        else:
            load_s = tts_load
        start = time.perf_counter()
        run_with(model, **kwargs)
        first = time.perf_counter() - start
        warm = best(lambda m=model, k=kwargs: run_with(m, **k), args.repeat)
        cold = load_s + first
        print(f"{task:26} {cold:8.2f} {warm:8.3f} {cold / warm:9.1f} {warm / seconds:6.3f}")
    print(f"(clip: {seconds:.1f} s of Piper speech; RTF on this machine's {os.cpu_count()} cores)\n")

    # -- 2. through the agent vs the raw library ----------------------------------------------
    from faster_whisper import WhisperModel

    asr = pool.adapter("speech_recognition")
    raw_asr = WhisperModel(asr._model_source(), device="cpu", compute_type="int8")  # type: ignore[attr-defined]

    def raw_transcribe() -> None:
        segments, _ = raw_asr.transcribe(clip16, beam_size=5)
        "".join(s.text for s in segments)

    session = agent.new_session()
    name = agent.store.open(session).ingest(clip, 200, 1800).name
    minute = work / "minute.wav"  # about a minute of varied speech
    story = [run_with(tts, text=t, speed=1.0).audio[0].samples for t in STORY]
    save_audio(Audio(np.concatenate(story), speech.sample_rate), minute)
    # the raw calls get exactly what the tool reads: the stored file, resampled to 16 kHz
    clip16 = load_audio(clip).mono().resample(16000).samples
    minute16 = load_audio(minute).mono().resample(16000).samples
    minute_name = agent.store.open(session).ingest(minute, 200, 1800).name

    def raw_transcribe_minute() -> None:
        segments, _ = raw_asr.transcribe(minute16, beam_size=5)
        "".join(s.text for s in segments)

    def agent_transcribe_minute() -> None:
        r = agent.run(f"transcribe {minute_name}", session=session)
        assert r.ok and r.tool_calls[0].tool == "speech_recognition", r.text

    def agent_transcribe() -> None:
        r = agent.run(f"transcribe {name}", session=session)
        assert r.ok and r.tool_calls[0].tool == "speech_recognition", r.text

    def raw_tts() -> None:
        b"".join(c.audio_int16_bytes for c in tts.voice.synthesize(TEXT))  # type: ignore[attr-defined]

    def agent_tts() -> None:
        r = agent.run(f'say "{TEXT}"', session=session)
        assert r.ok and r.tool_calls[0].tool == "text_to_speech", r.text

    print(f"{'path':36} {'raw s':>7} {'agent s':>8} {'ratio':>6}")
    for label, raw, via in (
        (f"ASR tiny.en, {seconds:.0f} s clip", raw_transcribe, agent_transcribe),
        (f"ASR tiny.en, {len(minute16) / 16000:.0f} s clip", raw_transcribe_minute, agent_transcribe_minute),
        (f"TTS Piper, {seconds:.0f} s of speech", raw_tts, agent_tts),
    ):
        r, a = best(raw, args.repeat), best(via, args.repeat)
        print(f"{label:36} {r:7.3f} {a:8.3f} {a / r:6.3f}")

    # -- 3. per-turn overhead with the offline router ------------------------------------------
    overheads = []
    for _ in range(args.repeat * 3):
        start = time.perf_counter()
        resp = agent.run(f"where does anyone speak in {name}?", session=session)
        total = time.perf_counter() - start
        overheads.append(total - sum(c.seconds for c in resp.tool_calls))
    print(f"\nper-turn overhead (offline router, VAD turn): median {statistics.median(overheads) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
