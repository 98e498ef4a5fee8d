"""Request files of the consistency suite: valid lines load, bad lines are reported by number and skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiogpt.errors import UserError
from audiogpt.evaluation.requests import load_requests, parse_request


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "requests.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def line(**obj: object) -> str:
    return json.dumps(obj)


def test_valid_lines_load_with_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, [
        "# a comment, then a blank line",
        "",
        line(id="edit-1", request="trim example.wav, then add reverb", gold=["trim_audio", "apply_audio_effect"],
             accept=[["trim_audio", "apply_audio_effect", "convert_audio"]], files={"example.wav": "audio"},
             args=[{"start_s": 1.0}, None], tags=["chain"]),
        line(request="compose a symphony", gold=[], unsupported=True),
        line(request="transcribe it and compose a song", gold=["speech_recognition"], unsupported="partial"),
    ])  # fmt: skip
    loaded = load_requests(path)
    assert loaded.problems == [] and loaded.invalid == 0
    first, second, third = loaded.requests
    assert first.id == "edit-1" and first.line == 3 and first.tags == ["chain"]
    assert first.sequences[1] == ["trim_audio", "apply_audio_effect", "convert_audio"]
    assert first.sequences[0] == first.gold == ["trim_audio", "apply_audio_effect"]
    assert first.args == [{"start_s": 1.0}, None]
    assert second.id == "line 4" and second.unsupported is True and second.files == {}
    assert third.unsupported == "partial"


def test_bad_lines_are_reported_with_their_number_and_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, [
        line(id="ok-1", request="transcribe example.wav", gold=["speech_recognition"]),
        "{not json",
        line(request="sing a song", gold=["singing_synthesis"]),
        line(request="launch", gold=["launch_rockets"]),
        line(request="", gold=[]),
        line(id="ok-1", request="again", gold=["speech_recognition"]),
        line(request="x", gold=["trim_audio"], unsupported="maybe"),
        line(request="x", gold=["trim_audio"], files={"a/b.wav": "audio"}),
        line(request="x", gold=["trim_audio"], files={"b.wav": "sound"}),
        line(request="x", gold=["trim_audio"], args=[{}, {}]),
        line(request="x", gold=["trim_audio"], unsupported=True),
        line(request="x", gold=[], unsupported="partial"),
        line(request="x", gold=["trim_audio"], extra=1),
        "[1, 2]",
        line(id="ok-2", request="say hi", gold=["text_to_speech"]),
    ])  # fmt: skip
    loaded = load_requests(path)
    assert [r.id for r in loaded.requests] == ["ok-1", "ok-2"]
    assert loaded.invalid == 13 == len(loaded.problems)
    numbers = [p.split(":")[0] for p in loaded.problems]
    assert numbers == [f"line {n}" for n in range(2, 15)]
    by_line = dict(p.split(": ", 1) for p in loaded.problems)
    assert "not valid JSON" in by_line["line 2"]
    assert "singing_synthesis" in by_line["line 3"] and "planned tool" in by_line["line 3"]
    assert "launch_rockets" in by_line["line 4"] and "speech_recognition" in by_line["line 4"]  # lists the catalog
    assert "duplicate id 'ok-1'" in by_line["line 6"]
    assert "no folders" in by_line["line 8"] and "kind 'sound'" in by_line["line 9"]
    assert "2 entries for 1 gold step" in by_line["line 10"]
    assert "empty" in by_line["line 11"] and "empty" in by_line["line 12"]
    assert "extra" in by_line["line 13"] and "JSON object" in by_line["line 14"]


@pytest.mark.parametrize("content", ["", "\n\n# only comments\n"])
def test_empty_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content)
    with pytest.raises(UserError, match="is empty"):
        load_requests(path)


def test_no_valid_line_or_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no valid line \(2 invalid: line 1: .*line 2: "):
        load_requests(write(tmp_path, ["nope", line(request="x", gold=["nope"])]))
    with pytest.raises(UserError, match="does not exist"):
        load_requests(tmp_path / "absent.jsonl")


def test_unsupported_must_be_a_bool_or_partial() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        parse_request(line(request="x", gold=["trim_audio"], unsupported=0), 1)
    assert parse_request(line(request="x", gold=["trim_audio"], unsupported=False), 1).unsupported is False
