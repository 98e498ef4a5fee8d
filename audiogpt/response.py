"""Response generation (stage 4): the reply text, every artifact made this turn with its pictures,
a timeline per detection, and the tool calls — one object rendered by the UI, CLI and APIs."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from audiogpt import plots
from audiogpt.audio import load_audio
from audiogpt.observation import Observation
from audiogpt.session import Artifact, Session

log = logging.getLogger(__name__)


@dataclass
class ArtifactView:
    name: str
    kind: str
    path: str
    plots: list[str] = field(default_factory=list)
    label: str | None = None
    duration_s: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    tool: str | None = None


@dataclass
class ToolCallView:
    tool: str
    args: dict[str, Any]
    ok: bool
    observation: str
    files: list[str]
    plots: list[str] = field(default_factory=list)  # event timelines
    seconds: float = 0.0


@dataclass
class Response:
    text: str
    session_id: str
    artifacts: list[ArtifactView] = field(default_factory=list)
    tool_calls: list[ToolCallView] = field(default_factory=list)
    error: str | None = None  # set when the request as a whole failed
    query_transcript: str | None = None  # the words heard when the query was spoken
    speech: ArtifactView | None = None  # the spoken reply, when asked for

    @property
    def ok(self) -> bool:
        """No turn-level error, and the last tool call (if any) succeeded (earlier ones may have been retried)."""
        return self.error is None and (not self.tool_calls or self.tool_calls[-1].ok)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        return out


class ResponseGenerator:
    """Builds a :class:`Response` from the engine's final text and the turn's observations."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.plot_dir = session.dir / "plots"

    def view(self, art: Artifact) -> ArtifactView:
        pics: list[str] = []
        if art.kind == "audio":
            target = self.plot_dir / (art.name.replace("/", "_") + ".png")
            try:
                if not target.exists():
                    plots.waveform_spectrogram(load_audio(art.path), target, title=art.name)
                pics.append(str(target))
            except Exception as exc:  # a picture must never cost the user the answer
                log.warning("could not draw %s: %s", art.name, exc)
        elif art.kind == "image":
            pics.append(str(art.path))
        return ArtifactView(
            art.name, art.kind, str(art.path), pics, art.label, art.duration_s, art.sample_rate, art.channels,
            art.provenance.get("tool"),
        )  # fmt: skip

    def build(self, text: str, observations: list[Observation], error: str | None = None) -> Response:
        by_name = {a.name: a for a in self.session.artifacts()}
        views: list[ArtifactView] = []
        calls: list[ToolCallView] = []
        for obs in observations:
            call = ToolCallView(obs.tool, obs.args, obs.ok, obs.content, obs.files, seconds=obs.seconds)
            for name in obs.files:
                if name in by_name:
                    views.append(self.view(by_name[name]))
            if obs.ok and obs.events:
                duration = None
                if obs.inputs and obs.inputs[0] in by_name:
                    duration = by_name[obs.inputs[0]].duration_s
                target = self.plot_dir / f"timeline_{obs.tool}_{obs.call_id}.png"
                try:
                    call.plots.append(str(plots.event_timeline(obs.events, duration, target, obs.tool)))
                except Exception as exc:
                    log.warning("could not draw the timeline: %s", exc)
            calls.append(call)
        return Response(text=text, session_id=self.session.id, artifacts=views, tool_calls=calls, error=error)
