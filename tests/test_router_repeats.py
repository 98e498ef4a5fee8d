"""The offline router on one ask said twice, and on a task set aside before the ask (fifth session).

One ask said in two pieces is one step: a statement that tells the task beside the order that gives it, a
question after the order with the same target, a description said again in other words, a join whose second
piece names no file, an effect chain whose file is named once at the end, a video named after the ask. A
clause that sets a task aside ("no emotion analysis needed", "I know you can't clone voices") is no ask.
Every planning case here failed before the change (two steps, a refusal, or a question for a missing value),
except ``test_the_statement_keeps_what_only_it_says``, which guards what the statement rule nearly lost.
"""

from __future__ import annotations

import pytest

from audiogpt.engines import router_args as ra
from audiogpt.engines.router import OfflineRouter
from audiogpt.observation import SessionFile
from tests.test_router import catalog_tools

A, B = "audio/aaaa0001.wav", "audio/aaaa0002.wav"
V = "video/aaaa0003.mp4"
FILES = [SessionFile(A, "lecture.wav", None, 60.0), SessionFile(B, "outro.wav", None, 9.0)]
VIDEO = [SessionFile(V, "party.mp4", None, 30.0)]


@pytest.fixture(scope="module")
def router() -> OfflineRouter:
    return OfflineRouter().bind_tools(catalog_tools())


def plan(router: OfflineRouter, text: str, files: list[SessionFile] = FILES) -> list[tuple[str | None, dict]]:
    steps = router.plan(text, files)
    assert all(s.kind == "tool" for s in steps), [(s.kind, s.tool, s.problem) for s in steps]
    return [(s.tool, s.args) for s in steps]


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("no emotion analysis needed, just list the sound events", "just list the sound events"),
        ("I don't need to know who is talking - just transcribe it", "just transcribe it"),
        ("never mind the hiss — make it louder", "make it louder"),
        ("I know you can't clone voices", ""),
        ("no captions needed", ""),
        # constraints and orders, not dismissals
        ("no music please", "no music please"),
        ("skip the intro", "skip the intro"),
        ("I don't want any music in it", "I don't want any music in it"),
        ("no drums", "no drums"),
    ],
)
def test_a_clause_that_sets_a_task_aside(text: str, left: str) -> None:
    assert ra.without_dismissal(text) == left


def test_a_task_set_aside_is_not_refused(router: OfflineRouter) -> None:
    assert [t for t, _ in plan(router, "no speaker analysis needed, just list the sound events in lecture.wav")] == [
        "sound_event_detection"
    ]
    steps = plan(router, "I know you can't clone voices. Any ordinary voice will do: 'The shop opens at nine.'")
    assert steps == [("text_to_speech", {"text": "The shop opens at nine."})]


def test_a_statement_of_the_task_beside_its_order_is_one_step(router: OfflineRouter) -> None:
    # the statement's "too fast" read as a factor of its own; the order's number wins
    steps = plan(router, "The professor in lecture.wav talks much too fast for me. Slow lecture.wav down by 20%.")
    assert steps == [("change_speed", {"audio": A, "factor": 0.8})]
    steps = plan(router, "We're building a meditation app. Produce 20 seconds of soft piano with no drums.")
    assert [(t, a.get("duration_s")) for t, a in steps] == [("text_to_music", 20.0)]


def test_the_statement_keeps_what_only_it_says(router: OfflineRouter) -> None:
    steps = plan(router, "Our doorbell app logs lecture.wav, check it for glass breaking. Tell me when it happens.")
    assert [(t, a.get("target")) for t, a in steps] == [("target_sound_detection", "glass breaking")]


def test_the_same_description_said_twice_is_one_step(router: OfflineRouter) -> None:
    steps = plan(router, "Find the dog barking in lecture.wav. When does the dog bark?")
    assert [(t, a.get("target")) for t, a in steps] == [("target_sound_detection", "the dog barking")]


def test_a_join_said_again_without_files_is_one_join(router: OfflineRouter) -> None:
    text = (
        "in pydub I'd write AudioSegment.from_file('lecture.wav') + AudioSegment.from_file('outro.wav'). "
        "same idea here: glue them together"
    )
    steps = plan(router, text)
    assert steps == [("concatenate_audio", {"audio_files": [A, B]})]


def test_an_effect_chain_named_once_at_its_end_is_one_step(router: OfflineRouter) -> None:
    steps = plan(router, "pedalboard: Chorus() then Reverb(room_size=0.8), input outro.wav")
    assert [(t, a["audio"], [e["name"] for e in a["effects"]]) for t, a in steps] == [
        ("apply_audio_effect", B, ["chorus", "reverb"])
    ]


def test_a_video_named_after_the_ask_is_extracted_once(router: OfflineRouter) -> None:
    steps = plan(
        router,
        "please you can translate this video of my aunt to english? she speak in polish. video is party.mp4",
        VIDEO,
    )
    assert [t for t, _ in steps] == ["extract_audio_from_video", "speech_translation"]


def test_listening_live_is_refused_as_a_whole_unless_a_file_is_named(router: OfflineRouter) -> None:
    steps = router.plan("listen through my microphone tonight and tell me when the dog starts barking", FILES)
    assert [(s.kind, s.tool) for s in steps] == [("other_task", "live_audio")]
    steps = router.plan("transcribe lecture.wav. Then caption my Twitch stream in real time.", FILES)
    assert [(s.kind, s.tool) for s in steps] == [("tool", "speech_recognition"), ("other_task", "live_audio")]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("fade the end out", ["fade_out"]),
        ("fade the intro in", ["fade_in"]),
        ("fade the last 3 seconds out", ["fade_out"]),
        ("fade the voice in the middle", []),
    ],
)
def test_a_fade_with_its_object_between_verb_and_particle(text: str, names: list[str]) -> None:
    from audiogpt.tools.apply_audio_effect import effects

    assert [e["name"] for e in effects(text)] == names


def test_a_translation_into_another_language_is_answered_after_the_transcript(router: OfflineRouter) -> None:
    steps = router.plan("Transcribe lecture.wav and then translate the transcript into German for the team.", FILES)
    assert [(s.kind, s.tool) for s in steps] == [("tool", "speech_recognition"), ("refused", "speech_translation")]
    assert "English only" in (steps[1].problem or "")
