"""text_to_audio, text_to_music, generate_audio_scene: routing, arguments from ordinary words, and whole
turns through the agent (offline router and the LLM engine against a scripted server) on tiny models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from audiogpt.agent import Agent
from audiogpt.config import load_settings
from audiogpt.engines.router import OfflineRouter
from audiogpt.generation_slots import generation_arguments, scene_arguments
from foundation_models.pool import ModelPool
from tests import tiny_generators as tiny
from tests.fakes import FakeOpenAIServer, completion
from tests.test_router import catalog_tools, first_call, invoke, run_chain

# Written for this test, not copied from the tools' routing examples or the eval sets.
PHRASINGS = {
    "text_to_audio": [
        "generate a squeaky hinge sound",
        "I'd like the noise of a jet taking off",
        "create 6 seconds of a fountain splashing",
        "sound effect: balloon popping",
        "make a howling wolf at midnight",
        "can you generate heavy footsteps on a wooden floor",
        "produce the ambience of a quiet library",
        "generate a dripping tap noise, seed 12",
        "a bubbling cauldron sound effect please",
        "make the sound of a train passing by",
    ],
    "text_to_music": [
        "compose an uplifting corporate background track",
        "make a dreamy synthwave song",
        "generate a 15 second bossa nova tune",
        "write music with a slow cello melody",
        "create a hype trap beat",
        "I need a gentle harp piece for a wedding video",
        "compose folk music with banjo and fiddle",
        "generate an intense drum solo",
        "make a soothing piano lullaby",
        "produce a short jazz piano intro for my show",
    ],
    "generate_audio_scene": [
        "a sailor singing 'yo ho' on a creaking ship with waves crashing",
        "a scene of a librarian whispering 'quiet please' while pages rustle",
        "a coach shouting 'go go go' over a cheering crowd and a whistle",
        "make a scene where a grandmother says 'dinner is ready' with pots clattering",
        "an astronaut saying 'we have liftoff' over rocket rumble",
        "a scene with a bartender saying 'last call' over jazz and chatter",
        "generate an audio scene of a kid yelling 'cannonball' at a pool with splashing",
        "a tired nurse speaking 'room five' in a hospital hallway with beeping monitors",
    ],
}


@pytest.fixture(scope="module")
def router() -> OfflineRouter:
    return OfflineRouter().bind_tools(catalog_tools())


@pytest.mark.slow
def test_routing_of_new_phrasings(router: OfflineRouter) -> None:
    misses = []
    total = 0
    for tool, phrasings in PHRASINGS.items():
        for text in phrasings:
            total += 1
            label, _ = router.route(text)
            if label != tool:
                misses.append(f"{text!r}: wanted {tool}, got {label}")
    assert 1 - len(misses) / total >= 0.85, misses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("make a dog barking in the rain for 4 seconds", {"prompt": "a dog barking in the rain", "duration_s": 4.0}),
        ("a 10-second lo-fi beat", {"prompt": "a lo-fi beat", "duration_s": 10.0}),
        ("generate half a minute of ocean waves, seed 7", {"prompt": "ocean waves", "duration_s": 30.0, "seed": 7}),
        ("three versions of a door creaking, keep the best", {"prompt": "a door creaking", "candidates": 3}),
        ("a busy cafe ambience without any music", {"prompt": "a busy cafe ambience", "negative_prompt": "music"}),
        ("create thunder, 50 steps, quick draft", {"prompt": "thunder", "steps": 50, "preset": "fast"}),
        ("footsteps on snow, two minutes", {"prompt": "footsteps on snow", "duration_s": 120.0}),
    ],
)
def test_arguments_from_ordinary_words(text: str, expected: dict[str, Any]) -> None:
    assert generation_arguments(text) == expected


def test_scene_parts_from_a_request() -> None:
    args = scene_arguments("a gritty detective narrating 'the city never sleeps' over heavy rain and a sad saxophone")
    assert args == {
        "caption": "a gritty detective narrating over heavy rain and a sad saxophone",
        "speech": "a gritty detective",
        "transcript": "the city never sleeps",
        "env": "heavy rain",
        "music": "a sad saxophone",
    }


def test_scene_parts_given_by_name_are_taken_as_given() -> None:
    args = scene_arguments("scene with caption 'a quiet harbour at dawn', env 'gulls and lapping water', seed 4")
    assert args == {"caption": "a quiet harbour at dawn", "env": "gulls and lapping water", "seed": 4}
    args = scene_arguments('generate_audio_scene caption="a night train" speech="a sleepy conductor" sfx="brakes"')
    assert args == {"caption": "a night train", "speech": "a sleepy conductor", "sfx": "brakes"}


def test_an_apostrophe_in_a_word_opens_no_transcript() -> None:
    args = scene_arguments("for my son's show, a pirate growling 'land ahoy' over creaking wood and waves")
    assert args["transcript"] == "land ahoy" and "land ahoy" not in args["caption"]


@pytest.mark.slow
def test_router_fills_every_field(router: OfflineRouter) -> None:
    call = first_call(
        router, "make a crackling fire for 4 seconds, seed 7, three versions, keep the best, without any music"
    )
    assert call["name"] == "text_to_audio"
    assert call["args"] == {"prompt": "a crackling fire", "duration_s": 4.0, "seed": 7, "candidates": 3,
                            "negative_prompt": "music"}  # fmt: skip
    call = first_call(router, "compose a mellow jazz tune for half a minute, seed 3")
    assert call["name"] == "text_to_music"
    assert call["args"] == {"prompt": "a mellow jazz tune", "duration_s": 30.0, "seed": 3}
    call = first_call(
        router, "a gritty detective narrating 'the city never sleeps' over heavy rain and a sad saxophone"
    )
    assert call["name"] == "generate_audio_scene"
    assert call["args"]["transcript"] == "the city never sleeps" and call["args"]["music"] == "a sad saxophone"


@pytest.mark.slow
def test_chain_generate_then_fade_then_mp3(router: OfflineRouter) -> None:
    calls, final = run_chain(
        router,
        "make rain sounds for 8 seconds, then add a slow fade-in and give me an mp3",
        [{"files": ["audio/0000cccc.wav"], "duration_s": 8.0}, {"files": ["audio/0000dddd.wav"], "duration_s": 8.0},
         {"files": ["audio/0000eeee.mp3"], "duration_s": 8.0}],
    )  # fmt: skip
    assert [c["name"] for c in calls] == ["text_to_audio", "apply_audio_effect", "convert_audio"]
    assert calls[0]["args"] == {"prompt": "rain sounds", "duration_s": 8.0}
    assert calls[1]["args"]["audio"] == "audio/0000cccc.wav" and calls[2]["args"]["audio"] == "audio/0000dddd.wav"
    assert "audio/0000eeee.mp3" in final.text


# ---- whole turns on tiny checkpoints ------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_pool(tmp_path_factory: pytest.TempPathFactory) -> ModelPool:
    root = tmp_path_factory.mktemp("gen")
    models = dict(load_settings().models)
    models["text_to_audio"] = {"adapter": "stable_audio", "model": str(tiny.build_stable_audio(root / "sao"))}
    models["text_to_music"] = {"adapter": "musicgen", "model": str(tiny.build_musicgen(root / "mg"))}
    return ModelPool(models, "cpu")


@pytest.mark.slow
def test_agent_generates_with_provenance(tiny_pool: ModelPool) -> None:
    agent = Agent(load_settings(engine="offline"), pool=tiny_pool)
    progress: list[tuple[str, int, int, str]] = []
    agent.on_progress = lambda *event: progress.append(event)
    resp = agent.run("make a dog barking for 0.5 seconds, seed 7, 2 versions")
    assert resp.ok, resp.text
    assert progress[0] == ("text_to_audio", 1, 100, "diffusion step") and progress[-1][1:3] == (100, 100)
    assert len(progress) == 100  # streamed to the caller once per step
    assert resp.text.startswith("I generated “a dog barking” (0.5 s): audio/") and "kept all 2 versions" in resp.text
    assert [c.tool for c in resp.tool_calls] == ["text_to_audio"]
    assert len(resp.artifacts) == 2 and all(a.sample_rate == 2048 for a in resp.artifacts)
    assert resp.artifacts[0].duration_s == pytest.approx(0.5, abs=8 / 2048)
    prov = agent.store.open(resp.session_id).resolve(resp.artifacts[0].name).provenance
    assert prov["seed"] == 7 and prov["steps"] == 100 and "stable" in prov["model"].lower()
    assert prov["arguments"]["prompt"] == "a dog barking"


@pytest.mark.slow
def test_bad_requests_leave_the_session_and_pool_serving(tiny_pool: ModelPool) -> None:
    agent = Agent(load_settings(engine="offline"), pool=tiny_pool)
    resp = agent.run("compose a calm piano piece for 45 seconds")  # beyond MusicGen's 30 s
    assert not resp.ok and "at most 30 seconds" in resp.text and "Traceback" not in resp.text
    resp = agent.run("compose a calm piano piece for 0.2 seconds", session=resp.session_id)
    assert resp.ok and resp.artifacts[0].sample_rate == 32000


@pytest.mark.slow
def test_missing_weights_answer_with_the_pull_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants as hc

    monkeypatch.setattr(hc, "HF_HUB_CACHE", str(tmp_path))
    agent = Agent(load_settings(engine="offline"))
    resp = agent.run("generate the sound of a dog barking in heavy rain")
    assert [c.tool for c in resp.tool_calls] == ["text_to_audio"]
    assert "audiogpt models pull text_to_audio" in resp.text and "GB" in resp.text


@pytest.mark.slow
def test_llm_engine_fills_the_scene_and_music_tools(tiny_pool: ModelPool) -> None:
    args = {"prompt": "a lo-fi beat", "duration_s": 0.2, "seed": 5}
    script = [completion(tool_calls=[("text_to_music", json.dumps(args))]), completion("Here is your beat.")]
    with FakeOpenAIServer(script) as server:
        settings = load_settings(engine="llm", llm={"base_url": server.base_url, "model": "scripted", "timeout_s": 5})
        agent = Agent(settings, pool=tiny_pool)
        resp = agent.run("a 0.2-second lo-fi beat, seed 5")
    assert resp.ok, resp.text
    assert agent.store.open(resp.session_id).resolve(resp.artifacts[0].name).provenance["seed"] == 5
    tools = {t["function"]["name"]: t["function"] for t in server.requests[0]["tools"]}
    scene = tools["generate_audio_scene"]["parameters"]
    assert {"caption", "speech", "transcript", "sfx", "music", "env"} <= set(scene["properties"])
    assert "caption" in scene["required"]
    assert tools["text_to_audio"]["parameters"]["properties"]["candidates"]["maximum"] == 8


def test_help_lists_the_generation_tools(router: OfflineRouter) -> None:
    msg = invoke(router, [], [HumanMessage("what can you do?")])
    assert all(name in msg.text for name in PHRASINGS)


def test_cli_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    from audiogpt.cli import _progress_bar

    _progress_bar("text_to_music", 5, 10, "token")
    _progress_bar("text_to_music", 10, 10, "token")
    err = capsys.readouterr().err
    assert "text_to_music: [###############...............] 5/10 tokens" in err and err.endswith("10/10 tokens\n")
