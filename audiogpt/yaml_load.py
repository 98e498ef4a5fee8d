"""YAML read with libyaml's C parser where PyYAML was built with it (about ten times faster than the
pure-Python one): the tool examples are read on every CLI run, to key the router's cached index."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same safe subset of YAML either way


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, with the C parser when there is one."""
    return yaml.load(text, Loader=_LOADER)
