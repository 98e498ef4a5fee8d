"""Misspelled requests: the router reads "denosie pls" as "denoise pls" before it routes and reads
arguments; quoted words, file names, numbers, code and ordinary words are never changed.

Only the bundled MiniLM tokenizer runs (its vocabulary is the list of ordinary words).
"""

from __future__ import annotations

from typing import Any

import pytest

from audiogpt.engines import edit_distance as ed
from audiogpt.engines import router_spelling as rs
from audiogpt.engines.router import OfflineRouter
from audiogpt.observation import SessionFile
from tests.test_router import catalog_tools

UPLOAD = "audio/5c1d2e3f.wav"
FILES = [SessionFile(UPLOAD, "intervew_final.wav", None, 90.0)]


@pytest.fixture(scope="module")
def router() -> OfflineRouter:
    return OfflineRouter().bind_tools(catalog_tools())


def plan(router: OfflineRouter, text: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    return [(s.kind, s.tool, {k: v for k, v in s.args.items() if k != "audio"}) for s in router.plan(text, FILES)]


# ---- the words ----------------------------------------------------------------------------------
# Written for this test (not taken from any request set): typo → what it reads as.
TYPOS = {
    "could you dennoise this recording": "could you denoise this recording",
    "make it twice as fsat": "make it twice as fast",
    "trim the frist 3 seconds": "trim the first 3 seconds",
    "transcrbe the meeting": "transcribe the meeting",
    "add a little rverb": "add a little reverb",
    "remove the backround hum": "remove the background hum",
    "cut everyting after 0:30": "cut everything after 0:30",
    "normalzie to -16 LUFS": "normalize to -16 LUFS",
    "draw the wavform": "draw the waveform",
    "Trnascribe it please": "Transcribe it please",  # the case of a sentence's first word kept
    "it is realy too slwo": "it is really too slow",
    "then make it sound like an ecko in a cave": "then make it sound like an echo in a cave",
    "writ down everything they said": "write down everything they said",
}


@pytest.mark.parametrize("typed", list(TYPOS))
def test_misspelled_words_read_as_the_words_meant(typed: str) -> None:
    assert rs.correct(typed) == TYPOS[typed]


# Ordinary requests, and words no vocabulary here holds but that are real (or names, or code).
UNCHANGED = [
    "transcribe the interview and translate it into French",
    "please make it a bit louder and add some reverb at the end",
    "cut out the silence between 0:05 and 0:12",
    "speed the podcast up to 1.25x and export as 44.1k mp3",
    "normalize to -14 LUFS then fade out over 3 seconds",
    "find every dog bark and tell me when the doorbell rings",
    "the engine whine drowns the narrator; a frog croak in the back",
    "a lute melody for the tabletop game, with a granddad telling the story",
    "use so-vits-svc or the ping-pong delay on the sender's voice",
    "run trim_audio start_s=1 end_s=3 on audio/3f9a1c2e.wav",
    "grab the file from https://example.org/clips/take_two.wav",
    "ask Kokoro or MiniLM, whatever, the ASMR clip is fine",
    "I dont want the loudness changed, its perfect",
    "the converter output creaks and the reels sound bassy",
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_words_names_and_code_are_never_changed(text: str) -> None:
    assert rs.correct(text) == text


def test_quoted_words_and_file_names_are_kept_as_typed() -> None:
    assert rs.correct("say 'teh quikc fox'") == "say 'teh quikc fox'"
    assert rs.correct('speek "teh quikc fox" slowly') == 'speak "teh quikc fox" slowly'
    assert rs.correct("speek “teh quikc fox”") == "speak “teh quikc fox”"
    assert rs.correct("trnascribe intervew_final.wav") == "transcribe intervew_final.wav"
    assert rs.correct("denosie recordng.flac pls") == "denoise recordng.flac pls"


def test_distance_counts_a_swap_as_one_edit() -> None:
    assert ed.distance("fatser", "faster", 2) == 1
    assert ed.distance("silnce", "silence", 2) == 1
    assert ed.distance("normlise", "normalize", 2) == 2
    assert ed.distance("abcdef", "uvwxyz", 2) == 3  # past the limit: limit + 1
    # the likelier slip ranks first: a vowel for a vowel before an unrelated letter
    assert ed.distance("speek", "speak", 1, weighted=True) < ed.distance("speek", "speed", 1, weighted=True)


def test_a_request_of_known_words_never_builds_the_vocabulary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rs, "_VOCABULARY", [])
    rs.correction.cache_clear()
    try:
        assert rs.correct("please say hello there, nice and slowly!") == "please say hello there, nice and slowly!"
        assert rs._VOCABULARY == []  # the common words are the tokenizer's: the examples were not read
        assert rs.correct("denosie that") == "denoise that"
        assert len(rs._VOCABULARY) == 1
    finally:
        rs.correction.cache_clear()
        rs.correct.cache_clear()


# ---- the router reads the corrected request ------------------------------------------------------
ROUTED = {
    # the misspellings users sent
    "denosie pls": [("tool", "speech_enhancement", {})],
    "make it 1.5x fatser": [("tool", "change_speed", {"factor": 1.5})],
    "cut the silnce at begining and end": [("tool", "trim_audio", {"remove_silence": True})],
    "keep the frist 15 secs": [("tool", "trim_audio", {"end_s": 15.0})],
    "keep only betwen 1:05 and 1:09": [("tool", "trim_audio", {"start_s": 65.0, "end_s": 69.0})],
    # written for this test
    "could you dennoise this recording": [("tool", "speech_enhancement", {})],
    "trim the frist 3 seconds off": [("tool", "trim_audio", {"start_s": 3.0})],
    "cut evrything after 0:30": [("tool", "trim_audio", {"end_s": 30.0})],
    "normalzie it to -16 LUFS": [
        ("tool", "apply_audio_effect", {"effects": [{"name": "normalize_loudness", "target_lufs": -16.0}]})
    ],
}


@pytest.mark.parametrize("typed", list(ROUTED))
def test_misspelled_requests_route_with_their_arguments(router: OfflineRouter, typed: str) -> None:
    assert plan(router, typed) == ROUTED[typed]


def test_misspelled_chain_runs_both_steps(router: OfflineRouter) -> None:
    steps = plan(router, "remove noice and make it louder")
    assert [s[1] for s in steps] == ["speech_enhancement", "apply_audio_effect"]
    assert steps[1][2]["effects"][0]["name"] == "gain"


def test_misspelled_transcription_keeps_the_file_it_names(router: OfflineRouter) -> None:
    (step,) = router.plan("trnascribe intervew_final.wav", FILES)
    assert (step.kind, step.tool, step.explicit_file) == ("tool", "speech_recognition", UPLOAD)


def test_quoted_words_reach_text_to_speech_as_typed(router: OfflineRouter) -> None:
    for typed in ("say 'teh quikc fox'", "speek 'teh quikc fox' pls"):
        assert plan(router, typed) == [("tool", "text_to_speech", {"text": "teh quikc fox"})], typed


def test_without_the_correction_the_typo_misroutes(router: OfflineRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    """The router's own reading of "denosie" is wrong: the correction is what routes it."""
    monkeypatch.setattr(rs, "correct", lambda text: text)
    assert plan(router, "denosie pls")[0][1] != "speech_enhancement"
