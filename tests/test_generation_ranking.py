"""Several versions of a generated sound, ordered by CLAP: the kept one is the best by scores computed here
independently (transformers' ClapModel on the same clips), every score is in provenance, the reply says
which was kept and why; without CLAP the versions stay unranked and the reply says so.

Tiny random-weight Stable Audio and CLAP checkpoints, saved with ``save_pretrained`` and loaded through
the adapters' own ``from_pretrained`` path: the scores mean nothing about sound, the ordering logic is
what is tested.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audiogpt.agent import Agent
from audiogpt.audio import Audio
from audiogpt.config import load_settings
from foundation_models import adapter_class, rerank
from foundation_models.generation_base import GenerationRequest
from foundation_models.pool import ModelPool
from tests import tiny_generators as tiny
from tests.tiny_listening import clap_folder

pytestmark = pytest.mark.slow
PROMPT = "a dog barking"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ranking")
    return {"sao": tiny.build_stable_audio(root / "sao"), "clap": clap_folder(root / "clap")}


def independent_scores(clap_dir: Path, prompt: str, clips: list[Audio]) -> list[float]:
    """Cosine similarity of each clip to the prompt, straight from transformers (clips fit one window)."""
    import torch
    from transformers import ClapModel, ClapProcessor

    model, processor = ClapModel.from_pretrained(clap_dir).eval(), ClapProcessor.from_pretrained(clap_dir)
    rate = processor.feature_extractor.sampling_rate
    waves = [c.mono().resample(rate).samples for c in clips]
    assert all(w.size <= processor.feature_extractor.nb_max_samples for w in waves)
    feats = processor.feature_extractor(
        waves, sampling_rate=rate, truncation="rand_trunc", padding="repeatpad", return_tensors="pt"
    )
    tokens = processor.tokenizer([prompt], return_tensors="pt")
    with torch.no_grad():
        audio = model.get_audio_features(**feats)
        text = model.get_text_features(**tokens)
    a = getattr(audio, "pooler_output", audio)
    t = getattr(text, "pooler_output", text)
    a = torch.nn.functional.normalize(a, dim=-1)
    t = torch.nn.functional.normalize(t, dim=-1)
    return (a @ t[0]).tolist()


def test_the_best_version_by_clap_comes_first_and_every_score_is_recorded(folders: dict[str, Path]) -> None:
    models = dict(load_settings().models)
    ranked = {"rank_with": str(folders["clap"])}
    models["text_to_audio"] = {"adapter": "stable_audio", "model": str(folders["sao"]), **ranked}
    models["target_sound_detection"] = {"adapter": "clap_detection", "model": str(folders["clap"])}
    pool = ModelPool(models, "cpu")
    agent = Agent(load_settings(engine="offline"), pool=pool)
    resp = agent.run(f"make {PROMPT} for 0.5 seconds, seed 7, 3 versions, quick draft")
    assert resp.ok, resp.text
    assert [c.tool for c in resp.tool_calls] == ["text_to_audio"] and len(resp.artifacts) == 3

    # the same three clips, made again without ranking (same seed), scored here without our CLAP code
    plain = adapter_class("stable_audio")(model=str(folders["sao"]), device="cpu")
    made = plain.run(GenerationRequest(prompt=PROMPT, duration_s=0.5, seed=7, candidates=3, preset="fast"))
    assert "unranked" in made.notes[0] and made.info["candidates"][2]["version"] == 3
    scores = independent_scores(folders["clap"], PROMPT, made.audio)
    best = int(np.argmax(scores))
    order = sorted(range(3), key=lambda i: -scores[i])

    session = agent.store.open(resp.session_id)
    provs = [session.resolve(a.name).provenance for a in resp.artifacts]
    assert [p["candidate"]["version"] for p in provs] == [i + 1 for i in order]  # best first, then the others
    assert provs[0]["candidate"]["best"] and not provs[1]["candidate"]["best"]
    assert [p["candidate"]["rank"] for p in provs] == [1, 2, 3]
    recorded = provs[0]["ranking"]["prompts"][0]
    assert recorded["kept_version"] == best + 1 and recorded["prompt"] == PROMPT
    assert recorded["scores"] == pytest.approx(scores, abs=1e-3)  # all of them, in the order made
    assert provs[2]["ranking"] == provs[0]["ranking"] and provs[0]["ranking"]["by"] == "CLAP text-audio similarity"
    assert provs[0]["ranking"]["model"] == "folder clap"  # a local checkpoint by its name, never its path
    for prov, i in zip(provs, order, strict=True):
        assert prov["candidate"]["clap_score"] == pytest.approx(scores[i], abs=1e-3)
    for art, i in zip(resp.artifacts, order, strict=True):  # each file really is the version it says
        saved = session.load(art.name)[1].samples
        assert np.allclose(saved, made.audio[i].samples, atol=1e-3)

    others = ", ".join(f"{scores[i]:.2f}" for i in order[1:])
    wanted = f"kept version {best + 1} of 3 as the best: CLAP text–audio similarity {scores[best]:.2f} vs {others}"
    assert wanted in resp.text and "the other versions follow, best first" in resp.text
    names = [a.name for a in resp.artifacts]
    assert f"{names[0]} (the best of 3; the others: {names[1]}, {names[2]})" in resp.text

    # the ranking used the CLAP that detection shares: one loaded copy per checkpoint and device
    with pool.use("target_sound_detection") as detector:
        assert detector.clap is pool.adapter("text_to_audio").ranker  # type: ignore[attr-defined]
    pool.unload("text_to_audio")
    assert pool.adapter("text_to_audio").ranker is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(("marks", "handed_on"), [((False, True, False), 1), (None, 2)])
def test_a_following_step_takes_the_best_version(marks: tuple[bool, ...] | None, handed_on: int) -> None:
    from audiogpt.engines.router import OfflineRouter
    from tests.test_router import catalog_tools, run_chain

    made = ["audio/0000aaa1.wav", "audio/0000aaa2.wav", "audio/0000aaa3.wav"]
    info = {"candidates": [{"version": i + 1, "of": 3, "best": m} for i, m in enumerate(marks)]} if marks else {}
    calls, _ = run_chain(
        OfflineRouter().bind_tools(catalog_tools()),
        "make rain sounds for 4 seconds, three versions, keep the best, then add a slow fade-in",
        [{"files": made, "duration_s": 4.0, "info": info}, {"files": ["audio/0000bbbb.wav"], "duration_s": 4.0}],
    )
    assert [c["name"] for c in calls] == ["text_to_audio", "apply_audio_effect"]
    assert calls[0]["args"]["candidates"] == 3
    assert calls[1]["args"]["audio"] == made[handed_on]  # the one marked best; unranked: the newest, as before


def _three_versions(folders: dict[str, Path], **options: Any) -> Any:
    model = adapter_class("stable_audio")(model=str(folders["sao"]), device="cpu", **options)
    return model.run(GenerationRequest(prompt=PROMPT, duration_s=0.25, seed=3, candidates=3, steps=2))


def test_without_clap_weights_the_versions_stay_unranked_and_the_reply_says_why(
    folders: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants as hc

    monkeypatch.setattr(hc, "HF_HUB_CACHE", str(tmp_path))  # an empty hub cache: CLAP is not downloaded
    out = _three_versions(folders, rank_with="laion/clap-htsat-unfused")
    assert out.notes == [
        "I kept all 3 versions, unranked, in the order they were made: the CLAP model laion/clap-htsat-unfused "
        "that scores them is not on this machine (about 600.0 MB); fetch it with: audiogpt models pull "
        "text_to_audio (listen and pick)."
    ]
    assert [c["version"] for c in out.info["candidates"]] == [1, 2, 3] and out.info["ranking"]["by"] is None
    assert not any(tmp_path.iterdir())  # nothing was downloaded behind the user's back
    same = _three_versions(folders)  # no ranker configured: the same clips in the same order
    assert "no CLAP model is configured to score them (models.text_to_audio.rank_with)" in same.notes[0]
    assert all(np.array_equal(a.samples, b.samples) for a, b in zip(out.audio, same.audio, strict=True))


def test_a_model_that_ranks_its_own_versions_is_not_ranked_again() -> None:
    clips = [Audio(np.full(100, v, np.float32), 1000) for v in (0.1, 0.2, 0.3, 0.4)]
    ranked = rerank.by_model("AudioLDM 2's own CLAP text-audio score", ["rain", "wind"], 2, clips)
    assert ranked.audio == clips  # the pipeline already sorted them
    assert [(c["prompt"], c["rank"], c["best"]) for c in ranked.candidates] == [
        ("rain", 1, True), ("rain", 2, False), ("wind", 1, True), ("wind", 2, False)
    ]  # fmt: skip
    assert re.search(r"the first file is the best by AudioLDM 2's own CLAP", ranked.notes[0])
    assert adapter_class("audioldm2").ranks_candidates  # so generate() takes by_model, not CLAP


def test_pulling_a_task_also_pulls_its_ranking_clap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants as c
    from transformers import GPT2Config, GPT2LMHeadModel

    from audiogpt.models_cli import pull_tasks
    from tests.fake_hub import FakeHub, repo_from_folder

    folder = tmp_path / "tiny"
    GPT2LMHeadModel(GPT2Config(n_embd=16, n_layer=1, n_head=2, vocab_size=64, n_positions=32)).save_pretrained(folder)
    monkeypatch.setattr(c, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(c, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    settings = load_settings(models={"text_to_audio": {"adapter": "stable_audio", "model": "tiny-org/gen",
                                                       "rank_with": "tiny-org/clap"}})  # fmt: skip
    with FakeHub({"tiny-org/gen": repo_from_folder(folder), "tiny-org/clap": repo_from_folder(folder)}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        lines = pull_tasks(settings, ["text_to_audio"])
    assert lines[0].startswith("text_to_audio: tiny-org/gen ready")
    assert lines[1].startswith("text_to_audio: tiny-org/clap (ranks versions) ready")
