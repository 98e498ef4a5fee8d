"""Binding a plan to files: each step of the offline router gets its file arguments (the named file,
the previous step's output, the newest upload, a video, or a list for join/mix) and the arguments
that depend on that file's length ("the last 5 seconds"); then the arguments are checked against
the tool's input model so a step that cannot run stops the plan with a clear reason.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from audiogpt.engines import router_files as rf
from audiogpt.engines.router_args import REFERS_BACK, mask_quotes
from audiogpt.engines.router_step import Step
from audiogpt.formats import extension_pattern
from audiogpt.session import ARTIFACT_NAME_RE
from audiogpt.slots import NEEDS_DURATION
from audiogpt.tools import CATALOG

if TYPE_CHECKING:
    from audiogpt.engines.router_replies import ToolResult

PENDING = "(the previous step's output)"  # a file not known until the step before has run
_AUDIO_NAME_RE = re.compile(rf"\b[\w.-]+\.(?:{extension_pattern('audio')})\b", re.I)
_VIDEO_NAME_RE = re.compile(rf"\b[\w.-]+\.(?:{extension_pattern('video')})\b", re.I)
_VIDEO_WORD_RE = re.compile(r"\b(?:video|movie|film|footage|screen recording|mp4)\b", re.I)
_SOUND_WORD_RE = re.compile(
    r"\b(?:audio|sound\w*|soundtrack|track|voice\w*|speech|music|dialog\w*|dialogue|narration|noise|mp3|wav)\b", re.I
)


def neutral_names(text: str) -> str:
    """File names replaced by "the file" / "the video", so neither routing nor numbers read them."""
    text = ARTIFACT_NAME_RE.sub(lambda m: "the video" if m.group(0).startswith("video/") else "the file", text)
    return _AUDIO_NAME_RE.sub("the file", _VIDEO_NAME_RE.sub("the video", text))


def tool_arguments(tool: str, text: str, duration: float | None) -> dict[str, Any]:
    """The arguments a tool's own reader (``Tool.arguments``) finds in the step's text (file names neutral)."""
    spec = CATALOG.get(tool)
    return spec.arguments(text, duration) if spec and spec.arguments else {}


def with_trait(trait: str) -> list[str]:
    """The registered tools that declare ``trait`` (see ``audiogpt.tools.base.TRAITS``)."""
    return [name for name, spec in CATALOG.items() if trait in spec.traits]


def has_trait(tool: str | None, trait: str) -> bool:
    spec = CATALOG.get(tool or "")
    return spec is not None and trait in spec.traits


_UNIT_SUFFIXES = ("s", "ms", "hz", "db", "lufs")


def given_values(text: str, props: dict[str, Any]) -> dict[str, Any]:
    """Developer-style ``name=value`` arguments ("trim_audio start_s=1 end_s=3"), typed by the schema."""
    values: dict[str, Any] = {}
    for key, raw in re.findall(r"\b([a-z_]+)\s*[=:]\s*(\[[^\]]*\]|[-+\w.]+)", text):
        # a name without its unit ("duration=30", "start=12.5") is the one field that adds the unit
        near = [p for p in props if p.startswith(f"{key}_") and p[len(key) + 1 :] in _UNIT_SUFFIXES]
        key = key if key in props or len(near) != 1 else near[0]
        schema = props.get(key)
        if schema is None:
            continue
        options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
        kind = options[0].get("type") if options else None
        items = options[0].get("items", {}) if options else {}
        try:
            if kind == "array" and raw.startswith("[") and items.get("type") == "number":
                values[key] = [float(v) for v in re.findall(r"[-+]?\d+(?:\.\d+)?", raw)]
            elif kind == "array" and raw.startswith("[") and items.get("type") == "string":  # stems=[drums, bass]
                words = [w.strip(" \"'") for w in raw.strip("[]").split(",") if w.strip(" \"'")]
                if words and all(w in items.get("enum", words) for w in words):
                    values[key] = words
            elif kind in ("number", "integer"):
                values[key] = int(raw) if kind == "integer" else float(raw)
            elif kind == "boolean":
                values[key] = raw.lower() in ("true", "yes", "1", "on")
            elif kind == "string" and (not options[0].get("enum") or raw in options[0]["enum"]):
                values[key] = raw
        except ValueError:
            continue
    return values


def video_first(step: Step, files: list[rf.SessionFile]) -> str | None:
    """For a first step that needs audio but is about a video ("transcribe clip.mp4", or the session
    holds only a video): the text of an extract_audio_from_video step to run before it."""
    videos = [f for f in files if f.kind == "video"]
    if step.kind != "tool" or step.file_kind != "audio" or not step.file_field or not videos:
        return None
    named = step.explicit_file if (step.explicit_file or "").startswith("video/") else None
    labelled = [f.name for f in videos if f.label and f.label.lower() in step.text.lower()]
    if step.file_list:  # "put the audio of clip.mp4 under narration.wav": only a named video
        named = next(
            (m.group(0) for m in ARTIFACT_NAME_RE.finditer(step.text) if m.group(0).startswith("video/")), None
        )
        return f"extract the audio of {named or labelled[-1]}" if named or labelled else None
    no_audio = not any(f.kind == "audio" for f in files)
    if not (named or labelled or no_audio or (_VIDEO_WORD_RE.search(step.text) and step.explicit_file is None)):
        return None
    step.explicit_file = None
    return f"extract the audio of {named or (labelled or [videos[-1].name])[-1]}"


def edits_video(step: Step) -> bool:
    """Whether a step that would work on a video's sound asks to change the video itself
    ("make clip.mp4 play twice as fast", "trim the movie to a minute"), which no tool does."""
    return has_trait(step.tool, "changes_recording") and not _SOUND_WORD_RE.search(
        neutral_names(mask_quotes(step.text)[0])
    )


def converts_after(steps: list[Step], converter: str) -> bool:
    """Whether a first step that makes a new recording (from a video, or speech) also names an output
    format ("rip the audio of clip.mp4 as mp3", "make an mp3 of you saying …") for ``converter``."""
    if not steps or not has_trait(steps[0].tool, "new_recording") or steps[0].kind != "tool":
        return False
    target = tool_arguments(converter, neutral_names(mask_quotes(steps[0].text)[0]), None)
    following = steps[1].tool if len(steps) > 1 else None
    return bool(target) and target != {"format": "wav"} and following != converter


def _pool(files: list[rf.SessionFile], results: list[ToolResult]) -> list[rf.SessionFile]:
    """The session's files plus those made this turn, with durations and the upload they come from."""
    pool = list(files)
    for r in results:
        known = {f.name: f for f in pool}
        origin = next((known[n].label or known[n].origin for n in r.inputs if n in known), None)
        pool += [rf.SessionFile(n, None, r.tool, r.file_duration(n), origin) for n in r.files if n not in known]
    return pool


def _previous(i: int, steps: list[Step], results: list[ToolResult]) -> tuple[str | None, list[str]]:
    """The file the step before made (else its input), and what it was made from."""
    if i == 0:
        return None, []
    if i - 1 < len(results):
        r = results[i - 1]
        made = [n for n in r.files if n.startswith("audio/")]
        # several versions of one result, one marked the best ("three versions, keep the best"): that one
        best = [n for n, c in zip(made, r.info.get("candidates") or [], strict=False) if c.get("best")]
        if made:
            return (best or made)[-1], list(r.inputs)
        return (r.inputs[0] if r.inputs else None), []
    before = steps[i - 1].args.get(steps[i - 1].file_field or "")
    return PENDING, [before] if isinstance(before, str) else list(before or [])


def _latest(results: list[ToolResult]) -> dict[str, str]:
    """Each file this turn changed, to the file it is now: "trim a.wav and b.wav, then join them" joins the
    trimmed files. Only a result made from one file into one audio file counts (not stems, not a join)."""
    latest: dict[str, str] = {}
    for r in results:
        made = [n for n in r.files if n.startswith("audio/")]
        if len(r.inputs) != 1 or len(made) != 1:
            continue
        for key, now in list(latest.items()):
            if now == r.inputs[0]:
                latest[key] = made[0]
        latest[r.inputs[0]] = made[0]
    return latest


def _bind_files(step: Step, first: bool, pool: list[rf.SessionFile], previous: str | None, replaces: list[str],
                before: Step | None, latest: dict[str, str]) -> None:  # fmt: skip
    assert step.file_field is not None
    if step.file_kind == "video":
        videos = [f.name for f in pool if f.kind == "video"]
        named = step.explicit_file if (step.explicit_file or "").startswith("video/") else None
        if step.explicit_file and not named and step.explicit_file not in {f.name for f in pool}:
            step.kind, step.problem = "missing_file", rf.missing_file(step.explicit_file, pool)
            return
        name = named or (videos[-1] if videos else None)
    elif step.file_list:
        chosen = rf.choose_files(step.text, pool, previous, replaces, latest)
        if len(chosen) < 2:
            step.kind = "few_files"
            return
        spec = CATALOG.get(step.tool or "")
        if spec is not None and spec.order_files is not None:
            source = before.args.get(before.file_field or "") if before else None
            known = {f.name: f for f in pool}
            origin = (
                known[source].label or known[source].origin if isinstance(source, str) and source in known else None
            )
            extra = [rf.SessionFile(previous, None, before.tool, None, origin)] if previous and before else []
            if not {"gains_db", "offsets_s"} & step.args.keys():  # values given per file keep the given order
                chosen, mixing = spec.order_files(step.text, chosen, rf.with_roles(pool + extra))
                step.args = {**mixing, **step.args}
        step.args[step.file_field] = chosen
        return
    else:
        if step.explicit_file and step.explicit_file not in {f.name for f in pool}:
            step.kind, step.problem = "missing_file", rf.missing_file(step.explicit_file, pool)
            return
        audio = [f.name for f in pool if f.kind == "audio"]
        name = step.explicit_file or (rf.upload_ref(step.text, pool) if first else None) or previous
        name = name or (audio[-1] if audio else None)
    if name is None:
        step.kind = "no_file"
        return
    step.args[step.file_field] = name


def _text_before(i: int, steps: list[Step], results: list[ToolResult], said: str | None) -> str | None:
    """The words for "read the transcript aloud": an earlier step's text result, else the last answer's quote."""
    if not REFERS_BACK.search(steps[i].text):
        return None
    if i == 0:
        return said
    spec = CATALOG.get(steps[i - 1].tool or "")
    if spec is None or spec.output != "text":
        return None
    return (results[i - 1].text or None) if i - 1 < len(results) else PENDING


def bind(
    steps: list[Step],
    files: list[rf.SessionFile],
    results: list[ToolResult],
    arguments: Callable[[str, str, float | None], dict[str, Any]],
    said: str | None = None,
) -> list[Step]:
    """The steps with file arguments, length-dependent arguments and a validity check; the plan is
    cut after the first step that cannot run."""
    steps = _each_output(steps, results)
    pool = _pool(files, results)
    durations = {f.name: f.duration_s for f in pool}
    for i, step in enumerate(steps):
        words = CATALOG[step.tool].slot_field("words_to_speak") if step.tool in CATALOG else None
        if step.kind == "no_text" and words and (text := _text_before(i, steps, results, said)):
            step.kind, step.args[words] = "tool", text
        if step.kind != "tool":
            return steps[: i + 1]
        previous, replaces = _previous(i, steps, results)
        if step.file_field:
            _bind_files(step, i == 0, pool, previous, replaces, steps[i - 1] if i else None, _latest(results[:i]))
            if step.kind != "tool":
                return steps[: i + 1]
        name = step.args.get(step.file_field or "")
        if has_trait(step.tool, "needs_duration") and isinstance(name, str):
            step.args = {**arguments(step.tool or "", step.text, durations.get(name)), step.file_field or "": name}
        if step.args.pop(NEEDS_DURATION, None):
            if name != PENDING:
                step.kind = "no_duration"
                return steps[: i + 1]
            continue  # decided once the step before has run
        _check(step)
        if step.kind != "tool":
            return steps[: i + 1]
    return steps


EACH = re.compile(r"\b(?:each|every|both|all)(?: one| of (?:them|those|these|the \w+))?\b", re.I)


def _each_output(steps: list[Step], results: list[ToolResult]) -> list[Step]:
    """A step that asks for "each one" after a step that made several audio files (one per speaker
    or stem) runs once per file: "separate the speakers, then transcribe each one"."""
    out: list[Step] = []
    for step in steps:
        i = len(out)
        made = [f for f in results[i - 1].files if f.startswith("audio/")] if 0 < i <= len(results) else []
        one_file = step.kind == "tool" and step.file_field and not step.file_list and step.file_kind == "audio"
        if len(made) > 1 and one_file and not step.explicit_file and EACH.search(step.text):
            out += [dataclasses.replace(step, args=dict(step.args), explicit_file=name) for name in made]
        else:
            out.append(step)
    return out


def _check(step: Step) -> None:
    """Validate against the catalog's input model: nothing said → "no_args", else "bad_args"."""
    spec = CATALOG.get(step.tool or "")
    if spec is None:
        return
    try:
        spec.input_model.model_validate(step.args)
    except ValidationError as exc:
        said = {k for k in step.args if k not in spec.file_fields()}
        step.kind = "bad_args" if said else "no_args"
        step.problem = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}" for err in exc.errors()[:3]
        )
