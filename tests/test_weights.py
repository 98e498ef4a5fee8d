"""Weights: presence, sizes, the missing-weights message, and real downloads from a fake hub on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiogpt.errors import UserError
from foundation_models import weights
from tests.fake_hub import FakeHub, repo_from_folder

REPO = "tiny-org/tiny-gpt2"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (tiny, random) transformers checkpoint saved the way the hub stores it."""
    from transformers import GPT2Config, GPT2LMHeadModel

    folder = tmp_path_factory.mktemp("tiny-gpt2")
    GPT2LMHeadModel(GPT2Config(n_embd=16, n_layer=1, n_head=2, vocab_size=64, n_positions=32)).save_pretrained(folder)
    return folder


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Let huggingface_hub talk to 127.0.0.1 (conftest sets it offline) with an empty cache."""
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setattr(c, "HF_HUB_DISABLE_XET", True)
    return tmp_path / "hf-cache"


def test_pull_downloads_verifies_and_loads(
    tiny_model_dir: Path, online: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from transformers import GPT2LMHeadModel

    with FakeHub({REPO: repo_from_folder(tiny_model_dir)}) as hub:
        path = weights.pull(REPO, endpoint=hub.url, cache_dir=online)
    assert (path / "config.json").is_file() and (path / "model.safetensors").is_file()
    assert "Fetching 3 files" in capfd.readouterr().err  # huggingface_hub's progress bars
    model = GPT2LMHeadModel.from_pretrained(weights.locate(REPO, "demo", cache_dir=online))
    assert model.config.n_embd == 16
    present = weights.presence(REPO, cache_dir=online)
    assert present.present and present.size_bytes == weights.folder_size(tiny_model_dir)


def test_cut_download_resumes(tiny_model_dir: Path, online: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "DOWNLOAD_CHUNK_SIZE", 1024)  # so the first half reaches the disk before the cut
    repo = repo_from_folder(tiny_model_dir, cut={"model.safetensors": 1})
    with FakeHub({REPO: repo}) as hub:
        try:
            weights.pull(REPO, endpoint=hub.url, cache_dir=online)
        except UserError as exc:  # the library may give up on the first cut: the message says to rerun
            assert "run the same command again" in str(exc)
            weights.pull(REPO, endpoint=hub.url, cache_dir=online)
    gets = [r for r in hub.requests if r[0] == "GET" and r[1].endswith("model.safetensors")]
    assert len(gets) == 2 and gets[1][2] is not None and gets[1][2].startswith("bytes=")  # resumed, not restarted
    assert int(gets[1][2][6:].split("-")[0]) > 0
    assert weights.cached_snapshot(REPO, cache_dir=online) is not None


def test_corrupt_file_is_caught_by_checksum_and_removed(tiny_model_dir: Path, online: Path) -> None:
    repo = repo_from_folder(tiny_model_dir, corrupt={"model.safetensors"})
    with FakeHub({REPO: repo}) as hub:
        with pytest.raises(UserError, match=r"did not match the hub's checksum.*model.safetensors"):
            weights.pull(REPO, endpoint=hub.url, cache_dir=online)
        assert weights.cached_snapshot(REPO, cache_dir=online) is None  # the bad copy is gone
        repo.corrupt.clear()
        path = weights.pull(REPO, endpoint=hub.url, cache_dir=online)
    assert (path / "model.safetensors").read_bytes() == (tiny_model_dir / "model.safetensors").read_bytes()


def test_gated_repo_without_token_says_what_to_do(
    tiny_model_dir: Path, online: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_from_folder(tiny_model_dir, gated_token="hf_secret")
    with FakeHub({REPO: repo}) as hub:
        with pytest.raises(UserError) as err:
            weights.pull(REPO, endpoint=hub.url, cache_dir=online)
        msg = str(err.value)
        assert "gated" in msg and "accept its terms" in msg and "HF_TOKEN" in msg and f"{hub.url}/{REPO}" in msg
        assert "401" not in msg and "Traceback" not in msg
        monkeypatch.setenv("HF_TOKEN", "hf_secret")  # the token is honoured
        path = weights.pull(REPO, endpoint=hub.url, cache_dir=online)
    assert (path / "config.json").is_file()


def test_unknown_repo(online: Path) -> None:
    with FakeHub({}) as hub, pytest.raises(UserError, match="no model nobody/nothing"):
        weights.pull("nobody/nothing", endpoint=hub.url, cache_dir=online)


def test_missing_weights_message_names_size_and_command(tmp_path: Path) -> None:
    with pytest.raises(weights.WeightsMissing) as err:
        weights.locate("facebook/musicgen-small", "text_to_music", cache_dir=tmp_path)
    msg = str(err.value)
    assert "facebook/musicgen-small" in msg and "2.4 GB" in msg and "audiogpt models pull text_to_music" in msg
    with pytest.raises(weights.WeightsMissing, match="gated"):
        weights.locate("stabilityai/stable-audio-open-1.0", "text_to_audio", cache_dir=tmp_path)


def test_local_folder_and_bad_ids(tmp_path: Path) -> None:
    assert weights.locate(str(tmp_path), "x") == str(tmp_path)
    with pytest.raises(UserError, match="neither a folder"):
        weights.locate(str(tmp_path / "nope" / "deeper"), "x")
    assert weights.presence("embedded:tiny.en").kind == "bundled"
    assert weights.presence(str(tmp_path)).present
    assert not weights.presence("facebook/musicgen-small", cache_dir=tmp_path).present
    assert weights.human_size(2.4e9) == "2.4 GB" and weights.human_size(None) == "unknown size"


def test_cli_models_pull_and_listing(
    tiny_model_dir: Path,
    online: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import huggingface_hub.constants as c

    from audiogpt.cli import main

    monkeypatch.setattr(c, "HF_HUB_CACHE", str(online))
    cfg = tmp_path / "my.yaml"
    cfg.write_text(f"models:\n  text_to_music: {{adapter: musicgen, model: {REPO}}}\n")
    assert main(["models", "--config", str(cfg)]) == 0
    assert "MISSING (size unknown): audiogpt models pull text_to_music" in capsys.readouterr().out
    assert main(["models", "pull", "no_such_task", "--config", str(cfg)]) == 2
    assert "no model is configured for no_such_task" in capsys.readouterr().err
    with FakeHub({REPO: repo_from_folder(tiny_model_dir)}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        assert main(["models", "pull", "text_to_music", "--config", str(cfg)]) == 0
    assert f"text_to_music: {REPO} ready" in capsys.readouterr().out
    assert main(["models", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "text_to_music" in out and "present, " in out and "speech_recognition" in out and "bundled" in out


def test_auto_download_fetches_on_first_use(
    tiny_model_dir: Path, online: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(weights.WeightsMissing, match="audiogpt models pull demo"):
        weights.locate(REPO, "demo", cache_dir=online)  # off by default: nothing is fetched
    with FakeHub({REPO: repo_from_folder(tiny_model_dir)}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        path = Path(weights.locate(REPO, "demo", auto_download=True, cache_dir=online))
    assert (path / "model.safetensors").read_bytes() == (tiny_model_dir / "model.safetensors").read_bytes()
    assert any(r[0] == "GET" for r in hub.requests)
