"""Screenshots of the chat UI's main states in headless Chromium, driven over the DevTools protocol.

Run from the repository root: PYTHONPATH=$PWD .venv/bin/python docs/ui/take_screenshots.py docs/ui
"""

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ["AUDIOGPT_WORKSPACE"] = tempfile.mkdtemp()
os.environ["HF_HUB_OFFLINE"] = "1"
import websockets

from audiogpt.agent import Agent
from audiogpt.ui import launch

OUT = Path(sys.argv[1])
agent = Agent.from_config(engine="offline")
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
demo = launch(agent, port=port, block=False)
profile = tempfile.mkdtemp()
chrome = subprocess.Popen(
    [
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--remote-debugging-port=9333",
        "--window-size=1280,1400",
        f"http://127.0.0.1:{port}/",
    ],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
for _ in range(100):
    try:
        tabs = json.load(urllib.request.urlopen("http://127.0.0.1:9333/json"))
        break
    except Exception:
        time.sleep(0.2)
ws_url = next(t["webSocketDebuggerUrl"] for t in tabs if t["type"] == "page")


async def main():
    async with websockets.connect(ws_url, max_size=50_000_000) as ws:
        n = 0

        async def call(method, **params):
            nonlocal n
            n += 1
            me = n
            await ws.send(json.dumps({"id": me, "method": method, "params": params}))
            while True:
                msg = json.loads(await ws.recv())
                if msg.get("id") == me:
                    return msg.get("result", {})

        async def js(expr):
            r = await call("Runtime.evaluate", expression=expr, awaitPromise=True, returnByValue=True)
            return r.get("result", {}).get("value")

        async def shot(name):
            await asyncio.sleep(1.5)
            r = await call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
            (OUT / name).write_bytes(base64.b64decode(r["data"]))
            print("saved", name)

        await call("Emulation.setDeviceMetricsOverride", width=1280, height=1400, deviceScaleFactor=1, mobile=False)
        for _ in range(60):
            if await js("!!document.querySelector('textarea')"):
                break
            await asyncio.sleep(0.5)
        await shot("1-welcome.png")
        await js("""(() => {const t=document.querySelector('textarea'); t.focus();
          const set=Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype,'value').set;
          set.call(t, "say 'welcome home, it is good to see you', then find where the speech is");
          t.dispatchEvent(new Event('input',{bubbles:true})); return true})()""")
        await asyncio.sleep(0.5)
        await call(
            "Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13, text="\r"
        )
        await call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
        await asyncio.sleep(1.0)
        await shot("2-request-shown-at-once.png")
        for _ in range(240):
            if await js("[...document.querySelectorAll('input, textarea')].some(e => /^[0-9a-f]{12}$/.test(e.value))"):
                break
            await asyncio.sleep(0.5)
        await shot("3-reply-with-steps-players-pictures.png")
        await js(
            "[...document.querySelectorAll('button')].find(b=>b.textContent.includes('Files in this session')).click()"
        )
        await js("[...document.querySelectorAll('button')].find(b=>b.textContent.trim().startsWith('Models'))?.click()")
        await asyncio.sleep(1)
        await js("window.scrollTo(0, document.body.scrollHeight)")
        await shot("4-files-and-models-panels.png")


asyncio.run(main())
chrome.terminate()
demo.close()
