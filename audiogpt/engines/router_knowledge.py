"""What the offline router knows, gathered from the tool registry and the shared prompts file.

Each registered tool brings its examples and cues (``audiogpt/tools/<name>.yaml``); greetings,
thanks and requests no tool serves (``unsupported:<name>``) come from
``prompts/router_examples.yaml``, and more requests no tool serves from
``prompts/router_examples_retired.yaml`` (taken from the retired held-out request parts). A planned
tool that is now registered keeps only its tool label.
"""

from __future__ import annotations

from typing import Any

from audiogpt.prompts import read_prompt_yaml
from audiogpt.tools import CATALOG

SHARED_EXAMPLES = "router_examples.yaml"
# unsupported requests from the retired held-out parts, under their reply categories (see its header)
RETIRED_EXAMPLES = "router_examples_retired.yaml"


def example_groups() -> dict[str, list[str]]:
    """Label → example requests: every tool, "help", "thanks", "context" and "unsupported:<name>".

    A request a registered tool lists among its examples is that tool's: the same text in a shared
    group (a task no tool served before) is dropped, so a new tool takes over what it now serves
    without editing the shared file.
    """
    shared = read_prompt_yaml(SHARED_EXAMPLES)
    groups: dict[str, list[str]] = {name: tool.examples for name, tool in CATALOG.items()}
    claimed = {_key(t) for texts in groups.values() for t in texts}
    groups["help"] = list(shared.get("help") or [])
    groups["thanks"] = list(shared.get("thanks") or [])
    groups["context"] = list(shared.get("context") or [])
    retired = read_prompt_yaml(RETIRED_EXAMPLES).get("unsupported") or {}
    for name in dict.fromkeys([*(shared.get("unsupported") or {}), *retired]):
        if name not in CATALOG:
            texts = [*(shared.get("unsupported") or {}).get(name, []), *retired.get(name, [])]
            groups[f"unsupported:{name}"] = [t for t in texts if _key(t) not in claimed]
    return groups


def _key(text: str) -> str:
    return " ".join(str(text).lower().split())


def cue_rows() -> list[dict[str, Any]]:
    """Keyword cues as ``{label, pattern, bonus}``: the tools' own, then the shared ones."""
    rows = [
        {"label": name, "pattern": c.pattern, "bonus": c.bonus, "quoted": c.quoted}
        for name, tool in CATALOG.items()
        for c in tool.cues
    ]
    for row in read_prompt_yaml(SHARED_EXAMPLES).get("cues") or []:
        label = str(row["label"])
        if label.removeprefix("unsupported:") not in CATALOG:
            rows.append(dict(row))
    return rows


def routing_examples() -> dict[str, Any]:
    """Examples and cues in the shape the router's index reads."""
    groups = example_groups()
    return {
        "tools": {name: groups[name] for name in CATALOG},
        "help": groups["help"],
        "thanks": groups["thanks"],
        "context": groups["context"],
        "unsupported": {k.split(":", 1)[1]: v for k, v in groups.items() if k.startswith("unsupported:")},
        "cues": cue_rows(),
    }
