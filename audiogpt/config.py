"""Settings: ``configs/default.yaml``, then a user file (``AUDIOGPT_CONFIG``), then ``AUDIOGPT_*`` variables."""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from audiogpt.errors import UserError
from audiogpt.yaml_load import load_yaml

if TYPE_CHECKING:
    from audiogpt.audio import DecodeLimits

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"

# environment variable -> path of the key it sets
ENV_KEYS = {
    "AUDIOGPT_WORKSPACE": ("workspace",),
    "AUDIOGPT_DEVICE": ("device",),
    "AUDIOGPT_ENGINE": ("engine",),
    "AUDIOGPT_LLM_MODEL": ("llm", "model"),
    "AUDIOGPT_LLM_BASE_URL": ("llm", "base_url"),
    "AUDIOGPT_PRELOAD": ("preload",),
}


@dataclass(frozen=True)
class Limits:
    max_upload_mb: float = 200  # largest file accepted into a session, in MiB
    max_duration_s: float = 1800  # longest audio a tool reads, in seconds
    tool_timeout_s: float = 600  # one tool call's limit, in seconds
    tool_timeouts_s: dict[str, float] = field(default_factory=dict)  # per-tool overrides of tool_timeout_s
    max_tool_calls: int = 8  # tool calls in one turn
    memory_budget_mb: float = 0  # 0 = unlimited; else LRU unload past this many MiB of resident models
    max_decoded_mb: float = 1024  # largest decoded audio (frames × channels × 4 bytes), checked before decoding
    max_channels: int = 64  # most channels an audio file may have
    max_sample_rate_hz: int = 192_000  # highest sample rate an audio file may have

    def timeout_for(self, tool: str) -> float:
        """Seconds a call of ``tool`` may run before it is stopped."""
        return float(self.tool_timeouts_s.get(tool, self.tool_timeout_s))

    def decode(self) -> DecodeLimits:
        """The limits every audio file is checked against before it is decoded."""
        from audiogpt.audio import DecodeLimits

        return DecodeLimits(self.max_decoded_mb, self.max_channels, self.max_sample_rate_hz)


@dataclass(frozen=True)
class LLMSettings:
    model: str = "gpt-4o-mini"  # chat model name on the server
    base_url: str | None = None  # any OpenAI-compatible server; None = api.openai.com
    api_key_env: str = "OPENAI_API_KEY"  # variable that holds the key
    temperature: float = 0.0
    timeout_s: float = 60  # per request
    turn_deadline_s: float = 90  # all requests of one turn together: connect + read + retries

    @property
    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) or None


@dataclass(frozen=True)
class Settings:
    workspace: Path
    device: str = "auto"
    engine: str = "auto"  # auto | llm | offline
    preload: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    llm: LLMSettings = field(default_factory=LLMSettings)
    router_min_similarity: float = 0.42
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # task -> {adapter, model, ...}
    auto_download: bool = False  # models.auto_download: fetch absent hub weights on first use

    def resolved_engine(self) -> str:
        """Which dialogue engine ``auto`` means in this environment."""
        if self.engine != "auto":
            return self.engine
        return "llm" if (self.llm.api_key or self.llm.base_url) else "offline"


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise UserError(f"config file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise UserError(f"config file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"config file {path} must hold a mapping at the top level")
    return data


def load_settings(path: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Build the settings: defaults, the given or ``AUDIOGPT_CONFIG`` file, env variables, then ``overrides``."""
    raw = _read_yaml(DEFAULT_CONFIG)
    user = path or os.environ.get("AUDIOGPT_CONFIG")
    if user:
        user_path = Path(user)
        if not user_path.exists() and (CONFIG_DIR / user_path).exists():
            user_path = CONFIG_DIR / user_path  # `gpu.yaml` names a shipped config
        raw = _merge(raw, _read_yaml(user_path))
    for var, keys in ENV_KEYS.items():
        if var in os.environ:
            node = raw
            for key in keys[:-1]:
                node = node.setdefault(key, {})
            node[keys[-1]] = os.environ[var]
    raw = _merge(raw, overrides)

    preload = raw.get("preload") or []
    if isinstance(preload, str):
        preload = [p.strip() for p in preload.split(",") if p.strip()]
    models = dict(raw.get("models") or {})
    # `models.auto_download` is a switch among the task entries; each hub adapter receives it.
    auto_download = bool(models.pop("auto_download", False))
    if auto_download:
        models = {task: {"auto_download": True, **spec} for task, spec in models.items()}
    engine = str(raw.get("engine", "auto"))
    if engine not in ("auto", "llm", "offline"):
        raise UserError(f"engine must be auto, llm or offline, not {engine!r}")
    try:
        return Settings(
            workspace=Path(os.path.expanduser(str(raw.get("workspace", "~/.audiogpt")))),
            device=str(raw.get("device", "auto")),
            engine=engine,
            preload=tuple(preload),
            limits=Limits(**(raw.get("limits") or {})),
            llm=LLMSettings(**(raw.get("llm") or {})),
            router_min_similarity=float((raw.get("router") or {}).get("min_similarity", 0.42)),
            models={k: dict(v) for k, v in models.items()},
            auto_download=auto_download,
        )
    except TypeError as exc:
        raise UserError(f"unknown key in config: {exc}") from None
