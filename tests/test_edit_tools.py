"""Editing tools (trim, concatenate, mix, convert, video → audio, visualize) through the real handler.

Each test measures the property the tool promises (lengths to the sample, gains, peaks, rates,
frequencies), and checks that bad input gives a clear error with the inputs left untouched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audiogpt.config import Limits, load_settings
from audiogpt.handler import TaskHandler
from audiogpt.observation import Observation
from audiogpt.session import Session, SessionStore
from foundation_models.pool import ModelPool
from tests.conftest import tone


@pytest.fixture(scope="module")
def pool() -> ModelPool:
    return ModelPool(load_settings().models, device="cpu")


@pytest.fixture
def session(_workspace: Path) -> Session:
    return SessionStore(_workspace).create()


@pytest.fixture
def handler(session: Session, pool: ModelPool) -> TaskHandler:
    return TaskHandler(session, pool, load_settings().limits)


def upload(session: Session, tmp_path: Path, name: str, samples: np.ndarray, sr: int, subtype: str = "PCM_16") -> str:
    path = tmp_path / name
    sf.write(path, samples, sr, subtype=subtype)
    return session.ingest(path, 200, 1800).name


def read(session: Session, obs: Observation, dtype: str = "float32") -> tuple[np.ndarray, int]:
    assert obs.ok, obs.content
    data, sr = sf.read(session.resolve(obs.files[-1]).path, dtype=dtype)
    return data, sr


def peak_hz(x: np.ndarray, sr: int) -> float:
    x = x if x.ndim == 1 else x.mean(axis=1)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sr)[np.argmax(spectrum)])


def digest(session: Session, name: str) -> str:
    return hashlib.sha256(session.resolve(name).path.read_bytes()).hexdigest()


# ---- trim ------------------------------------------------------------------------------------------
def test_trim_keeps_exactly_the_span_of_a_real_recording(handler: TaskHandler, session: Session,
                                                         shared_data: Path) -> None:  # fmt: skip
    src = shared_data / "speech" / "coqui_LJ001-0001.wav"
    name = session.ingest(src, 200, 1800).name
    obs = handler.call("trim_audio", {"audio": name, "start_s": 1.0, "end_s": 2.5})
    out, sr = read(session, obs, dtype="int16")
    source, _ = sf.read(src, dtype="int16")
    assert abs(len(out) - 1.5 * sr) <= 1
    assert np.array_equal(out, source[round(1.0 * sr) : round(1.0 * sr) + len(out)])
    assert obs.inputs == [name] and session.resolve(obs.files[0]).provenance["parents"] == [name]


def test_trim_remove_mode_cuts_the_span_out(handler: TaskHandler, session: Session, tmp_path: Path) -> None:
    x = np.random.default_rng(0).uniform(-0.5, 0.5, 16000 * 5).astype(np.float32)
    name = upload(session, tmp_path, "five.wav", x, 16000)
    out, sr = read(session, handler.call("trim_audio", {"audio": name, "start_s": 1, "end_s": 3, "mode": "remove"}))
    assert len(out) == 3 * sr
    ref, _ = sf.read(session.resolve(name).path, dtype="float32")
    assert np.array_equal(out, np.concatenate([ref[:16000], ref[48000:]]))
    # "cut the first 3 seconds" = keep from 3 s to the end
    out, _ = read(session, handler.call("trim_audio", {"audio": name, "start_s": 3}))
    assert len(out) == 2 * sr


@pytest.mark.parametrize("method", ["level", "vad"])
def test_remove_silence_strips_the_quiet_ends(method: str, handler: TaskHandler, session: Session,
                                              tmp_path: Path, shared_data: Path) -> None:  # fmt: skip
    speech, sr = sf.read(shared_data / "speech" / "sb_spk1_snt2.wav", dtype="float32")
    silence = np.zeros(int(1.5 * sr), dtype=np.float32)
    name = upload(session, tmp_path, "padded.wav", np.concatenate([silence, speech, silence]), sr)
    obs = handler.call("trim_audio", {"audio": name, "remove_silence": True, "silence_method": method})
    out, _ = read(session, obs)
    assert len(speech) / sr - 0.8 < len(out) / sr <= len(speech) / sr + 0.15
    assert "leading" in obs.content


def test_trim_rejects_bad_spans_and_keeps_the_file(handler: TaskHandler, session: Session, tmp_path: Path) -> None:
    name = upload(session, tmp_path, "tone.wav", tone(seconds=2.0), 16000)
    before = digest(session, name)
    cases = [
        ({"start_s": 2.5, "end_s": 1.0}, "must be before end_s"),
        ({"start_s": -1.0}, "start_s must be between 0 and 36000 s; you asked for −1"),
        ({"start_s": float("nan")}, "finite number"),
        ({"start_s": 5.0}, "past the end"),
        ({}, "give start_s and/or end_s"),
    ]
    for args, message in cases:
        obs = handler.call("trim_audio", {"audio": name, **args})
        assert not obs.ok and message in obs.content, obs.content
    assert digest(session, name) == before and [a.name for a in session.artifacts()] == [name]


# ---- concatenate -----------------------------------------------------------------------------------
def test_concatenation_length_is_the_sum_minus_crossfades(handler: TaskHandler, session: Session,
                                                          tmp_path: Path) -> None:  # fmt: skip
    names = [upload(session, tmp_path, f"{i}.wav", tone(300 + 100 * i, s), 16000) for i, s in enumerate((1, 2, 0.5))]
    out, sr = read(session, handler.call("concatenate_audio", {"audio_files": names}))
    assert len(out) == 3.5 * sr
    out, _ = read(session, handler.call("concatenate_audio", {"audio_files": names, "crossfade_s": 0.25}))
    assert len(out) == (3.5 - 2 * 0.25) * sr
    out, _ = read(session, handler.call("concatenate_audio", {"audio_files": names, "gap_s": 0.5}))
    assert len(out) == 4.5 * sr and np.all(out[16000:24000] == 0)


def test_concatenation_reconciles_rates_and_channels_and_says_so(handler: TaskHandler, session: Session,
                                                                 tmp_path: Path) -> None:  # fmt: skip
    mono16k = upload(session, tmp_path, "mono.wav", tone(440, 1.0, 16000), 16000)
    stereo = np.stack([tone(880, 0.5, 44100), tone(660, 0.5, 44100)], axis=1)
    st44k = upload(session, tmp_path, "stereo.wav", stereo, 44100)
    obs = handler.call("concatenate_audio", {"audio_files": [mono16k, st44k]})
    out, sr = read(session, obs)
    assert sr == 44100 and out.shape == (round(1.5 * 44100), 2)
    assert "resampled from 16000 to 44100 Hz" in obs.content and "from 1 to 2 channels" in obs.content
    assert abs(peak_hz(out[: 44100 - 100, 0], sr) - 440) < 3  # the first second still sounds at 440 Hz


# ---- mix ---------------------------------------------------------------------------------------------
def test_mix_gain_is_applied_in_db(handler: TaskHandler, session: Session, tmp_path: Path) -> None:
    a = upload(session, tmp_path, "a.wav", tone(440, 1.0, amp=0.2), 16000)
    b = upload(session, tmp_path, "b.wav", tone(1000, 1.0, amp=0.2), 16000)
    out, sr = read(session, handler.call("mix_audio", {"audio_files": [a, b], "gains_db": [0, -6]}))
    spectrum = np.abs(np.fft.rfft(out))
    freqs = np.fft.rfftfreq(len(out), 1 / sr)
    ratio = spectrum[np.argmin(abs(freqs - 1000))] / spectrum[np.argmin(abs(freqs - 440))]
    assert ratio == pytest.approx(10 ** (-6 / 20), rel=0.01)


def test_mix_never_clips_and_honours_offsets(handler: TaskHandler, session: Session, tmp_path: Path) -> None:
    loud = np.sign(tone(200, 1.0)) * 0.95  # a near full-scale square wave
    a = upload(session, tmp_path, "a.wav", loud, 16000)
    b = upload(session, tmp_path, "b.wav", loud, 16000)
    obs = handler.call("mix_audio", {"audio_files": [a, b], "gains_db": [6, 6], "offsets_s": [0, 0.5]})
    out, sr = read(session, obs)
    assert len(out) == 1.5 * sr
    assert np.max(np.abs(out)) <= 1.0 and "so it does not clip" in obs.content


def test_ducking_lowers_the_background_while_the_first_file_sounds(handler: TaskHandler, session: Session,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    sr = 16000
    voice = np.zeros(4 * sr, dtype=np.float32)
    voice[sr : 2 * sr] = tone(300, 1.0, sr, 0.3)  # speaks from 1 s to 2 s
    music = np.random.default_rng(1).normal(0, 0.05, 4 * sr).astype(np.float32)
    v = upload(session, tmp_path, "voice.wav", voice, sr)
    m = upload(session, tmp_path, "music.wav", music, sr)
    out, _ = read(session, handler.call("mix_audio", {"audio_files": [v, m], "duck_db": 12}))
    background = out - voice  # what is left of the music

    def level(a: float, b: float) -> float:
        return 20 * np.log10(np.sqrt(np.mean(background[int(a * sr) : int(b * sr)] ** 2)))

    assert level(1.3, 1.9) - level(3.3, 3.9) == pytest.approx(-12, abs=1.0)


@pytest.mark.parametrize("files", [[], ["only_one"]])
def test_mixing_fewer_than_two_files_is_refused(files: list[str], handler: TaskHandler, session: Session,
                                                tmp_path: Path) -> None:  # fmt: skip
    names = [upload(session, tmp_path, "x.wav", tone(), 16000) for _ in files]
    obs = handler.call("mix_audio", {"audio_files": names})
    assert not obs.ok and "at least 2 items" in obs.content


def test_a_request_for_hours_of_audio_is_refused_before_any_work(session: Session, pool: ModelPool,
                                                                 tmp_path: Path) -> None:  # fmt: skip
    handler = TaskHandler(session, pool, Limits(max_duration_s=600))
    names = [upload(session, tmp_path, f"{i}.wav", tone(seconds=1.0), 16000) for i in range(3)]
    obs = handler.call("concatenate_audio", {"audio_files": names, "gap_s": 600})
    assert not obs.ok and "would be 20.1 minutes long; the limit is 10.0 minutes" in obs.content
    obs = handler.call("mix_audio", {"audio_files": names[:2], "offsets_s": [0, 3600]})
    assert not obs.ok and "limits.max_duration_s" in obs.content
    assert len(session.artifacts()) == 3


# ---- convert -----------------------------------------------------------------------------------------
def test_wav_flac_wav_round_trip_keeps_every_sample(handler: TaskHandler, session: Session, tmp_path: Path) -> None:
    x = np.random.default_rng(2).uniform(-0.8, 0.8, (22050, 2)).astype(np.float32)
    name = upload(session, tmp_path, "in.wav", x, 22050)
    flac = handler.call("convert_audio", {"audio": name, "format": "flac"})
    assert flac.ok and flac.files[0].endswith(".flac") and sf.info(session.resolve(flac.files[0]).path).format == "FLAC"
    back = handler.call("convert_audio", {"audio": flac.files[0], "format": "wav"})
    original, _ = sf.read(session.resolve(name).path, dtype="int16")
    out, _ = read(session, back, dtype="int16")
    assert np.array_equal(out, original)


def test_mp3_ogg_and_opus_decode_to_the_right_duration(handler: TaskHandler, session: Session,
                                                       tmp_path: Path) -> None:  # fmt: skip
    name = upload(session, tmp_path, "in.wav", tone(440, 2.0, 44100), 44100)
    for fmt, rate in (("mp3", 44100), ("ogg", 44100), ("opus", 48000)):
        obs = handler.call("convert_audio", {"audio": name, "format": fmt})
        out, sr = read(session, obs)
        assert obs.files[0].endswith("." + fmt) and sr == rate
        assert abs(len(out) / sr - 2.0) < 0.03, (fmt, len(out) / sr)
        assert abs(peak_hz(out, sr) - 440) < 3
    assert "resampled to 48000 Hz" in obs.content  # opus only takes 48 kHz here


def test_convert_rate_channels_and_bit_depth(handler: TaskHandler, session: Session, tmp_path: Path) -> None:
    stereo = np.stack([tone(1000, 1.0, 44100), tone(1000, 1.0, 44100)], axis=1)
    name = upload(session, tmp_path, "in.wav", stereo, 44100)
    obs = handler.call("convert_audio", {"audio": name, "sample_rate": 16000, "channels": 1})
    out, sr = read(session, obs)
    assert sr == 16000 and out.ndim == 1 and len(out) == 16000 and abs(peak_hz(out, sr) - 1000) < 2
    obs = handler.call("convert_audio", {"audio": name, "format": "flac", "bit_depth": 24})
    assert sf.info(session.resolve(obs.files[0]).path).subtype == "PCM_24"
    for args, message in (
        ({"format": "m4a"}, "'wav', 'flac', 'mp3', 'ogg' or 'opus'"),
        ({}, "say what to convert to"),
        ({"format": "mp3", "bit_depth": 24}, "bit_depth applies"),
    ):
        obs = handler.call("convert_audio", {"audio": name, **args})
        assert not obs.ok and message in obs.content, obs.content


# ---- video → audio -----------------------------------------------------------------------------------
def make_video(path: Path, seconds: float = 1.0, with_audio: bool = True, freq: float = 440.0) -> Path:
    """A small real MP4 (MPEG-4 video + AAC audio) written with PyAV."""
    import av

    sr, fps = 44100, 10
    with av.open(str(path), "w") as out:
        video = out.add_stream("mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = out.add_stream("aac", rate=sr) if with_audio else None
        if audio is not None:
            audio.layout = "mono"
        for i in range(int(seconds * fps)):
            img = np.full((48, 64, 3), (i * 20) % 255, dtype=np.uint8)
            out.mux(video.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(video.encode())
        if audio is not None:
            samples = tone(freq, seconds, sr, 0.5)
            for start in range(0, len(samples), 1024):
                frame = av.AudioFrame.from_ndarray(samples[None, start : start + 1024], format="flt", layout="mono")
                frame.sample_rate = sr
                out.mux(audio.encode(frame))
            out.mux(audio.encode())
    return path


def test_audio_is_extracted_from_a_video(handler: TaskHandler, session: Session, tmp_path: Path) -> None:
    clip = session.ingest(make_video(tmp_path / "clip.mp4", 2.0), 200, 1800)
    assert clip.kind == "video" and clip.label == "clip.mp4"
    obs = handler.call("extract_audio_from_video", {"video": "clip.mp4"})
    out, sr = read(session, obs)
    assert sr == 44100 and abs(len(out) / sr - 2.0) < 0.05 and abs(peak_hz(out, sr) - 440) < 3
    assert "aac" in obs.content


def test_video_problems_are_clear(handler: TaskHandler, session: Session, tmp_path: Path) -> None:
    silent = session.ingest(make_video(tmp_path / "silent.mp4", with_audio=False), 200, 1800)
    obs = handler.call("extract_audio_from_video", {"video": silent.name})
    assert not obs.ok and "has no audio stream" in obs.content
    clip = session.ingest(make_video(tmp_path / "clip.mp4"), 200, 1800)
    obs = handler.call("extract_audio_from_video", {"video": clip.name, "audio_stream": 3})
    assert not obs.ok and "has 1 audio stream(s)" in obs.content
    wav = upload(session, tmp_path, "a.wav", tone(), 16000)
    obs = handler.call("extract_audio_from_video", {"video": wav})
    assert not obs.ok and "is an audio file, not a video file" in obs.content
    (tmp_path / "fake.mp4").write_bytes(b"this is not a video at all" * 20)
    with pytest.raises(Exception, match="not a readable video"):
        session.ingest(tmp_path / "fake.mp4", 200, 1800)
    assert len(session.artifacts()) == 3


def test_m4a_voice_notes_are_audio_decoded_by_ffmpeg(handler: TaskHandler, session: Session, tmp_path: Path) -> None:
    import av

    path = tmp_path / "voicenote.m4a"
    with av.open(str(path), "w") as out:  # AAC in an MPEG-4 audio container, as phones record
        stream = out.add_stream("aac", rate=44100)
        stream.layout = "mono"
        samples = tone(523.25, 2.0, 44100, 0.5)
        for start in range(0, len(samples), 1024):
            frame = av.AudioFrame.from_ndarray(samples[None, start : start + 1024], format="flt", layout="mono")
            frame.sample_rate = 44100
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    art = session.ingest(path, 200, 1800)
    assert art.kind == "audio" and art.name.endswith(".m4a") and abs((art.duration_s or 0) - 2.0) < 0.05
    out, sr = read(session, handler.call("trim_audio", {"audio": "voicenote.m4a", "start_s": 0.5}))
    assert abs(len(out) / sr - 1.5) < 0.05 and abs(peak_hz(out, sr) - 523.25) < 3


def test_the_musdb_stems_can_be_picked_by_stream(handler: TaskHandler, session: Session, shared_data: Path) -> None:
    stem = session.ingest(shared_data / "music" / "musdb7_MusicDelta_80sRock.stem.mp4", 200, 1800)
    mixture, sr = read(session, handler.call("extract_audio_from_video", {"video": stem.name}))
    vocals, _ = read(session, handler.call("extract_audio_from_video", {"video": stem.name, "audio_stream": 4}))
    assert sr == 44100 and abs(len(mixture) / sr - 6.8) < 0.1 and mixture.shape == vocals.shape
    assert not np.allclose(mixture, vocals, atol=1e-3)


# ---- visualize ---------------------------------------------------------------------------------------
def test_visualize_draws_each_kind_as_a_new_image(handler: TaskHandler, session: Session, tmp_path: Path) -> None:
    from PIL import Image

    name = upload(session, tmp_path, "chirp.wav", tone(1000, 3.0, 16000), 16000)
    pictures = []
    for args in ({"kind": "waveform"}, {"kind": "spectrogram", "frequency_scale": "log"},
                 {"kind": "mel_spectrogram", "start_s": 1, "end_s": 2, "max_frequency_hz": 4000}):  # fmt: skip
        obs = handler.call("visualize_audio", {"audio": name, **args})
        assert obs.ok and obs.files[0].startswith("image/") and obs.files[0].endswith(".png"), obs.content
        art = session.resolve(obs.files[0])
        assert art.kind == "image" and art.provenance["tool"] == "visualize_audio"
        img = np.asarray(Image.open(io.BytesIO(art.path.read_bytes())).convert("L"), dtype=np.float32)
        assert img.shape == (400, 1000) and img.std() > 20  # a real drawing, not a blank canvas
        pictures.append(img)
    assert not np.array_equal(pictures[1], pictures[2])
    assert "1.00–2.00 s" in obs.content
    obs = handler.call("visualize_audio", {"audio": name, "start_s": 10})
    assert not obs.ok and "past the end" in obs.content


# ---- the LLM engine uses the same catalog --------------------------------------------------------------
def test_an_llm_chains_editing_tools_over_http(pool: ModelPool, tmp_path: Path) -> None:
    """trim → effects → mp3 through the real openai client against a scripted server on 127.0.0.1."""
    import json
    import re
    from typing import Any

    from audiogpt.agent import Agent
    from tests.fakes import FakeOpenAIServer, completion

    def made(request: dict[str, Any]) -> str:
        found = re.search(r"audio/[0-9a-f]{8}\.wav", str(request["messages"][-1]["content"]))
        assert found, request["messages"][-1]
        return found.group(0)

    effects = [{"name": "flanger"}]
    script = [
        completion(tool_calls=[("trim_audio", json.dumps({"audio": "song.wav", "start_s": 1.0}))]),
        lambda r: completion(tool_calls=[("apply_audio_effect", json.dumps({"audio": made(r), "effects": effects}))]),
        lambda r: completion(tool_calls=[("apply_audio_effect", json.dumps({"audio": made_before(r), "effects": [
            {"name": "reverb", "room_size": 0.8}, {"name": "low_shelf", "gain_db": 6}]}))]),
        lambda r: completion(tool_calls=[("convert_audio", json.dumps({"audio": made(r), "format": "mp3"}))]),
        completion("Trimmed, added reverb and bass, and saved it as an mp3."),
    ]  # fmt: skip

    def made_before(request: dict[str, Any]) -> str:  # the trim result, two tool messages back
        tool_messages = [m for m in request["messages"] if m["role"] == "tool"]
        found = re.search(r"audio/[0-9a-f]{8}\.wav", str(tool_messages[0]["content"]))
        assert found
        return found.group(0)

    sf.write(tmp_path / "song.wav", tone(440, 3.0, 22050), 22050)
    with FakeOpenAIServer(script) as server:
        settings = load_settings(engine="llm", llm={"base_url": server.base_url, "model": "scripted", "timeout_s": 5})
        resp = Agent(settings, pool=pool).run("trim the first second, add reverb and bass, mp3 please",
                                              files=[tmp_path / "song.wav"])  # fmt: skip
    assert resp.ok, resp.text
    assert [c.tool for c in resp.tool_calls] == ["trim_audio", "apply_audio_effect", "apply_audio_effect",
                                                 "convert_audio"]  # fmt: skip
    failed = resp.tool_calls[1]
    assert not failed.ok and "flanger" in failed.observation and "'reverb'" in failed.observation
    final = resp.artifacts[-1]
    assert final.name.endswith(".mp3") and final.duration_s is not None and 2.0 <= final.duration_s < 6.0
    schema = next(t["function"] for t in server.requests[0]["tools"] if t["function"]["name"] == "apply_audio_effect")
    assert "normalize_loudness" in json.dumps(schema["parameters"])  # the effect union reached the LLM


def test_a_video_is_decoded_within_the_configured_limits(session: Session, pool: ModelPool, tmp_path: Path) -> None:
    clip = session.ingest(make_video(tmp_path / "clip.mp4", 2.0), 200, 1800)
    limits = dataclasses.replace(load_settings().limits, max_sample_rate_hz=32_000)  # the video's audio is 44.1 kHz
    obs = TaskHandler(session, pool, limits).call("extract_audio_from_video", {"video": clip.name})
    assert not obs.ok and "44100 Hz" in obs.content and "limits.max_sample_rate_hz" in obs.content
