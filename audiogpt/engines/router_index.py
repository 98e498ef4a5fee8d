"""The router's example index — example embeddings and a fitted classifier — built once, cached on disk.

Building it means embedding every example request and fitting a logistic regression; that took
seconds on every ``audiogpt run``. :func:`load_index` does it once per set of examples and keeps
the result under ``cache_root()/router/`` as a plain ``.npz`` (numpy arrays only, read with
``allow_pickle=False``): the example vectors, their labels, and the classifier's coefficients and
intercepts. Scoring a request then needs numpy and the embedder only — no scikit-learn import.

The file name carries a hash of everything the index depends on (the examples in order, the
embedding model's files and implementation, the scikit-learn and numpy versions, this format), so
changed examples or an upgraded library simply miss and rebuild. A file that cannot be read or
whose stored key differs is rebuilt too, with a log line. Writes go to a temporary file in the same
folder and are renamed into place, so two processes starting at once each write a whole file and
the last rename wins; a reader never sees half a file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from audiogpt.engines import minilm
from foundation_models.base import cache_root

log = logging.getLogger(__name__)

FORMAT = 1  # bumped when the cached file's layout or the scoring changes
C = 100.0  # the classifier's inverse regularization: examples are few, trust them
MAX_ITER = 5000


def _encode(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings of ``texts`` (all-MiniLM-L6-v2)."""
    return minilm.embedder().encode(texts)


@functools.lru_cache(maxsize=256)
def _encode_query(text: str) -> np.ndarray:
    """One request's embedding; cached because the stateless router re-plans the same text every step."""
    return _encode([text])[0]


class ExampleIndex:
    """Example requests and their embeddings; labels are tool names, "help", "thanks" or
    "unsupported:<planned tool or other task>".

    A label's score is the probability a logistic-regression classifier, fitted on the examples'
    embeddings when the index is built, gives it, plus ``SIMILARITY_WEIGHT`` times the similarity of
    its closest example. The classifier weighs every example of a label, so it generalizes to new
    wording better than the nearest example alone (measured on the held-out request set, see
    docs/evaluation.md); the similarity term breaks near ties towards an example that says it
    almost verbatim. Classes are balanced, so a label with few examples (most unsupported tasks)
    is not drowned by the tools with many.

    ``cues`` (label, pattern, bonus, quoted) are the router's keyword cues; it fills them in.
    """

    SIMILARITY_WEIGHT = 0.3

    def __init__(self, labels: list[str], vectors: np.ndarray, classes: list[str], coef: Any, intercept: Any) -> None:
        self.labels = labels
        self.vectors = vectors
        self.classes = classes
        self.coef = np.asarray(coef)
        self.intercept = np.asarray(intercept)
        self.names = sorted(set(labels))
        self.columns = {name: np.array([i for i, lb in enumerate(labels) if lb == name]) for name in self.names}
        self.cues: list[tuple[str, Any, float, bool]] = []

    @classmethod
    def build(cls, groups: dict[str, list[str]]) -> ExampleIndex:
        """Embed every example and fit the classifier (seconds; :func:`load_index` caches it)."""
        from sklearn.linear_model import LogisticRegression

        labels = [label for label, texts in groups.items() for _ in texts]
        vectors = _encode([t for texts in groups.values() for t in texts])
        classifier = LogisticRegression(C=C, class_weight="balanced", max_iter=MAX_ITER)
        classifier.fit(vectors, np.array(labels))
        classes = [str(c) for c in classifier.classes_]
        return cls(labels, vectors, classes, classifier.coef_, classifier.intercept_)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities for rows of ``x``: the same arithmetic as scikit-learn's
        ``LogisticRegression.predict_proba`` (softmax of the decision function; the logistic
        function of it for two classes), so a cached index scores exactly as the fitted one."""
        decision = x @ self.coef.T + self.intercept
        if len(self.classes) <= 2:
            p = 1.0 / (1.0 + np.exp(-decision.ravel()))
            return np.vstack([1 - p, p]).T
        decision = decision - decision.max(axis=1).reshape((-1, 1))
        decision = np.exp(decision)
        return decision / decision.sum(axis=1).reshape((-1, 1))

    def scores(self, text: str) -> tuple[dict[str, float], float]:
        """Every label's score, and the similarity of the closest example of any label."""
        query = _encode_query(text)
        sims = self.vectors @ query
        probs = self.predict_proba(query[None, :])[0]
        scores = {name: float(p) for name, p in zip(self.classes, probs, strict=True)}
        for name, idx in self.columns.items():
            scores[name] += self.SIMILARITY_WEIGHT * float(sims[idx].max())
        return scores, float(sims.max())

    def arrays(self, key: str) -> dict[str, Any]:
        """What the cache file holds (plain arrays: strings as unicode, never objects)."""
        return {
            "key": np.array(key),
            "labels": np.array(self.labels, dtype=str),
            "vectors": self.vectors,
            "classes": np.array(self.classes, dtype=str),
            "coef": self.coef,
            "intercept": self.intercept,
        }

    @classmethod
    def from_arrays(cls, data: Any) -> ExampleIndex:
        return cls(
            [str(s) for s in data["labels"]],
            data["vectors"],
            [str(s) for s in data["classes"]],
            data["coef"],
            data["intercept"],
        )


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def cache_key(groups: dict[str, list[str]]) -> str:
    """A hash of everything the index depends on; any change gives another file name."""
    parts = {
        "format": FORMAT,
        "groups": list(groups.items()),  # order matters: it orders the examples and labels
        "embedder": minilm.fingerprint(),
        "scikit-learn": _version("scikit-learn"),  # read from metadata: importing sklearn costs ~1 s
        "numpy": np.__version__,
        "classifier": {"C": C, "class_weight": "balanced", "max_iter": MAX_ITER},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def cache_dir() -> Path:
    """Where cached indexes live: ``cache_root()/router``."""
    return cache_root() / "router"


def _read(path: Path, key: str) -> ExampleIndex | None:
    """The cached index at ``path``, or None when it is missing, unreadable or for other examples."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                log.warning("router index cache %s is stale (built for other examples); rebuilding", path)
                return None
            index = ExampleIndex.from_arrays(data)
        if index.coef.shape != (len(index.classes) if len(index.classes) > 2 else 1, index.vectors.shape[1]):
            raise ValueError(f"classifier shape {index.coef.shape} does not fit the vectors")
        return index
    except Exception as exc:  # a torn or foreign file: rebuild rather than fail the user's turn
        log.warning("router index cache %s is unreadable (%s); rebuilding", path, exc)
        return None


def _write(path: Path, index: ExampleIndex, key: str) -> None:
    """Write atomically: a temp file in the same folder, then rename over the final name."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **index.arrays(key))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:  # a read-only or full disk costs speed, not the answer
        log.warning("could not cache the router index at %s: %s", path, exc)


def load_index(groups: dict[str, list[str]]) -> ExampleIndex:
    """The index for these example groups (label → example texts): from the disk cache when it is
    there and current, else built (embed + fit) and cached for the next process."""
    key = cache_key(groups)
    path = cache_dir() / f"index-{key[:32]}.npz"
    index = _read(path, key)
    if index is not None:
        log.debug("router index loaded from %s", path)
        return index
    log.info("building the router index (%d examples); cached at %s", sum(map(len, groups.values())), path)
    index = ExampleIndex.build(groups)
    _write(path, index, key)
    _prune(path)
    return index


KEEP_OLD = 3  # earlier indexes kept beside a new one (another install or version may still use them)


def _prune(current: Path) -> None:
    """Remove all but the ``KEEP_OLD`` newest other index files: each set of examples (every upgrade)
    leaves one (~1–2 MB) behind."""
    try:
        others = sorted(
            (p for p in current.parent.glob("index-*.npz") if p != current),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in others[KEEP_OLD:]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a cache that cannot be tidied costs disk, not the answer
        log.warning("could not prune old router indexes in %s: %s", current.parent, exc)
