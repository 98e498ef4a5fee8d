"""``audiogpt models`` (weights present? how big?) and ``audiogpt models pull TASK|--all``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from audiogpt.config import Settings
from audiogpt.errors import UserError

log = logging.getLogger(__name__)


@dataclass
class TaskWeights:
    """One configured task's checkpoint and whether it is on this machine."""

    task: str
    model: str
    kind: str  # hub | folder | bundled
    present: bool
    size_bytes: float | None
    notes: list[str]

    def describe(self) -> str:
        from foundation_models.weights import human_size

        if self.kind == "bundled":
            return "bundled"
        if self.present:
            return f"present, {human_size(self.size_bytes)}"
        about = f"about {human_size(self.size_bytes)}" if self.size_bytes else "size unknown"
        return f"MISSING ({about}): audiogpt models pull {self.task}"


def model_id(spec: dict[str, Any]) -> str:
    """The checkpoint a task's config entry loads (its ``model`` or the adapter's default)."""
    from foundation_models import adapter_class

    return str(spec.get("model") or adapter_class(str(spec["adapter"])).default_model)


def task_weights(settings: Settings) -> list[TaskWeights]:
    """Presence and size of every configured task's weights (reads the disk only)."""
    from foundation_models.weights import presence

    rows = []
    for task, spec in settings.models.items():
        p = presence(model_id(spec))
        rows.append(TaskWeights(task, p.model_id, p.kind, p.present, p.size_bytes, p.notes))
    return rows


def pull_tasks(settings: Settings, tasks: list[str], everything: bool = False) -> list[str]:
    """Download the checkpoints of ``tasks`` (or every hub checkpoint); returns one line per model."""
    from foundation_models.weights import folder_size, human_size, is_hub_id, pull

    if everything:
        tasks = list(settings.models)
    unknown = [t for t in tasks if t not in settings.models]
    if unknown:
        raise UserError(
            f"no model is configured for {', '.join(unknown)}; configured tasks = {sorted(settings.models)}"
        )
    if not tasks:
        raise UserError("name a task (audiogpt models pull text_to_audio) or give --all")
    lines, done = [], set()
    for task in tasks:
        repo = model_id(settings.models[task])
        if not is_hub_id(repo):
            lines.append(f"{task}: {repo} is on this machine already (nothing to download)")
            continue
        if repo not in done:
            path = pull(repo)
            done.add(repo)
            lines.append(f"{task}: {repo} ready, {human_size(folder_size(path))}")
        ranker = settings.models[task].get("rank_with")  # the CLAP that orders several versions
        if ranker and is_hub_id(str(ranker)) and ranker not in done:
            path = pull(str(ranker))
            done.add(ranker)
            lines.append(f"{task}: {ranker} (ranks versions) ready, {human_size(folder_size(path))}")
    return lines
