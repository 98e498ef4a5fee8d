"""The chat UI in a real headless Chromium: after a turn with large pictures, the answer text is in view."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from audiogpt.agent import Agent
from audiogpt.config import load_settings
from audiogpt.ui import launch
from tests.browser import Chromium, find_chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# Where the reply's text is, measured against the chat's scrolling box: the last element whose own
# text holds ``words``, and its nearest ancestor that scrolls.
_WHERE = """(() => {
  const words = %s;
  const all = [...document.querySelectorAll('#chat *')].filter(e =>
    [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.includes(words)));
  const el = all[all.length - 1];
  if (!el) return null;
  let box = el.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(box).overflowY)))
    box = box.parentElement;
  if (!box) return {unscrolled: true};
  const r = el.getBoundingClientRect(), v = box.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, viewTop: v.top, viewBottom: v.bottom,
          scrollTop: box.scrollTop, scrollHeight: box.scrollHeight, clientHeight: box.clientHeight,
          images: [...document.querySelectorAll('#chat img')].filter(i => i.complete && i.naturalHeight > 0).length};
})()"""


@pytest.fixture
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium)")
    return binary


@pytest.fixture
def page(chromium: str) -> Iterator[Chromium]:
    agent = Agent(load_settings(engine="offline", preload=[]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = launch(agent, port=port, block=False)
    browser = None
    try:
        browser = Chromium(chromium, f"http://127.0.0.1:{port}/", width=1280, height=900)
        browser.wait_for("!!document.querySelector('textarea')")
        yield browser
    finally:
        if browser is not None:
            browser.close()
        demo.close()


def finish_turn(page: Chromium, pictures: int) -> None:
    """Waits until the turn is over (the textbox takes input again) and its pictures have loaded."""
    page.wait_for("!document.querySelector('textarea').disabled", 180)
    images = "[...document.querySelectorAll('#chat img')]"
    page.wait_for(f"{images}.length >= {pictures} && {images}.every(i => i.complete && i.naturalHeight > 0)")
    page.js("new Promise(r => setTimeout(r, 1500))")  # let any scrolling after the pictures loaded settle


def in_view(page: Chromium, words: str) -> dict[str, float]:
    where = page.js(_WHERE % json.dumps(words))
    assert where and not where.get("unscrolled"), where
    assert where["scrollHeight"] > where["clientHeight"] * 1.5, where  # the pictures make the chat scroll
    # the answer's first line is inside the visible part of the chat
    assert where["viewTop"] <= where["top"] and where["top"] + 16 <= where["viewBottom"], where
    return dict(where)


def test_after_a_turn_with_large_pictures_the_answer_text_is_in_view(page: Chromium) -> None:
    page.type_and_enter("say 'welcome home, it is good to see you', then show me its spectrogram")
    page.wait_for("[...document.querySelectorAll('input, textarea')].some(e => /^[0-9a-f]{12}$/.test(e.value))", 180)
    finish_turn(page, pictures=2)
    in_view(page, "I spoke")
    # a second turn in the browser goes on from the first (the chat sends its history back each turn)
    page.type_and_enter("make it louder")
    page.wait_for("document.querySelector('#chat').innerText.includes('Applied gain')", 180)
    finish_turn(page, pictures=3)
    in_view(page, "Applied gain")
    assert "I spoke" in page.js("document.querySelector('#chat').innerText")  # the first turn is still shown
