"""Public tool names from the design that no registered tool serves yet, with what they would do.

The router answers a request for one of them honestly ("I can't … in this setup"). Registering a
tool of the same name removes it from :data:`audiogpt.tools.PLANNED` automatically.
"""

from __future__ import annotations

PLANNED_TOOLS: dict[str, str] = {
    "voice_clone": "speak text in the voice of a reference recording",
    "singing_synthesis": "sing lyrics to a melody",
    "image_to_audio": "make the sound that an image shows",
    "compose_audio_story": "plan and mix a long audio story of speech, effects and music",
    "audio_captioning": "describe an audio clip in a sentence",
    "target_sound_detection": "find when a named sound occurs",
    "speech_separation": "split a recording of several speakers into one file per speaker",
    "music_source_separation": "split a song into vocals, drums, bass and other stems",
    "sound_extraction": "pull out the sound described in text",
    "mono_to_binaural": "turn mono audio into spatial binaural audio",
    "audio_inpainting": "fill in a missing or damaged part of a recording",
    "talking_head": "make a video of a face speaking the audio",
}
