"""The offline router's side of tool results: reading ToolMessages and composing the final reply
from the templates in ``prompts/responses.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import ToolMessage

from audiogpt.engines.router_args import LANGUAGES
from audiogpt.handler import Observation
from audiogpt.prompts import read_prompt_yaml
from audiogpt.session import ARTIFACT_NAME_RE
from audiogpt.tasks import PLANNED

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


def _spans(events: list[dict[str, Any]], limit: int) -> str:
    parts = [f"{float(e['start_s']):.2f}–{float(e['end_s']):.2f}" for e in events[:limit]]
    return ", ".join(parts) + (" s" if parts else "") + (", …" if len(events) > limit else "")


def describe_result(r: ToolResult) -> str:
    """One line about a successful tool result, from the tool's template."""
    t: dict[str, str] = read_prompt_yaml(_RESPONSES)["tools"]
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
    return t["generic"].format(tool=r.tool, content=r.content.strip())


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
    if step.kind == "not_bound":
        return r["not_bound"].format(tool=step.tool)
    if step.kind == "no_text":
        return r["no_text"]
    return r["no_file"].format(tool=step.tool)


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
    tail = [s.note for s in steps[: len(done)] if s.note]
    tail += [stop_message(stop, schemas)] if stop is not None else []
    if len(lines) <= 1:
        return "\n".join(lines + tail)
    numbered = [f"{i}. {line}" for i, line in enumerate(lines, 1)]
    return "\n".join([r["multi_step_intro"].format(count=len(lines)), *numbered, *tail])
