"""The offline router's side of tool results: reading ToolMessages and composing the final reply
from each tool's reply template and the shared ones in ``prompts/responses.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import ToolMessage

from audiogpt.engines.router_args import LANGUAGES
from audiogpt.handler import Observation
from audiogpt.prompts import read_prompt_yaml
from audiogpt.session import ARTIFACT_NAME_RE
from audiogpt.tools import CATALOG, PLANNED

_RESPONSES = "responses.yaml"


@dataclass
class ToolResult(Observation):
    """An :class:`Observation` read back from a ToolMessage: its ``.artifact`` dict when the tool
    came from our handler (``structured``), else (any other tool) what its text says."""

    structured: bool = False

    @classmethod
    def from_message(cls, message: ToolMessage, call: dict[str, Any] | None) -> ToolResult:
        content = message.text
        args = dict(call["args"]) if call else {}
        tool = (call or {}).get("name") or message.name or "tool"
        art = message.artifact if isinstance(message.artifact, dict) else None
        if art is not None:
            return cls(
                tool=art.get("tool") or tool,
                ok=bool(art.get("ok", True)),
                args=args,
                content=content,
                error=art.get("error"),
                files=list(art.get("files") or []),
                inputs=list(art.get("inputs") or []),
                text=art.get("text"),
                events=list(art.get("events") or []),
                labels=[(str(lb), float(sc)) for lb, sc in art.get("labels") or []],
                duration_s=art.get("duration_s"),
                structured=True,
            )
        failed = message.status == "error" or content.lstrip().lower().startswith("error")
        used = {v for v in args.values() if isinstance(v, str)}
        quoted = re.search(r"“([^”]*)”|\"([^\"]*)\"", content)
        return cls(
            tool=tool,
            ok=not failed,
            args=args,
            content=content,
            error=re.sub(r"^\s*error:\s*", "", content, flags=re.I) if failed else None,
            files=[n for n in ARTIFACT_NAME_RE.findall(content) if n not in used],
            inputs=[v for v in used if ARTIFACT_NAME_RE.fullmatch(v)],
            text=next(g for g in quoted.groups() if g is not None) if quoted else None,
        )

    @property
    def input(self) -> str:
        named = [v for v in self.args.values() if isinstance(v, str) and ARTIFACT_NAME_RE.fullmatch(v)]
        return (named or self.inputs or ["the audio"])[0]

    def file_duration(self, name: str) -> float | None:
        """Seconds of a file this result made, from "New file: NAME (2.00 s, …)" or ``duration_s``."""
        m = re.search(re.escape(name) + r" \((\d+(?:\.\d+)?) s\b", self.content)
        if m:
            return float(m.group(1))
        audio = [n for n in self.files if n.startswith("audio/")]
        return self.duration_s if audio and audio[0] == name else None


def _templates() -> dict[str, str]:
    """Each registered tool's reply (and ``<name>_empty``), and the ``generic`` one for any other tool."""
    t: dict[str, str] = {"generic": read_prompt_yaml(_RESPONSES)["generic"]}
    for name, tool in CATALOG.items():
        t[name] = tool.reply
        if tool.reply_empty:
            t[f"{name}_empty"] = tool.reply_empty
    return t


def _spans(events: list[dict[str, Any]], limit: int) -> str:
    parts = [f"{float(e['start_s']):.2f}–{float(e['end_s']):.2f}" for e in events[:limit]]
    return ", ".join(parts) + (" s" if parts else "") + (", …" if len(events) > limit else "")


def describe_result(r: ToolResult) -> str:
    """One line about a successful tool result, from the tool's template."""
    t = _templates()
    duration = f" ({r.duration_s:.1f} s)" if r.duration_s else ""
    output = (r.files or ["(no file was returned)"])[-1]
    if r.tool in ("speech_recognition", "speech_translation"):
        text = (r.text if r.text is not None else r.content).strip()
        code = r.args.get("language")
        lang = next((f" ({n.title()})" for n, c in LANGUAGES.items() if c == code), "")
        return t[r.tool + "_empty" if not text else r.tool].format(input=r.input, text=text, language=lang)
    if r.tool == "text_to_speech":
        return t[r.tool].format(text=r.args.get("text") or r.text or "", duration=duration, output=output)
    if r.tool == "speech_enhancement":
        return t[r.tool].format(input=r.input, output=output, duration=duration)
    if r.tool == "voice_activity_detection" and (r.structured or r.events):
        speech = sorted(r.events, key=lambda e: float(e["start_s"]))
        if not speech:
            return t["voice_activity_detection_empty"].format(input=r.input)
        total = sum(float(e["end_s"]) - float(e["start_s"]) for e in speech)
        return t[r.tool].format(
            input=r.input, segments=_spans(speech, 8), count=len(speech), plural="" if len(speech) == 1 else "s",
            total=total,
        )  # fmt: skip
    if r.tool == "sound_event_detection" and (r.structured or r.labels or r.events):
        labels = r.labels or _labels_from_events(r.events)
        if not labels:
            return t["sound_event_detection_empty"].format(input=r.input)
        shown = ", ".join(f"{lb} {sc:.0%}" for lb, sc in labels[:5])
        when = []
        for lb, _ in labels[:3]:
            hits = sorted((e for e in r.events if e.get("label") == lb), key=lambda e: float(e["start_s"]))
            if hits:
                when.append(f"{lb} at {_spans(hits, 3)}")
        timeline = (" " + "; ".join(when) + ".") if when else ""
        return t[r.tool].format(input=r.input, labels=shown, timeline=timeline)
    if r.tool in _EDIT_DETAILS and r.tool in t:
        return _describe_edit(r, t[r.tool], output)
    if r.tool in GENERATION_TOOLS:
        return _describe_generation(r, t[r.tool], duration)
    return t["generic"].format(tool=r.tool, content=r.content.strip())


GENERATION_TOOLS = ("text_to_audio", "text_to_music", "generate_audio_scene")


def _describe_generation(r: ToolResult, template: str, duration: str) -> str:
    """A generated clip (or several versions): the tool's template with the call's arguments, then its notes."""
    output = ", ".join(r.files) if r.files else "(no file was returned)"
    line = template.format_map({**r.args, "output": output, "duration": duration, "tool": r.tool})
    notes = re.sub(r"^\s*\w+ succeeded\.\s*|New (?:file|image|video|text): \S+(?: \([^)]*\))?\.\s*", "", r.content)
    return f"{line} {notes.strip()}".strip()


def _describe_edit(r: ToolResult, template: str, output: str) -> str:
    """An editing result: what was done, the new file with its format facts, and the tool's notes."""
    facts = re.search(re.escape(output) + r" \(([^)]*)\)", r.content)
    shown = f" ({facts.group(1)})" if facts else f" ({r.duration_s:.1f} s)" if r.duration_s else ""
    files = r.args.get("audio_files")
    inputs = " + ".join(files if isinstance(files, list) else r.inputs) or r.input
    line = template.format(
        input=r.input, inputs=inputs, output=output, facts=shown, detail=_EDIT_DETAILS[r.tool](r.args)
    )
    notes = re.sub(r"^\s*\w+ succeeded\.\s*|New (?:file|image|video|text): \S+(?: \([^)]*\))?\.\s*", "", r.content)
    return f"{line}. {notes.strip()}" if r.structured and notes.strip() else line


def _num(key: str, value: Any) -> str:
    units = {"_db": " dB", "_hz": " Hz", "_s": " s", "_lufs": " LUFS"}
    unit = next((u for suffix, u in units.items() if key.endswith(suffix)), None)
    if unit is None:
        return f"{key.replace('_', ' ')} {value:g}"
    return f"{value:+g}{unit}" if key.endswith("gain_db") else f"{value:g}{unit}"


def _effect_text(fx: dict[str, Any]) -> str:
    params = [_num(k, v) for k, v in fx.items() if k != "name" and isinstance(v, (int, float))]
    return fx.get("name", "effect").replace("_", " ") + (f" ({', '.join(params)})" if params else "")


def _trim_detail(a: dict[str, Any]) -> str:
    parts = ["leading and trailing silence removed"] if a.get("remove_silence") else []
    start, end = a.get("start_s"), a.get("end_s")
    if start is not None or end is not None:
        span = f"{start or 0:g}–{end:g} s" if end is not None else f"{start:g} s to the end"
        parts.insert(0, f"cut out {span}" if a.get("mode") == "remove" else f"kept {span}")
    return ", ".join(parts) or "trimmed"


def _mix_detail(a: dict[str, Any]) -> str:
    parts = []
    if a.get("gains_db"):
        parts.append("gains " + ", ".join(f"{g:+g} dB" if g else "0 dB" for g in a["gains_db"]))
    if a.get("offsets_s"):
        parts.append("starting at " + ", ".join(f"{o:g} s" for o in a["offsets_s"]))
    if a.get("duck_db"):
        parts.append(f"the others ducked {a['duck_db']:g} dB under the first")
    return f" ({'; '.join(parts)})" if parts else ""


def _convert_detail(a: dict[str, Any]) -> str:
    parts = [a["format"]] if a.get("format") else []
    parts += [f"{a['sample_rate']} Hz"] if a.get("sample_rate") else []
    parts += [{1: "mono", 2: "stereo"}[a["channels"]]] if a.get("channels") in (1, 2) else []
    parts += [f"{a['bit_depth']}-bit"] if a.get("bit_depth") else []
    return "to " + ", ".join(parts) if parts else "as asked"


def _picture_detail(a: dict[str, Any]) -> str:
    extra = ["log frequency axis"] if a.get("frequency_scale") == "log" else []
    if a.get("start_s") is not None or a.get("end_s") is not None:
        extra.append(f"{a.get('start_s') or 0:g}–{a['end_s']:g} s" if a.get("end_s") else f"from {a['start_s']:g} s")
    extra += [f"up to {a['max_frequency_hz']:g} Hz"] if a.get("max_frequency_hz") else []
    kind = str(a.get("kind") or "spectrogram").replace("_", " ")
    return kind + (f" ({', '.join(extra)})" if extra else "")


_EDIT_DETAILS: dict[str, Any] = {
    "trim_audio": _trim_detail,
    "concatenate_audio": lambda a: f" with a {a['crossfade_s']:g} s crossfade" if a.get("crossfade_s") else (
        f" with {a['gap_s']:g} s of silence between" if a.get("gap_s") else ""),
    "mix_audio": _mix_detail,
    "apply_audio_effect": lambda a: ", ".join(_effect_text(fx) for fx in a.get("effects") or []) or "the effects",
    "change_speed": lambda a: f"×{a.get('factor', 1):g}, "
    + ("pitch kept" if a.get("preserve_pitch", True) else "pitch changed with it"),
    "change_pitch": lambda a: f"{'up' if a.get('semitones', 0) > 0 else 'down'} by {abs(a.get('semitones', 0)):g} "
    f"semitone{'' if abs(a.get('semitones', 0)) == 1 else 's'}",
    "convert_audio": _convert_detail,
    "extract_audio_from_video": lambda a: "",
    "visualize_audio": _picture_detail,
}  # fmt: skip


def _labels_from_events(events: list[dict[str, Any]]) -> list[tuple[str, float]]:
    best: dict[str, float] = {}
    for e in events:
        best[e["label"]] = max(best.get(e["label"], 0.0), float(e.get("score") or 0.0))
    return sorted(best.items(), key=lambda kv: -kv[1])


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=\.)\s", text, maxsplit=1)[0]


def render_help(schemas: dict[str, dict[str, Any]]) -> str:
    """The greeting: every available tool with the first sentence of its description."""
    lines = [f"- {name}: {_first_sentence(s.get('description', ''))}" for name, s in schemas.items()]
    return read_prompt_yaml(_RESPONSES)["help"].format(tools="\n".join(lines) or "- (no tools are available)")


def other_tasks() -> dict[str, str]:
    """Audio tasks that no public tool covers, with how to say them (``other_tasks`` in responses.yaml)."""
    tasks: dict[str, str] = read_prompt_yaml(_RESPONSES)["other_tasks"]
    return tasks


def stop_message(step: Any, schemas: dict[str, dict[str, Any]]) -> str:
    """Why a step was not run (unsupported, unclear, no file…), or the help/thanks text."""
    r = read_prompt_yaml(_RESPONSES)
    closest = ", ".join(step.closest) or "none"
    if step.kind == "help":
        return render_help(schemas)
    if step.kind in ("thanks", "off_topic", "unclear"):
        return r[step.kind].format(closest=closest)
    if step.kind == "unsupported":
        return r["unsupported"].format(tool=step.tool, description=PLANNED[step.tool], closest=closest)
    if step.kind == "other_task":
        return r["unsupported_other"].format(description=other_tasks()[step.tool], closest=closest)
    if step.kind == "translation_target":
        return r["translation_target"].format(language=step.language)
    if step.kind == "not_bound":
        return r["not_bound"].format(tool=step.tool)
    if step.kind == "no_text":
        return r["no_text"]
    if step.kind == "few_files":
        return r["few_files"].format(tool=step.tool)
    if step.kind == "no_args":
        tool = CATALOG.get(step.tool or "")
        hint = (tool.hint if tool else None) or ""
        return r["no_args"].format(tool=step.tool, hint=hint)
    if step.kind == "no_duration":
        return r["no_duration"].format(tool=step.tool, file=step.args.get(step.file_field, "the file"))
    if step.kind == "bad_args":
        return r["bad_args"].format(tool=step.tool, problem=step.problem)
    return r["no_video" if step.file_kind == "video" else "no_file"].format(tool=step.tool)


def compose_reply(steps: list[Any], results: list[ToolResult], schemas: dict[str, dict[str, Any]]) -> str:
    """The final answer of a turn from what the tools returned and where the plan stopped."""
    r = read_prompt_yaml(_RESPONSES)
    done = [x for x in results if x.ok]
    failed = next((x for x in results if not x.ok), None)
    lines = [describe_result(x) for x in done]
    if failed is not None:
        error = (failed.error or failed.content or "unknown error").strip()
        if len(results) == 1:
            return r["error_single"].format(tool=failed.tool, error=error)
        head = r["error"].format(index=len(done) + 1, tool=failed.tool, error=error)
        before = r["error_before"].format(done=" ".join(lines)) if lines else r["error_nothing_before"]
        return f"{head}\n{before}"
    stop = next((s for s in steps if s.kind != "tool"), None)
    tail = [stop_message(stop, schemas)] if stop is not None else []
    if len(lines) <= 1:
        return "\n".join(lines + tail)
    numbered = [f"{i}. {line}" for i, line in enumerate(lines, 1)]
    return "\n".join([r["multi_step_intro"].format(count=len(lines)), *numbered, *tail])
