"""Wording the router met in other writers' requests (retired held-out parts H and I): models and libraries
named instead of tasks, decades that are no lengths, percentages that are the new speed, effects said the
developer's way or by a result, a link no tool fetches. Every case failed before the change that added it."""

from __future__ import annotations

import pytest

from audiogpt.engines.router import OfflineRouter
from audiogpt.generation_slots import duration_s
from audiogpt.observation import SessionFile
from audiogpt.tools.apply_audio_effect import effects
from audiogpt.tools.change_speed import speed_args
from tests.test_router import catalog_tools

FILES = [SessionFile("audio/aaaa0001.wav", "take.wav", None, 20.0)]


@pytest.fixture(scope="module")
def router() -> OfflineRouter:
    return OfflineRouter().bind_tools(catalog_tools())


def plan(router: OfflineRouter, text: str) -> list[tuple[str, str | None]]:
    return [(s.kind, s.tool) for s in router.plan(text, FILES)]


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("AudioLDM prompt='thunder rolling over hills', 12 s, seed=7", "text_to_audio"),
        ("musicgen prompt 'cinematic orchestral build with timpani' 30s seed=1234", "text_to_music"),
        ("AudioSep, query 'church bells', input take.wav", "sound_extraction"),
        ("torchaudio.functional.highpass_biquad(waveform, sr, cutoff_freq=100) on take.wav", "apply_audio_effect"),
        ("torchaudio-ish: fade_in 2 s and fade_out 3 s on take.wav", "apply_audio_effect"),
    ],
)
def test_a_model_or_library_named_instead_of_the_task(router: OfflineRouter, text: str, tool: str) -> None:
    assert plan(router, text) == [("tool", tool)]


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("SadTalker on avatar.jpg, driven by take.wav", "talking_head"),
        ("so-vits-svc: make take.wav sing in the timbre of the other singer", "voice_clone"),
        ("basic-pitch: transcribe take.wav to MIDI", "music_analysis"),
        (
            "ECAPA speaker embeddings for take.wav and the other file -> cosine similarity, same speaker?",
            "speaker_analysis",
        ),
    ],
)
def test_a_model_for_what_no_tool_does_is_refused(router: OfflineRouter, text: str, task: str) -> None:
    steps = router.plan(text, FILES)
    assert [s.tool for s in steps] == [task] and steps[0].kind in ("unsupported", "other_task")


def test_a_link_is_not_fetched_and_what_follows_it_does_not_run(router: OfflineRouter) -> None:
    text = "grab the audio from https://www.youtube.com/watch?v=abc123 for me and transcribe it"
    assert plan(router, text) == [("other_task", "file_transfer")]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("make an 80s synthwave track, 30 seconds", 30.0),
        ("a 1920s speakeasy jazz loop, about 50 seconds", 50.0),
        ("a 90s hip hop beat", None),
        ("music like the 1980s", None),
        ("an '80s style jingle", None),
        ("a 30s lofi loop", 30.0),
        ("a 60s clip of rain", 60.0),
    ],
)
def test_a_decade_is_no_length(text: str, seconds: float | None) -> None:
    assert duration_s(text) == seconds


@pytest.mark.parametrize(
    ("text", "factor"),
    [
        ("a slowed-down 80% version of the original", 0.8),
        ("could it be a touch slower, like 95%?", 0.95),
        ("slow it down by 20%", 0.8),
        ("make it 5% slower", 0.95),
        ("speed it up by 10%", 1.1),
    ],
)
def test_a_percentage_said_beside_slower_is_the_new_speed_unless_by(text: str, factor: float) -> None:
    assert speed_args(text, None)["factor"] == pytest.approx(factor)


@pytest.mark.parametrize(
    ("text", "chain"),
    [
        ("I want this voice message half as loud.", [{"name": "gain", "gain_db": -6.0}]),
        ("make it twice as loud", [{"name": "gain", "gain_db": 6.0}]),
        (
            "fade_in 2 s and fade_out 3 s",
            [{"name": "fade_in", "duration_s": 2.0}, {"name": "fade_out", "duration_s": 3.0}],
        ),
    ],
)
def test_effects_said_by_their_result_or_as_code(text: str, chain: list[dict]) -> None:
    assert effects(text) == chain


def test_am_radio_and_the_next_room_are_filters() -> None:
    assert [e["name"] for e in effects("give it that vintage AM-radio sound")] == ["highpass", "lowpass"]
    assert [e["name"] for e in effects("make it sound like it's playing from the next room")] == ["lowpass"]


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("is there a baby crying in this recording? when?", "target_sound_detection"),
        ("My English-speaking team needs to read what's said in this German podcast episode.", "speech_translation"),
        ("please can you make transcript of this audio, it is english speaking", "speech_recognition"),
    ],
)
def test_a_named_sound_asked_about_and_english_only_readers(router: OfflineRouter, text: str, tool: str) -> None:
    assert plan(router, text) == [("tool", tool)]


@pytest.mark.parametrize(
    ("text", "factor"), [("librosa time_stretch by 1.3 on the loop", 1.3), ("time-stretch it by 0.8", 0.8)]
)
def test_a_time_stretch_by_a_factor(text: str, factor: float) -> None:
    assert speed_args(text, None)["factor"] == pytest.approx(factor)


def test_a_greeting_fragment_beside_the_ask_does_not_stop_the_plan(router: OfflineRouter) -> None:
    text = (
        "Hi team! We're building a little karaoke app. Could you maybe check the key of take.wav so the singer knows?"
    )
    assert plan(router, text) == [("tool", "analyze_audio")]


def test_a_frequency_said_with_a_filter_is_no_sample_rate(router: OfflineRouter) -> None:
    steps = router.plan("Apply a highpass at 300 Hz and a lowpass at 3.4 kHz to take.wav.", FILES)
    assert [(s.kind, s.tool) for s in steps] == [("tool", "apply_audio_effect")]
    assert steps[0].args["effects"] == [
        {"name": "highpass", "cutoff_hz": 300.0},
        {"name": "lowpass", "cutoff_hz": 3400.0},
    ]


def test_a_generation_step_split_from_a_scene_is_one_of_its_parts(router: OfflineRouter) -> None:
    text = (
        "create a scene of a spaceship engine humming with a robotic voice announcing 'Docking sequence "
        "initiated' and tense synth music underneath"
    )
    steps = router.plan(text, FILES)
    assert [(s.kind, s.tool) for s in steps] == [("tool", "generate_audio_scene")]
    assert steps[0].args["transcript"] == "Docking sequence initiated" and "synth" in steps[0].args["music"]
    # asked as a file of its own, it stays a step
    text = "make a scene of a narrator saying 'hello' over rain. Then a jazz loop as its own file"
    assert [s.tool for s in router.plan(text, FILES)] == ["generate_audio_scene", "text_to_music"]


def test_several_quoted_lines_asked_as_several_clips_are_one_step_each(router: OfflineRouter) -> None:
    steps = router.plan("Make three TTS clips: 'Left', 'Right', 'Center'.", FILES)
    assert [(s.tool, s.args["text"]) for s in steps] == [
        ("text_to_speech", "Left"),
        ("text_to_speech", "Right"),
        ("text_to_speech", "Center"),
    ]
    # one quoted line with commas inside is one clip
    assert len(router.plan("say 'Meet Orbit. Your day, organized.'", FILES)) == 1


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("which bird species is singing in take.wav?", "sound_identification"),
        ("what breed is the dog barking outside", "sound_identification"),
        (
            "Can you say what is the feeling of the woman in this audio? She is sad or she is happy?",
            "emotion_recognition",
        ),
    ],
)
def test_naming_a_species_or_a_feeling_is_refused_with_its_reason(router: OfflineRouter, text: str, task: str) -> None:
    assert plan(router, text) == [("other_task", task)]
