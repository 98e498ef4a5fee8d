"""What the offline router knows, gathered from the tool registry and the shared prompts file.

Each registered tool brings its examples and cues (``audiogpt/tools/<name>.yaml``); greetings,
thanks and requests no tool serves (``unsupported:<name>``) come from
``prompts/router_examples.yaml``. A planned tool that is now registered keeps only its tool label.
"""

from __future__ import annotations

from typing import Any

from audiogpt.prompts import read_prompt_yaml
from audiogpt.tools import CATALOG

SHARED_EXAMPLES = "router_examples.yaml"


def example_groups() -> dict[str, list[str]]:
    """Label → example requests: every tool, "help", "thanks" and "unsupported:<name>"."""
    shared = read_prompt_yaml(SHARED_EXAMPLES)
    groups: dict[str, list[str]] = {name: tool.examples for name, tool in CATALOG.items()}
    groups["help"] = list(shared.get("help") or [])
    groups["thanks"] = list(shared.get("thanks") or [])
    for name, texts in (shared.get("unsupported") or {}).items():
        if name not in CATALOG:
            groups[f"unsupported:{name}"] = list(texts)
    return groups


def cue_rows() -> list[dict[str, Any]]:
    """Keyword cues as ``{label, pattern, bonus}``: the tools' own, then the shared ones."""
    rows = [
        {"label": name, "pattern": c.pattern, "bonus": c.bonus} for name, tool in CATALOG.items() for c in tool.cues
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
        "unsupported": {k.split(":", 1)[1]: v for k, v in groups.items() if k.startswith("unsupported:")},
        "cues": cue_rows(),
    }
