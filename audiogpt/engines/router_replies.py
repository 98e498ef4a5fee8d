"""The offline router's side of tool results: reading ToolMessages and composing the final reply
from each tool's reply template and the shared ones in ``prompts/responses.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import ToolMessage

from audiogpt.observation import Observation
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
                info=dict(art.get("info") or {}),
                facts=dict(art.get("facts") or {}),
                notes=list(art.get("notes") or []),
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
        """Seconds of a file this result made (its facts; for another tool's text, "NAME (2.00 s, …)")."""
        if name in self.facts:
            return float(self.facts[name]["duration_s"])
        m = re.search(re.escape(name) + r" \((\d+(?:\.\d+)?) s\b", self.content)
        if m:
            return float(m.group(1))
        audio = [n for n in self.files if n.startswith("audio/")]
        return self.duration_s if audio and audio[0] == name else None


def describe_result(r: ToolResult) -> str:
    """One line about a successful tool result, from its tool's ``reply`` template (``reply_empty`` when
    it found nothing), filled with the call's arguments, the result's data and the tool's ``describe``
    hook; the tool's notes follow. Another tool's result is shown as it came."""
    tool = CATALOG.get(r.tool)
    generic = read_prompt_yaml(_RESPONSES)["generic"]
    events_known = r.structured or r.events or r.labels
    if tool is None or (tool.output == "events" and not events_known):
        return str(generic.format(tool=r.tool, content=r.content.strip()))
    output = (r.files or ["(no file was returned)"])[-1]
    facts = r.facts.get(output)
    duration = f" ({r.duration_s:.1f} s)" if r.duration_s else ""
    many = next((r.args[k] for k in tool.file_fields() if isinstance(r.args.get(k), list)), None)
    values: dict[str, Any] = {
        **r.args,
        **r.info,
        "tool": r.tool,
        "input": r.input,
        "inputs": " + ".join(many or r.inputs) or r.input,
        "output": output,
        "duration": duration,
        "facts": f" ({_facts(facts)})" if facts else duration,
        "content": r.content.strip(),
    }
    text = (r.text if r.text is not None else r.content).strip() if tool.output == "text" else r.text
    if text is not None:
        values["text"] = text
    empty = (tool.output == "text" and not text) or (tool.output == "events" and not (r.events or r.labels))
    if empty and tool.reply_empty:
        return tool.reply_empty.format(**values)
    if tool.describe is not None:
        values.update(tool.describe(r))
    line = tool.reply.format(**values)
    return f"{line}. {' '.join(r.notes)}" if r.structured and r.notes else line


def _facts(facts: dict[str, Any]) -> str:
    channels = int(facts["channels"])
    ch = "mono" if channels == 1 else f"{channels} ch"
    return f"{float(facts['duration_s']):.2f} s, {facts['sample_rate']} Hz, {ch}"


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


def whole_request_tasks() -> set[str]:
    """Other tasks whose refusal answers the whole request when it names no file (``whole_request``)."""
    return set(read_prompt_yaml(_RESPONSES).get("whole_request", []))


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
    if step.kind in ("refused", "missing_file"):
        return str(step.problem)
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
