"""Binding a plan to files: each step of the offline router gets its file arguments (the named file,
the previous step's output, the newest upload, a video, or a list for join/mix) and the arguments
that depend on that file's length ("the last 5 seconds"); then the arguments are checked against
the tool's input model so a step that cannot run stops the plan with a clear reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from audiogpt.engines import router_edit_args as ea
from audiogpt.engines import router_files as rf
from audiogpt.engines.router_args import REFERS_BACK, mask_quotes
from audiogpt.engines.router_effects import effects, pitch_args, speed_args
from audiogpt.session import ARTIFACT_NAME_RE
from audiogpt.tools import CATALOG

if TYPE_CHECKING:
    from audiogpt.engines.router import Step
    from audiogpt.engines.router_replies import ToolResult

PENDING = "(the previous step's output)"  # a file not known until the step before has run
DURATION_TOOLS = ("trim_audio", "change_speed", "visualize_audio")
_AUDIO_NAME_RE = re.compile(r"\b[\w.-]+\.(?:wav|mp3|flac|ogg|oga|m4a|opus|aac|aiff?)\b", re.I)
_VIDEO_NAME_RE = re.compile(r"\b[\w.-]+\.(?:mp4|mov|mkv|webm|avi)\b", re.I)
_VIDEO_WORD_RE = re.compile(r"\b(?:video|movie|film|footage|screen recording|mp4)\b", re.I)
# tools that change a recording: asked of a video without naming its sound, they mean the video itself
_CHANGES = ("trim_audio", "change_speed", "change_pitch", "apply_audio_effect")
_SOUND_WORD_RE = re.compile(
    r"\b(?:audio|sound\w*|soundtrack|track|voice\w*|speech|music|dialog\w*|dialogue|narration|noise|mp3|wav)\b", re.I
)
_EDIT_ARGS: dict[str, Callable[[str, float | None], dict[str, Any]]] = {
    "trim_audio": ea.trim_args,
    "change_speed": speed_args,
    "visualize_audio": ea.visualize_args,
    "change_pitch": lambda text, _: pitch_args(text),
    "convert_audio": lambda text, _: ea.convert_args(text),
    "extract_audio_from_video": lambda text, _: ea.video_args(text),
    "concatenate_audio": lambda text, _: ea.join_args(text),
    "apply_audio_effect": lambda text, _: {"effects": fx} if (fx := effects(text)) else {},
}


def neutral_names(text: str) -> str:
    """File names replaced by "the file" / "the video", so neither routing nor numbers read them."""
    text = ARTIFACT_NAME_RE.sub(lambda m: "the video" if m.group(0).startswith("video/") else "the file", text)
    return _AUDIO_NAME_RE.sub("the file", _VIDEO_NAME_RE.sub("the video", text))


def edit_arguments(tool: str, text: str, duration: float | None) -> dict[str, Any]:
    """An editing tool's arguments from the step's text (file names already neutral)."""
    rule = _EDIT_ARGS.get(tool)
    return rule(text, duration) if rule else {}


def given_values(text: str, props: dict[str, Any]) -> dict[str, Any]:
    """Developer-style ``name=value`` arguments ("trim_audio start_s=1 end_s=3"), typed by the schema."""
    values: dict[str, Any] = {}
    for key, raw in re.findall(r"\b([a-z_]+)\s*[=:]\s*(\[[^\]]*\]|[-+\w.]+)", text):
        schema = props.get(key)
        if schema is None:
            continue
        options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
        kind = options[0].get("type") if options else None
        try:
            if kind == "array" and raw.startswith("[") and options[0].get("items", {}).get("type") == "number":
                values[key] = [float(v) for v in re.findall(r"[-+]?\d+(?:\.\d+)?", raw)]
            elif kind in ("number", "integer"):
                values[key] = int(raw) if kind == "integer" else float(raw)
            elif kind == "boolean":
                values[key] = raw.lower() in ("true", "yes", "1", "on")
            elif kind == "string" and (not options[0].get("enum") or raw in options[0]["enum"]):
                values[key] = raw
        except ValueError:
            continue
    return values


def clamp(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` with every number clamped to the JSON schema's bounds (nested lists and effects too)."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        if isinstance(value, dict):
            name = value.get("name")
            props = [o for o in options if o.get("properties", {}).get("name", {}).get("const") == name]
            schema = props[0] if props else options[0]
        else:
            want = ("array",) if isinstance(value, list) else ("number", "integer")
            schema = next((o for o in options if o.get("type") in want), options[0])
    if isinstance(value, list):
        return [clamp(v, schema.get("items", {})) for v in value]
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: clamp(v, props.get(k, {})) for k, v in value.items()}
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    x = float(value)
    if (lo := schema.get("minimum")) is not None:
        x = max(x, lo)
    if (lo := schema.get("exclusiveMinimum")) is not None and x <= lo:
        x = lo + 0.001
    if (hi := schema.get("maximum")) is not None:
        x = min(x, hi)
    return round(x) if isinstance(value, int) else round(x, 4)


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
    return step.tool in _CHANGES and not _SOUND_WORD_RE.search(neutral_names(mask_quotes(step.text)[0]))


def converts_after(steps: list[Step]) -> bool:
    """Whether a first step that makes a new recording (from a video, or speech) also names an output
    format ("rip the audio of clip.mp4 as mp3", "make an mp3 of you saying …")."""
    if not steps or steps[0].tool not in ("extract_audio_from_video", "text_to_speech") or steps[0].kind != "tool":
        return False
    target = ea.convert_args(neutral_names(mask_quotes(steps[0].text)[0]))
    following = steps[1].tool if len(steps) > 1 else None
    return bool(target) and target != {"format": "wav"} and following != "convert_audio"


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
        if made:
            return made[-1], list(r.inputs)
        return (r.inputs[0] if r.inputs else None), []
    before = steps[i - 1].args.get(steps[i - 1].file_field or "")
    return PENDING, [before] if isinstance(before, str) else list(before or [])


def _bind_files(step: Step, first: bool, pool: list[rf.SessionFile], previous: str | None, replaces: list[str],
                before: Step | None) -> None:  # fmt: skip
    assert step.file_field is not None
    if step.file_kind == "video":
        videos = [f.name for f in pool if f.kind == "video"]
        named = step.explicit_file if (step.explicit_file or "").startswith("video/") else None
        name = named or (videos[-1] if videos else None)
    elif step.file_list:
        chosen = rf.choose_files(step.text, pool, previous, replaces)
        if len(chosen) < 2:
            step.kind = "few_files"
            return
        if step.tool == "mix_audio":
            source = before.args.get(before.file_field or "") if before else None
            known = {f.name: f for f in pool}
            origin = (
                known[source].label or known[source].origin if isinstance(source, str) and source in known else None
            )
            extra = [rf.SessionFile(previous, None, before.tool, None, origin)] if previous and before else []
            if not {"gains_db", "offsets_s"} & step.args.keys():  # values given per file keep the given order
                chosen, mixing = rf.mix_args(step.text, chosen, pool + extra)
                step.args = {**mixing, **step.args}
        step.args[step.file_field] = chosen
        return
    else:
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
    pool = _pool(files, results)
    durations = {f.name: f.duration_s for f in pool}
    for i, step in enumerate(steps):
        if step.kind == "no_text" and (text := _text_before(i, steps, results, said)):
            step.kind, step.args["text"] = "tool", text
        if step.kind != "tool":
            return steps[: i + 1]
        previous, replaces = _previous(i, steps, results)
        if step.file_field:
            _bind_files(step, i == 0, pool, previous, replaces, steps[i - 1] if i else None)
            if step.kind != "tool":
                return steps[: i + 1]
        name = step.args.get(step.file_field or "")
        if step.tool in DURATION_TOOLS and isinstance(name, str):
            step.args = {**arguments(step.tool or "", step.text, durations.get(name)), step.file_field or "": name}
        if step.args.pop(ea.NEEDS_DURATION, None):
            if name != PENDING:
                step.kind = "no_duration"
                return steps[: i + 1]
            continue  # decided once the step before has run
        _check(step)
        if step.kind != "tool":
            return steps[: i + 1]
    return steps


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
