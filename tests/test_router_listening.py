"""The offline router on the listening tools: fresh phrasings (none of them a routing example) reach
each tool with its arguments, and the requests that were "not installed" before are now served."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from audiogpt.engines.router import OfflineRouter
from audiogpt.tools import CATALOG
from tests.test_router import FILES, catalog_tools, invoke


@pytest.fixture(scope="module")
def router() -> OfflineRouter:
    return OfflineRouter().bind_tools(catalog_tools())


PHRASINGS: dict[str, list[str]] = {
    "speech_separation": [
        "separate the people talking in the file", "split the two voices into their own files",
        "I recorded two friends chatting over each other, give me each voice", "split this recording so each "
        "speaker gets their own file", "split the debate into a track per speaker",
        "make separate recordings of the three speakers", "isolate both talkers", "separate speakers",
    ],
    "music_source_separation": [
        "I need the vocals and the drums as two files", "take the vocals out of this song",
        "isolate the guitar in this song", "I only want the drum part of the track", "make a karaoke track",
        "split the song into vocals and accompaniment", "extract the bass from the tune",
        "get rid of the singing, keep the instruments",
    ],
    "audio_captioning": [
        "describe the audio in one sentence", "what does the clip sound like? one sentence please",
        "write a short caption for this recording", "describe the sounds in a sentence for a blind listener",
        "caption the file", "give me a one-line description of the clip", "summarize the audio in words",
        "describe it",
    ],
    "target_sound_detection": [
        "when does the doorbell ring", "at what time does the dog start barking", "find when the glass shatters",
        "tell me when someone knocks", "when is the car horn", "find each time a bell rings",
        "when do the birds start singing", "timestamps of the sirens",
    ],
    "sound_extraction": [
        "pull out just the dog barks", "extract the birdsong into its own file",
        "isolate the siren sound from the traffic", "keep only the rain and give me the rest separately",
        "take the church bells out into a separate file", "extract the whistling", "give me only the crickets",
        "pull the thunder out of the recording",
    ],
}  # fmt: skip
CASES = [(tool, text) for tool, texts in PHRASINGS.items() for text in texts]


def test_the_phrasings_are_not_routing_examples() -> None:
    examples = {" ".join(e.lower().split()) for tool in CATALOG.values() for e in tool.examples}
    assert not [text for _, text in CASES if text.lower() in examples]


@pytest.mark.parametrize(("tool", "text"), CASES)
def test_a_fresh_phrasing_reaches_its_tool(router: OfflineRouter, tool: str, text: str) -> None:
    msg = invoke(router, FILES, [HumanMessage(text + " in the file")])
    assert [c["name"] for c in msg.tool_calls] == [tool], msg.text
    args = msg.tool_calls[0]["args"]
    assert args["audio"].startswith("audio/")
    if tool in ("target_sound_detection", "sound_extraction"):
        assert 2 < len(args["target"]) < 40 and "file" not in args["target"], args


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("when does the doorbell ring in the file", "the doorbell ring"),
        ("when can you hear the kettle whistle in the file", "the kettle whistle"),
        ("isolate the siren sound from the traffic in the file", "the siren sound"),
    ],
)
def test_the_target_is_read_from_the_request(router: OfflineRouter, text: str, expected: str) -> None:
    call = invoke(router, FILES, [HumanMessage(text)]).tool_calls[0]
    assert call["args"]["target"] == expected


@pytest.mark.parametrize(
    ("text", "arg", "value"),
    [
        ("give me the vocals and the drums of the file as separate files", "stems", ["vocals", "drums"]),
        ("make a karaoke version of the file", "remove", ["vocals"]),
        ("remove the drums from the file", "remove", ["drums"]),
        ("separate the three speakers in the file", "num_speakers", 3),
        # the stems in the order named; keeping only a part; a part removed said after it or as "-less"
        ("split the file, I want the bass and the vocals", "stems", ["bass", "vocals"]),
        ("separate the file and take out only the singer's voice", "stems", ["vocals"]),
        ("I'd like the file with the original bass line taken out", "remove", ["bass"]),
        ("separate the file into a vocal-less version for our singalong night", "remove", ["vocals"]),
        ("separate the speakers in the file, 4 ppl in total", "num_speakers", 4),
        ("separate the file: five actors talk over each other", "num_speakers", 5),
    ],
)
def test_stems_and_speaker_counts_are_read(router: OfflineRouter, text: str, arg: str, value: object) -> None:
    call = invoke(router, FILES, [HumanMessage(text)]).tool_calls[0]
    assert call["args"][arg] == value


def test_a_quoted_description_is_taken_as_it_is() -> None:
    from audiogpt.tools.target_sound_detection import sound_target

    assert sound_target('when is "a kettle whistling" heard in the file') == "a kettle whistling"
    assert sound_target("when does it happen") is None


def test_no_target_gets_the_tools_hint(router: OfflineRouter) -> None:
    msg = invoke(router, FILES, [HumanMessage("when does it happen in the file")])
    assert not msg.tool_calls


@pytest.mark.slow
def test_chains_run_through_the_agent_with_tiny_separators(tmp_path, shared_data) -> None:  # type: ignore[no-untyped-def]
    """Two chains from the issue, end to end with the offline router: one transcript per separated
    speaker (each naming its file, which step 1 labelled), and the vocals made louder."""
    import yaml

    from audiogpt.agent import Agent
    from audiogpt.config import load_settings
    from tests import tiny_listening

    models = {
        "speech_separation": {
            "adapter": "convtasnet",
            "model": str(tiny_listening.convtasnet_checkpoint(tmp_path / "c")),
        },
        "music_source_separation": {"adapter": "demucs", "model": str(tiny_listening.htdemucs_file(tmp_path / "d"))},
    }
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({"preload": [], "models": models}))
    agent = Agent(load_settings(str(config), engine="offline"))
    mixture = shared_data / "separation" / "sb_mixture_0.wav"

    turn = agent.run("separate the speakers, then transcribe each one", files=[mixture])
    assert [c.tool for c in turn.tool_calls] == ["speech_separation", "speech_recognition", "speech_recognition"]
    speakers = turn.tool_calls[0].files[:2]
    assert [c.args["audio"] for c in turn.tool_calls[1:]] == speakers
    assert f"speaker 1: {speakers[0]}" in turn.text and f"speaker 2: {speakers[1]}" in turn.text
    assert turn.text.count(speakers[0]) >= 2 and turn.text.count(speakers[1]) >= 2  # each transcript names its file

    turn = agent.run("pull out the vocals and make them louder", files=[mixture])
    assert [c.tool for c in turn.tool_calls] == ["music_source_separation", "apply_audio_effect"]
    assert turn.tool_calls[0].args["stems"] == ["vocals"]
    assert turn.tool_calls[1].args["audio"] == turn.tool_calls[0].files[0] and turn.ok


def _handler(agent, session):  # type: ignore[no-untyped-def]
    return agent.handler_cls(session, agent.pool, agent.settings.limits)


def test_bad_input_gets_a_sentence_and_the_pool_keeps_serving(tmp_path, shared_data) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from audiogpt.agent import Agent
    from audiogpt.config import load_settings
    from tests import tiny_listening

    model = str(tiny_listening.convtasnet_checkpoint(tmp_path / "c"))
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({"preload": [], "models": {"speech_separation": {"adapter": "convtasnet",
                                                                                       "model": model}}}))  # fmt: skip
    agent = Agent(load_settings(str(config), engine="offline"))
    session = agent.store.create("bad input")
    name = session.ingest(shared_data / "separation" / "sb_mixture_0.wav", 200, 1800).name
    nine = _handler(agent, session).call("speech_separation", {"audio": name, "num_speakers": 9})
    assert not nine.ok and "separates exactly 2 speakers; 9 were asked for" in (nine.error or "")
    assert "Traceback" not in (nine.error or "") and str(tmp_path) not in (nine.error or "")
    two = _handler(agent, session).call("speech_separation", {"audio": name, "num_speakers": 2})
    assert two.ok and len([f for f in two.files if f.startswith("audio/")]) == 2
    assert name in [a.name for a in session.artifacts()]  # the input is still there


def test_without_weights_each_tool_says_how_to_fetch_them(shared_data) -> None:  # type: ignore[no-untyped-def]
    from audiogpt.agent import Agent
    from audiogpt.config import load_settings

    agent = Agent(load_settings(engine="offline"))  # configs/default.yaml: hub checkpoints, not here
    session = agent.store.create("no weights")
    name = session.ingest(shared_data / "sound_events" / "esc50_1-100032-A-0_dog.wav", 200, 1800).name
    calls = {"speech_separation": {}, "music_source_separation": {}, "audio_captioning": {},
             "target_sound_detection": {"target": "dog"}, "sound_extraction": {"target": "dog"}}  # fmt: skip
    for tool, args in calls.items():
        obs = _handler(agent, session).call(tool, {"audio": name, **args})
        assert not obs.ok and f"audiogpt models pull {tool}" in (obs.error or ""), (tool, obs.error)


@pytest.mark.slow
def test_the_llm_engine_separates_then_transcribes_each_speaker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same catalog through the LLM engine (a scripted OpenAI-compatible server on 127.0.0.1): it
    reads the upload's name from the system prompt, separates, then transcribes each new file."""
    import json
    import re

    import numpy as np
    import soundfile as sf
    import yaml

    from audiogpt.agent import Agent
    from audiogpt.config import load_settings
    from tests import tiny_listening
    from tests.fakes import FakeOpenAIServer, completion

    def names(text: str) -> list[str]:
        return re.findall(r"audio/[0-9a-f]{8}\.wav", text)

    def separate(body: dict) -> dict:  # type: ignore[type-arg]
        upload = names(body["messages"][0]["content"])[0]
        return completion(tool_calls=[("speech_separation", json.dumps({"audio": upload, "num_speakers": 2}))])

    def transcribe_each(body: dict) -> dict:  # type: ignore[type-arg]
        made = names(re.sub(r"^.*?succeeded\.", "", body["messages"][-1]["content"]))
        return completion(tool_calls=[("speech_recognition", json.dumps({"audio": n})) for n in made])

    t = np.arange(16000) / 8000
    mixture = tmp_path / "two_people.wav"
    sf.write(mixture, 0.3 * np.sin(2 * np.pi * 220 * t) + 0.3 * np.sin(2 * np.pi * 330 * t), 8000)
    config = tmp_path / "tiny.yaml"
    models = {
        "speech_separation": {
            "adapter": "convtasnet",
            "model": str(tiny_listening.convtasnet_checkpoint(tmp_path / "c")),
        }
    }
    config.write_text(yaml.safe_dump({"preload": [], "models": models}))
    with FakeOpenAIServer([separate, transcribe_each, completion("Both speakers are transcribed.")]) as server:
        llm = {"base_url": server.base_url, "model": "scripted", "timeout_s": 5}
        agent = Agent(load_settings(str(config), engine="llm", llm=llm))
        turn = agent.run("separate the two people, then transcribe each one", files=[mixture])
    assert [c.tool for c in turn.tool_calls] == ["speech_separation", "speech_recognition", "speech_recognition"]
    speakers = [f for f in turn.tool_calls[0].files if f.startswith("audio/")]  # + the before/after picture
    assert len(speakers) == 2 and sorted(c.args["audio"] for c in turn.tool_calls[1:]) == sorted(speakers)
    assert all(c.ok for c in turn.tool_calls), [c.content for c in turn.tool_calls]
    schema = {t["function"]["name"]: t["function"]["parameters"] for t in server.requests[0]["tools"]}
    assert schema["speech_separation"]["properties"]["num_speakers"]["maximum"] == 10
    assert {"speech_separation", "music_source_separation", "audio_captioning", "target_sound_detection",
            "sound_extraction"} <= set(schema)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "tool", "target"),
    [
        ('when does "glass breaking" happen in this file', "target_sound_detection", "glass breaking"),
        ('pull out "the birdsong" from it', "sound_extraction", "the birdsong"),
    ],
)
def test_a_quoted_target_reaches_the_tool_that_reads_quotes(
    router: OfflineRouter, text: str, tool: str, target: str
) -> None:
    """Quoted text is masked for the number and time readers, but a tool declaring ``reads_quotes``
    gets it as written (and the quotes do not send the request to text_to_speech)."""
    (call,) = invoke(router, FILES, [HumanMessage(text)]).tool_calls
    assert call["name"] == tool and call["args"]["target"] == target


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("please lift the sound of the tractor out of this record and give it to me alone", "the tractor"),
        ("find please the moment where the kettle whistles", "the kettle whistles"),
        ("In this take, at which moment does the door slam?", "the door slam"),
        ("take out the sound of the waves from this", "the waves"),
        # the words after which the sound is named: "check … for", "contains", "whether", "flag", "hear"
        ("Check the file for any glass breaking and tell me when it happens", "glass breaking"),
        ("Does the file contain crying, and when?", "crying"),
        ("I need to find out whether the baby cried during the night", "the baby cried"),
        ("our smart doorbell should flag breaking glass", "breaking glass"),
        ("I want know when in this recording is the sound of the door knock", "the door knock"),
        ("is there a gunshot in it, and if so when", "a gunshot"),
        ("tell me if you hear a siren", "siren"),
        ("when can you hear the kettle whistle in the file", "the kettle whistle"),
    ],
)
def test_the_sound_is_read_between_request_words(text: str, target: str) -> None:
    from audiogpt.tools.target_sound_detection import sound_target

    assert sound_target(text) == target
