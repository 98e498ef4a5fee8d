"""Model weights: are they here, how big, and fetching them from the Hugging Face Hub.

Hub models are never downloaded behind the user's back: adapters ask :func:`locate` for a folder
to load from, which answers from a local folder or the hub cache, and otherwise raises
:class:`WeightsMissing` naming what is missing, its size and the command that fetches it —
unless config sets ``models.auto_download: true``. :func:`pull` downloads with
``huggingface_hub.snapshot_download`` (progress bars, resume of cut downloads, ``HF_TOKEN``) and
then checks every file against the hub's checksums (sha256 for LFS files, git blob sha1 for the
rest), because the download itself only checks sizes.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audiogpt.errors import UserError

log = logging.getLogger(__name__)

GB = 1e9  # sizes are shown in decimal gigabytes, as the hub shows them

# Formats we never load: other frameworks' copies of the same weights.
DEFAULT_IGNORE = ["*.msgpack", "*.h5", "*.ot", "*.onnx", "*.onnx_data", "flax_model*", "tf_model*", "rust_model*"]
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


@dataclass(frozen=True)
class RepoSpec:
    """What we know of a hub checkpoint before downloading it.

    ``size_bytes`` is an estimate (parameter count × bytes per weight as published) shown before
    a download; the real size comes from the hub when pulling and from the disk afterwards.
    """

    repo_id: str
    size_bytes: float
    licence: str
    gated: bool = False
    ignore_patterns: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # other repos its loading code fetches by name


KNOWN_REPOS: dict[str, RepoSpec] = {
    spec.repo_id: spec
    for spec in (
        # diffusers folders only; the root model.safetensors / model.ckpt are stable-audio-tools copies
        RepoSpec(
            "stabilityai/stable-audio-open-1.0",
            5.4 * GB,
            "Stability AI Community License",
            gated=True,
            ignore_patterns=("model.safetensors", "model.ckpt", "model_config.json"),
        ),
        RepoSpec("cvssp/audioldm2", 4.5 * GB, "CC-BY-NC-SA-4.0", ignore_patterns=("*.bin",)),
        RepoSpec("facebook/musicgen-small", 2.4 * GB, "CC-BY-NC-4.0", ignore_patterns=("*.bin",)),
        RepoSpec("facebook/musicgen-medium", 8.0 * GB, "CC-BY-NC-4.0", ignore_patterns=("*.bin",)),
        RepoSpec(
            "mispeech/Dasheng-AudioGen",
            9.0 * GB,
            "Apache-2.0",
            also=("google/flan-t5-large", "mispeech/dashengtokenizer"),
        ),
        RepoSpec("google/flan-t5-large", 3.1 * GB, "Apache-2.0", ignore_patterns=("*.bin",)),
        RepoSpec("mispeech/dashengtokenizer", 1.0 * GB, "Apache-2.0"),
        RepoSpec("laion/clap-htsat-unfused", 0.6 * GB, "Apache-2.0", ignore_patterns=("*.bin",)),
    )
}


class WeightsMissing(UserError):
    """A model's weights are not on this machine and downloading them was not allowed."""


@dataclass
class Presence:
    """Whether one model's weights are here (for ``audiogpt models``)."""

    model_id: str
    kind: str  # "folder", "hub", "bundled" (ships in a package / DSP)
    present: bool
    size_bytes: float | None  # on disk when present, else the estimate (None when unknown)
    path: Path | None = None
    notes: list[str] = field(default_factory=list)


def is_hub_id(model_id: str) -> bool:
    """True for ``owner/name`` ids that are not an existing local folder."""
    return bool(_HUB_ID.match(model_id)) and not Path(model_id).expanduser().exists()


def folder_size(path: Path) -> int:
    """Bytes of the files under ``path`` (links followed once, as the hub cache links blobs)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def human_size(size: float | None) -> str:
    """``4.5 GB``, ``12 MB``; "unknown size" when None."""
    if size is None:
        return "unknown size"
    for unit, scale in (("GB", GB), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{int(size)} B"


def _ignore(repo_id: str) -> list[str]:
    spec = KNOWN_REPOS.get(repo_id)
    return DEFAULT_IGNORE + list(spec.ignore_patterns if spec else ())


def cached_snapshot(repo_id: str, revision: str | None = None, cache_dir: str | Path | None = None) -> Path | None:
    """The complete cached snapshot of ``repo_id``, or None (never touches the network)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        path = snapshot_download(
            repo_id, revision=revision, cache_dir=cache_dir, local_files_only=True, ignore_patterns=_ignore(repo_id)
        )
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None
    return Path(path)


def presence(model_id: str, cache_dir: str | Path | None = None) -> Presence:
    """Where ``model_id`` would load from and whether it is here."""
    if ":" in model_id and not is_hub_id(model_id):  # embedded:…, dsp:… ship in packages
        return Presence(model_id, "bundled", True, None)
    if not is_hub_id(model_id):
        folder = Path(model_id).expanduser()
        present = folder.is_dir()
        return Presence(model_id, "folder", present, folder_size(folder) if present else None, folder)
    spec = KNOWN_REPOS.get(model_id)
    snap = cached_snapshot(model_id, cache_dir=cache_dir)
    notes = [f"also needs {other}" for other in (spec.also if spec else ())]
    if snap is None:
        return Presence(model_id, "hub", False, spec.size_bytes if spec else None, None, notes)
    return Presence(model_id, "hub", True, folder_size(snap), snap, notes)


def pull_command(task: str) -> str:
    """The exact command that fetches a task's weights."""
    return f"audiogpt models pull {task}"


def locate(model_id: str, task: str, *, auto_download: bool = False, cache_dir: str | Path | None = None) -> str:
    """The local folder to load ``model_id`` from; downloads it only when ``auto_download``.

    Raises :class:`WeightsMissing` with what is missing, how big it is and the command to run.
    """
    if not is_hub_id(model_id):
        folder = Path(model_id).expanduser()
        if not folder.is_dir():
            raise UserError(
                f"The model for {task} is set to {model_id!r}, which is neither a folder on this machine nor "
                "a hub id like 'owner/name'; fix models.{task}.model in your config"
            )
        return str(folder)
    spec = KNOWN_REPOS.get(model_id)
    snap = cached_snapshot(model_id, cache_dir=cache_dir)
    missing_deps = [r for r in (spec.also if spec else ()) if cached_snapshot(r, cache_dir=cache_dir) is None]
    if snap is not None and not missing_deps:
        return str(snap)
    if auto_download:
        log.info("downloading %s for %s (models.auto_download is on)", model_id, task)
        return str(pull(model_id, cache_dir=cache_dir))
    if snap is not None:
        need = sum(KNOWN_REPOS[r].size_bytes for r in missing_deps)
        raise WeightsMissing(
            f"The {task} model {model_id} also needs {', '.join(missing_deps)} (about {human_size(need)}), "
            f"which its code loads by name. Fetch them with: {pull_command(task)}"
        )
    size = f"about {human_size(spec.size_bytes)}" if spec else "size unknown until it is fetched"
    gated = (
        " It is gated: accept its licence on the hub first (the pull command explains how)."
        if spec and spec.gated
        else ""
    )
    raise WeightsMissing(
        f"The {task} model {model_id} is not downloaded yet ({size}). Fetch it with: "
        f"{pull_command(task)}  (or set models.auto_download: true in your config).{gated}"
    )


def pull(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    endpoint: str | None = None,
    cache_dir: str | Path | None = None,
    tqdm_class: Any = None,
    with_dependencies: bool = True,
) -> Path:
    """Download ``repo_id`` (and the repos its code loads by name), verify checksums, return its folder.

    ``token`` defaults to ``HF_TOKEN`` / the saved login (huggingface_hub's own lookup).
    Safe to repeat: finished files are skipped, cut ones resume.
    """
    from huggingface_hub import HfApi, snapshot_download

    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or None
    spec = KNOWN_REPOS.get(repo_id)
    for other in spec.also if (spec and with_dependencies) else ():
        pull(other, token=token, endpoint=endpoint, cache_dir=cache_dir, tqdm_class=tqdm_class, with_dependencies=False)
    try:
        path = Path(
            snapshot_download(
                repo_id,
                revision=revision,
                token=token,
                endpoint=endpoint,
                cache_dir=cache_dir,
                ignore_patterns=_ignore(repo_id),
                tqdm_class=tqdm_class,
            )
        )
        report = HfApi(endpoint=endpoint, token=token).verify_repo_checksums(
            repo_id, revision=path.name, cache_dir=cache_dir
        )
    except Exception as exc:  # every hub/network failure becomes one clear sentence
        raise _explain(exc, repo_id, endpoint) from exc
    bad = [m["path"] for m in report.mismatches]
    if bad:
        for rel in bad:  # drop the corrupt copy so the next pull fetches it again
            _remove_cached_file(path / rel)
        raise UserError(
            f"{len(bad)} file(s) of {repo_id} did not match the hub's checksum ({', '.join(bad)}) and were "
            "deleted; run the same command again to download them afresh"
        )
    log.info("%s: %d files verified in %s", repo_id, report.checked_count, path)
    return path


def _remove_cached_file(link: Path) -> None:
    """Remove a cached file: the snapshot link and the blob it points to."""
    try:
        target = link.resolve()
        link.unlink(missing_ok=True)
        if target != link:
            target.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not remove %s: %s", link, exc)


def _explain(exc: Exception, repo_id: str, endpoint: str | None) -> UserError:
    """One sentence the user can act on, for a failed download (the library's text goes to the log)."""
    import httpx2
    from huggingface_hub import errors as hf

    log.warning("download of %s failed: %s: %s", repo_id, type(exc).__name__, exc)
    page = f"{(endpoint or 'https://huggingface.co').rstrip('/')}/{repo_id}"
    if isinstance(exc, hf.GatedRepoError):
        has_token = bool(os.environ.get("HF_TOKEN"))
        step = (
            "your token (HF_TOKEN) is not allowed yet: open the page while logged in and accept its terms"
            if has_token
            else "open the page, log in and accept its terms, then create a read token at "
            "https://huggingface.co/settings/tokens and run `hf auth login` (or set HF_TOKEN)"
        )
        return UserError(f"{repo_id} is a gated model: {step} — {page} — then run the pull command again")
    if isinstance(exc, hf.RepositoryNotFoundError):
        return UserError(f"There is no model {repo_id} on the hub (or it is private and your token cannot see it)")
    if isinstance(exc, hf.RevisionNotFoundError):
        return UserError(f"{repo_id} has no such revision")
    if isinstance(exc, (hf.LocalEntryNotFoundError, httpx2.TransportError, OSError, hf.HfHubHTTPError)):
        return UserError(
            f"The download of {repo_id} did not finish (the connection failed or the hub refused it). "
            "What arrived is kept; run the same command again and it resumes where it stopped"
        )
    return UserError(f"The download of {repo_id} failed ({type(exc).__name__}); see the log for details")
