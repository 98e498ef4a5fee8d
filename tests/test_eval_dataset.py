"""The team-written consistency request set (evals/consistency/*.jsonl) against its file contract.

Every record is checked on its own (catalog names, unsupported/partial flags, files, argument names and
values judged by the tool's own input model, tags), then each file as a whole (coverage of every tool,
share of chains and of unsupported requests, variety of phrasing), and the split (dev vs. held-out).
"""

from __future__ import annotations

import json
import re
import typing
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from audiogpt.engines.router_knowledge import example_groups
from audiogpt.tools import CATALOG, PLANNED
from audiogpt.tools.apply_audio_effect import EFFECT_NAMES

EVAL_DIR = Path(__file__).resolve().parents[1] / "evals" / "consistency"
# times each catalog tool appears in gold
MIN_PER_TOOL = {
    "dev.jsonl": 8,
    "heldout.jsonl": 4,
    "heldout_b.jsonl": 4,
    "heldout_c.jsonl": 4,
    "heldout_d.jsonl": 5,
    "heldout_e.jsonl": 5,
    "heldout_f.jsonl": 5,
    "heldout_g.jsonl": 5,
    "heldout_h.jsonl": 8,
    "heldout_i.jsonl": 8,
    "heldout_j.jsonl": 10,
    "heldout_k.jsonl": 10,
}
# held-out parts still closed: never read to improve the router, never in its examples. heldout_c … _g
# were retired on 2026-11-26 (scored once each, then opened for improving the router; README.md there),
# heldout_h and _i in the fourth session the same way (scored before and after the third session's work),
# heldout_j in the fifth (scored before and after the fourth session's work).
CLOSED = ("heldout", "heldout_b", "heldout_k")
# heldout_d's writer was not asked for 4-step chains and wrote none (its chains have 2 or 3 steps); a
# held-out file is never edited after it is written, so the rule is relaxed for it instead
LONGEST_CHAIN = {"heldout_d.jsonl": 3}
MIN_SHARE = 0.15  # of chains (2–4 steps) and of unsupported-or-partial requests, per file
PHRASING = ("terse", "chatty", "developer", "typo", "indirect")
GENRES = ("product", "goal", "library", "multi", "long", "non-native")  # heldout_c and _d genres (issue 9)
KNOWN_TAGS = {*PHRASING, *GENRES, "chain", "multi-file", "video", "unsupported", "partial", "args"}
KEYS = {"id", "request", "gold", "accept", "unsupported", "files", "args", "tags"}
EXT_KIND = {
    **dict.fromkeys(["wav", "mp3", "flac", "ogg", "opus", "m4a", "aac"], "audio"),
    **dict.fromkeys(["mp4", "mov", "mkv", "webm", "avi"], "video"),
    **dict.fromkeys(["jpg", "jpeg", "png"], "image"),
}
FILE_NAME = re.compile(r"\b([\w\-]+\.(" + "|".join(EXT_KIND) + r"))\b", re.IGNORECASE)


def load(path: Path) -> list[dict[str, Any]]:
    """The records of a request file; a malformed line fails with its line number."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{path.name} line {number}: not JSON ({exc})") from None
        assert isinstance(row, dict), f"{path.name} line {number}: not a JSON object"
        rows.append(row)
    return rows


def _plain(value: Any) -> Any:
    """An argument value as the tool would receive it ({"approx": x, "tol": t} → x)."""
    if isinstance(value, dict) and set(value) == {"approx", "tol"}:
        return value["approx"]
    return [_plain(v) for v in value] if isinstance(value, list) else value


def arg_problems(tool: str, given: dict[str, Any], audio_inputs: int = 2) -> list[str]:
    """Unknown argument names, and values that the tool's input model itself refuses; a list of files (mix,
    concatenate) is taken to hold all ``audio_inputs`` audio files of the session at that step."""
    spec = CATALOG[tool]
    model = spec.input_model
    plain = set(model.model_fields) - set(spec.file_fields())
    values: dict[str, Any] = {}
    out = []
    for key, value in given.items():
        if tool == "apply_audio_effect" and key == "effect_names":
            if not (isinstance(value, list) and value and all(v in EFFECT_NAMES for v in value)):
                out.append(f"effect_names {value!r} are not all in {EFFECT_NAMES}")
            else:
                values["effects"] = [{"name": v} for v in value]
        elif key not in plain or key == "effects":  # effects are checked by name only, via effect_names
            out.append(f"{tool} has no checkable argument {key!r}")
        else:
            values[key] = _plain(value)
    if out:
        return out
    # Fill the file fields with placeholders so the model's own rules (ranges, cross-field checks) judge the rest.
    for name, kind in spec.file_kinds().items():
        if _is_list(spec, name):
            values[name] = [f"{kind}/f{i}.x" for i in range(audio_inputs)]
        else:
            values[name] = f"{kind}/f0.x"
    try:
        model.model_validate(values)
    except ValidationError as exc:
        out += [f"{tool}: {e['msg']}" for e in exc.errors() if e["type"] != "missing"]
    return out


def _is_list(spec: Any, field: str) -> bool:
    return typing.get_origin(spec.input_model.model_fields[field].annotation) is list


def available(sequence: list[str], files: dict[str, str] | None) -> list[dict[str, int]]:
    """Per step, how many audio and video files the session holds then (given ones plus earlier outputs)."""
    kinds = list(files.values()) if files else ["audio"]  # without `files` the harness uploads example.wav
    have = {"audio": kinds.count("audio"), "video": kinds.count("video")}
    steps = []
    for tool in sequence:
        steps.append(dict(have))
        if CATALOG[tool].output == "audio":
            have["audio"] += 1
    return steps


def file_problems(sequence: list[str], files: dict[str, str] | None) -> list[str]:
    """Steps whose file inputs the session could not provide (files given, or made by earlier steps)."""
    out = []
    for tool, have in zip(sequence, available(sequence, files), strict=True):
        spec = CATALOG[tool]
        for name, kind in spec.file_kinds().items():
            need = 2 if _is_list(spec, name) else 1
            if have[kind] < need:
                out.append(f"{tool} needs {need} {kind} file(s), the session would have {have[kind]}")
    return out


def _sequence_problems(label: str, sequence: Any) -> list[str]:
    if not isinstance(sequence, list) or not all(isinstance(t, str) for t in sequence):
        return [f"{label} is not a list of tool names"]
    out = [f"{label}: {t!r} is PLANNED, not served" for t in sequence if t in PLANNED]
    out += [f"{label}: {t!r} is not in the catalog" for t in sequence if t not in CATALOG and t not in PLANNED]
    if len(sequence) > 4:
        out.append(f"{label} has {len(sequence)} steps (at most 4)")
    return out


def problems(row: dict[str, Any]) -> list[str]:
    """Everything wrong with one record (empty when it meets the contract)."""
    out = [f"unknown key {k!r}" for k in set(row) - KEYS]
    request, gold, flag = row.get("request"), row.get("gold"), row.get("unsupported", False)
    if not isinstance(request, str) or not request.strip():
        return [*out, "request is not a non-empty string"]
    out += _sequence_problems("gold", gold)
    if out:
        return out
    if flag not in (False, True, "partial"):
        out.append(f"unsupported is {flag!r}; use false, true or 'partial'")
    elif (flag is True) != (gold == []):
        out.append("gold must be [] exactly when unsupported is true")
    accept = row.get("accept", [])
    out += [p for i, seq in enumerate(accept) for p in _sequence_problems(f"accept[{i}]", seq)]
    if gold in accept or any(seq == [] for seq in accept):
        out.append("accept repeats gold or holds an empty sequence")
    files = row.get("files") or {}
    mentioned = {m.group(1): EXT_KIND[m.group(2).lower()] for m in FILE_NAME.finditer(request)}
    if files != mentioned:
        out.append(f"files {files} do not match the files the request names, {mentioned}")
    if not out:
        for seq in [gold, *accept]:
            out += file_problems(seq, row.get("files"))
    args = row.get("args")
    if args is not None:
        if not isinstance(args, list) or len(args) != len(gold):
            out.append(f"args must be a list with one entry per gold step ({len(gold)})")
        else:
            steps = zip(gold, args, available(gold, row.get("files")), strict=True)
            out += [p for tool, a, have in steps if a is not None for p in arg_problems(tool, a, have["audio"])]
    tags = set(row.get("tags", []))
    out += [f"unknown tag {t!r}" for t in tags - KNOWN_TAGS]
    implied = {
        "chain": len(gold) >= 2,
        "unsupported": flag is True,
        "partial": flag == "partial",
        "video": "video" in files.values(),
        "multi-file": len(files) >= 2,
        "args": bool(args and any(args)),
    }
    for tag, holds in implied.items():
        if (holds and tag not in tags) or (tag != "chain" and not holds and tag in tags):
            out.append(f"tag {tag!r} {'missing' if holds else 'does not apply'}")
    return out


FILES = sorted(MIN_PER_TOOL)


@pytest.fixture(scope="module", params=FILES)
def request_file(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, load(EVAL_DIR / request.param)


def test_every_record_meets_the_contract(request_file: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = request_file
    found = {row.get("id", f"#{i}"): p for i, row in enumerate(rows) if (p := problems(row))}
    assert not found, f"{name}: {found}"


def test_ids_and_requests_are_unique(request_file: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = request_file
    ids = Counter(row.get("id") for row in rows)
    texts = Counter(" ".join(row["request"].lower().split()) for row in rows)
    assert all("id" in row for row in rows), f"{name}: every record needs an id"
    assert [i for i, n in ids.items() if n > 1] == [], name
    assert [t for t, n in texts.items() if n > 1] == [], name


def test_every_tool_is_covered(request_file: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = request_file
    counts = Counter(tool for row in rows for tool in row["gold"])
    short = {t: counts[t] for t in CATALOG if counts[t] < MIN_PER_TOOL[name]}
    assert not short, f"{name}: tools below {MIN_PER_TOOL[name]} gold uses: {short}"


def test_mix_of_chains_unsupported_and_phrasing(request_file: tuple[str, list[dict[str, Any]]]) -> None:
    name, rows = request_file
    chains = sum(2 <= len(row["gold"]) <= 4 for row in rows)
    unsupported = sum(row.get("unsupported", False) is not False for row in rows)
    assert chains / len(rows) >= MIN_SHARE, f"{name}: {chains} chains of {len(rows)}"
    assert unsupported / len(rows) >= MIN_SHARE, f"{name}: {unsupported} unsupported/partial of {len(rows)}"
    longest = LONGEST_CHAIN.get(name, 4)
    expected = set(range(2, longest + 1))
    assert {len(row["gold"]) for row in rows} >= expected, f"{name}: chains of {sorted(expected)} steps expected"
    flags = {row.get("unsupported", False) for row in rows}
    assert {True, "partial"} <= flags, f"{name}: both unsupported and partial requests expected"
    tags = Counter(tag for row in rows for tag in row.get("tags", []))
    thin = {tag: tags[tag] for tag in (*PHRASING, "video", "multi-file", "args") if tags[tag] < 5}
    assert not thin, f"{name}: too few requests tagged {thin}"


def test_size_and_split() -> None:
    dev, heldout, heldout_b = (load(EVAL_DIR / name) for name in ("dev.jsonl", "heldout.jsonl", "heldout_b.jsonl"))
    assert len(dev) + len(heldout) >= 300
    assert 0.25 <= len(heldout) / (len(dev) + len(heldout)) <= 0.45
    parts = {"dev": dev, "heldout": heldout, "heldout_b": heldout_b}
    normalized = {name: {" ".join(row["request"].lower().split()) for row in rows} for name, rows in parts.items()}
    ids = {name: {row["id"] for row in rows} for name, rows in parts.items()}
    for a, b in (("dev", "heldout"), ("dev", "heldout_b"), ("heldout", "heldout_b")):
        assert normalized[a].isdisjoint(normalized[b]), f"a request of {b} also appears in {a}"
        assert ids[a].isdisjoint(ids[b])
    # the closed held-out parts are never copied into the router's examples, nor into another part
    texts = [t for group in example_groups().values() for t in group]
    seen = {" ".join(t.lower().split()) for t in texts}
    others = {p.stem: {" ".join(row["request"].lower().split()) for row in load(p)} for p in EVAL_DIR.glob("*.jsonl")}
    closed = {name: others[name] for name in CLOSED}
    for name, requests in closed.items():
        assert requests.isdisjoint(seen), f"{name}: {sorted(requests & seen)}"
        for other, texts_other in others.items():
            assert other == name or requests.isdisjoint(texts_other), f"a request of {name} also appears in {other}"


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"request": "sing a tune", "gold": ["singing_synthesis"]}, "PLANNED"),
        ({"request": "frobnicate", "gold": ["frobnicate_audio"]}, "not in the catalog"),
        ({"request": "compose a tune", "gold": ["text_to_speech"], "unsupported": True}, "gold must be []"),
        ({"request": "transcribe", "gold": [], "unsupported": False}, "gold must be []"),
        ({"request": "faster", "gold": ["change_speed"], "args": [{"speed": 2}], "tags": ["args"]}, "no checkable"),
        ({"request": "pitch", "gold": ["change_pitch"], "args": [{"semitones": 0}], "tags": ["args"]}, "semitones"),
        ({"request": "trim", "gold": ["trim_audio"], "args": [{"start_s": 5, "end_s": 2}], "tags": ["args"]}, "before"),
        (
            {
                "request": "mix a.wav b.wav",
                "gold": ["mix_audio"],
                "args": [{"gains_db": [0, -6, 3]}],
                "files": {"a.wav": "audio", "b.wav": "audio"},
                "tags": ["args", "multi-file"],
            },
            "one per file",
        ),
        (
            {
                "request": "wobble",
                "gold": ["apply_audio_effect"],
                "args": [{"effect_names": ["wobble"]}],
                "tags": ["args"],
            },
            "effect_names",
        ),
        ({"request": "slow", "gold": ["change_speed"], "args": [None, None]}, "one entry per gold step"),
        (
            {"request": "transcribe clip.mp4", "gold": ["speech_recognition"], "files": {"clip.mp4": "audio"}},
            "do not match",
        ),
        (
            {
                "request": "transcribe clip.mp4",
                "gold": ["speech_recognition"],
                "files": {"clip.mp4": "video"},
                "tags": ["video"],
            },
            "needs 1 audio",
        ),
        ({"request": "join them", "gold": ["concatenate_audio"]}, "needs 2 audio"),
        ({"request": "extract the sound", "gold": ["extract_audio_from_video"]}, "needs 1 video"),
        ({"request": "denoise, transcribe", "gold": ["speech_enhancement", "speech_recognition"]}, "'chain' missing"),
        ({"request": "denoise", "gold": ["speech_enhancement"], "accept": [["speech_enhancement"]]}, "repeats gold"),
    ],
)
def test_checker_finds_broken_records(record: dict[str, Any], expected: str) -> None:
    found = problems(record)
    assert any(expected in p for p in found), found
