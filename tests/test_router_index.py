"""The router's example index: the numpy MiniLM against sentence-transformers, the disk cache
(hit, miss, corruption, staleness, two writers), and the router's decisions through it."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

from audiogpt.engines import minilm
from audiogpt.engines import router_index as ri

# Tiny groups: three labels so the classifier is multinomial, a few examples each (fast to fit).
GROUPS = {
    "trim_audio": ["cut the first two seconds", "trim the end off", "keep only 3 s to 5 s"],
    "text_to_speech": ["say good morning", "read this sentence aloud", "speak the words 'hi'"],
    "help": ["what can you do?", "hello", "which tools do you have"],
}
TWO_GROUPS = {k: GROUPS[k] for k in ("trim_audio", "help")}
QUERIES = ["shorten it by a second", "say 'see you later'", "hey there, what are you?", ""]


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUDIOGPT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "router"


def _only_file(folder: Path) -> Path:
    files = list(folder.glob("index-*.npz"))
    assert len(files) == 1, files
    return files[0]


# ---- the embedder -------------------------------------------------------------------------------
@pytest.mark.slow
def test_numpy_minilm_matches_sentence_transformers() -> None:
    from sentence_transformers import SentenceTransformer

    texts = [
        "say 'hello there'",
        "Trim the first 2.5 s of audio/3f9a1c2e.wav, THEN add reverb!!",
        "",
        "naïve café — transcribe 日本語 and Ελληνικά",
        "a very long request " * 60,  # past the 256-token limit: truncated the same way
        "bpm?",
        "We are building an audiobook app and need the chapter text turned into speech.",
    ]
    ours = minilm.embedder().encode(texts)
    reference = SentenceTransformer(str(minilm.model_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    assert ours.shape == reference.shape == (len(texts), 384)
    assert ours.dtype == np.float32
    cosine = (ours * reference).sum(axis=1) / np.linalg.norm(reference, axis=1)
    assert cosine.min() >= 0.9999, cosine
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # batching pads shorter texts; a text embedded alone gives the same vector
    np.testing.assert_allclose(minilm.embedder().encode([texts[1]])[0], ours[1], atol=1e-5)


def test_concurrent_embeddings_restore_the_blas_threads() -> None:
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [int(lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    results: list[np.ndarray] = []
    workers = [
        threading.Thread(target=lambda: results.append(minilm.embedder().encode(["say hi", "trim it"])))
        for _ in range(4)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert blas_threads() == before  # the one-thread limit for MiniLM did not leak
    assert len(results) == 4 and all(np.array_equal(r, results[0]) for r in results)


def test_erf_is_accurate() -> None:
    import math

    x = np.linspace(-6, 6, 2001, dtype=np.float64)
    exact = np.array([math.erf(v) for v in x])
    assert np.abs(minilm._erf(x) - exact).max() < 2e-7


# ---- the cache ----------------------------------------------------------------------------------
def test_cached_index_scores_exactly_as_a_fresh_one(_cache: Path) -> None:
    built = ri.load_index(GROUPS)  # miss: builds and writes
    path = _only_file(_cache)
    cached = ri.load_index(GROUPS)  # hit: read back
    fresh = ri.ExampleIndex.build(GROUPS)
    for index in (cached, fresh):
        assert index.labels == built.labels and index.classes == built.classes
        np.testing.assert_array_equal(index.vectors, built.vectors)
    for text in QUERIES:
        assert cached.scores(text) == built.scores(text) == fresh.scores(text)
    assert path.stat().st_size > 0


@pytest.mark.parametrize("groups", [GROUPS, TWO_GROUPS], ids=["multinomial", "binary"])
def test_probabilities_equal_scikit_learns(groups: dict[str, list[str]]) -> None:
    from sklearn.linear_model import LogisticRegression

    index = ri.load_index(groups)
    clf = LogisticRegression(C=ri.C, class_weight="balanced", max_iter=ri.MAX_ITER)
    clf.fit(index.vectors, np.array(index.labels))
    queries = ri._encode(QUERIES)
    # float32 vectors give float32 coefficients: equal to float32 precision (the logistic function
    # is computed in another order than scipy's expit)
    np.testing.assert_allclose(index.predict_proba(queries), clf.predict_proba(queries), rtol=1e-6, atol=1e-9)


def test_hit_does_not_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    ri.load_index(GROUPS)

    def no_build(groups: dict[str, list[str]]) -> ri.ExampleIndex:
        raise AssertionError("rebuilt despite a current cache")

    monkeypatch.setattr(ri.ExampleIndex, "build", staticmethod(no_build))
    assert ri.load_index(GROUPS).labels == [lb for lb, texts in GROUPS.items() for _ in texts]


def test_changed_examples_miss_and_rebuild(_cache: Path) -> None:
    ri.load_index(GROUPS)
    changed = {**GROUPS, "help": [*GROUPS["help"], "how does this work?"]}
    index = ri.load_index(changed)
    assert index.labels.count("help") == 4
    assert len(list(_cache.glob("index-*.npz"))) == 2  # each set of examples has its own file
    reordered = dict(reversed(list(GROUPS.items())))  # order decides the rows: another key
    assert ri.cache_key(reordered) != ri.cache_key(GROUPS)


def test_old_indexes_are_pruned_to_the_newest_few(_cache: Path) -> None:
    import os

    _cache.mkdir(parents=True)
    for i in range(6):  # indexes of earlier examples, oldest first
        old = _cache / f"index-old{i}.npz"
        old.write_bytes(b"x")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    current = ri.load_index(GROUPS)
    left = sorted(p.name for p in _cache.glob("index-*.npz"))
    assert len(left) == 1 + ri.KEEP_OLD and {"index-old5.npz", "index-old4.npz", "index-old3.npz"} <= set(left)
    assert ri.load_index(GROUPS).labels == current.labels  # the new one is kept and read back


def test_key_covers_model_files_and_library_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    key = ri.cache_key(GROUPS)
    monkeypatch.setattr(ri, "_version", lambda dist: "0.0-other")
    assert ri.cache_key(GROUPS) != key
    monkeypatch.undo()
    monkeypatch.setattr(minilm, "fingerprint", lambda folder=None: {"files": "other weights"})
    assert ri.cache_key(GROUPS) != key


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_cache_is_rebuilt(_cache: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    good = ri.load_index(GROUPS)
    path = _only_file(_cache)
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"not an npz" * 50, "empty": b""}[damage])
    with caplog.at_level(logging.WARNING, logger=ri.__name__):
        index = ri.load_index(GROUPS)
    assert "unreadable" in caplog.text
    assert index.scores(QUERIES[0]) == good.scores(QUERIES[0])
    assert path.read_bytes()[:2] == b"PK"  # rewritten whole (an .npz is a zip)
    assert ri._read(path, ri.cache_key(GROUPS)) is not None


def test_stale_cache_is_rebuilt(_cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A file under the right name holding another key (a hash-prefix clash, a hand copy) is not trusted."""
    ri.load_index(TWO_GROUPS)
    other = _only_file(_cache)
    path = _cache / f"index-{ri.cache_key(GROUPS)[:32]}.npz"
    other.rename(path)
    with caplog.at_level(logging.WARNING, logger=ri.__name__):
        index = ri.load_index(GROUPS)
    assert "stale" in caplog.text
    assert index.classes == sorted(GROUPS)
    assert ri._read(path, ri.cache_key(GROUPS)) is not None


def test_pickled_objects_are_refused(_cache: Path) -> None:
    ri.load_index(GROUPS)
    path = _only_file(_cache)
    np.savez(path, key=np.array(ri.cache_key(GROUPS)), labels=np.array([object()], dtype=object))
    assert ri._read(path, ri.cache_key(GROUPS)) is None  # allow_pickle=False: never unpickled


def test_two_writers_leave_one_whole_file(_cache: Path) -> None:
    index = ri.ExampleIndex.build(GROUPS)
    key = ri.cache_key(GROUPS)
    path = _cache / f"index-{key[:32]}.npz"
    threads = [threading.Thread(target=ri._write, args=(path, index, key)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.name for p in _cache.iterdir()] == [path.name]  # no temp files left behind
    loaded = ri._read(path, key)
    assert loaded is not None and loaded.scores(QUERIES[1]) == index.scores(QUERIES[1])


def test_unwritable_cache_still_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("AUDIOGPT_CACHE_DIR", str(blocker))
    assert ri.load_index(GROUPS).classes == sorted(GROUPS)


# ---- the router through it ----------------------------------------------------------------------
# Requests written for this test; the labels are what the router chose before the index moved
# (sentence-transformers embeddings, scikit-learn scoring at every start).
DECISIONS = {
    "say 'hello there'": "text_to_speech",
    "what is being said in this recording?": "speech_recognition",
    "cut everything after the tenth second": "trim_audio",
    "make my voice memo sound less noisy": "speech_enhancement",
    "is there a dog barking anywhere in this clip?": "sound_event_detection",
    "turn this into an mp3 please": "convert_audio",
    "put these two files one after the other": "concatenate_audio",
    "compose a jazz tune for my podcast intro": "text_to_music",
    "hi, what can you do?": "help",
    "thanks a lot!": "thanks",
    "translate the lecture into English text": "speech_translation",
    "slow it down to 80 percent": "change_speed",
    "find the parts where someone talks": "voice_activity_detection",
    "what's the weather tomorrow?": "unsupported:off_topic",
}


@pytest.mark.slow
def test_router_decisions_unchanged() -> None:
    from audiogpt.engines import router
    from tests.test_router import catalog_tools

    bound = router.OfflineRouter().bind_tools(catalog_tools())
    router._INDEXES.clear()  # built here, in this test's empty cache
    decided = {text: bound.route(text)[0] for text in DECISIONS}
    router._INDEXES.clear()  # now read back from the cache
    assert {text: bound.route(text)[0] for text in DECISIONS} == decided == DECISIONS
    assert router._index().cues  # the keyword cues came along
