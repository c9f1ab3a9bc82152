"""A real browser on the page: headless Chromium opens it, picks a speaker and an emotion,
synthesizes (and, with two voices, the A/B take), checks that the <audio> element holds
playable audio, and saves a screenshot.

    python -m compress.serve.browser_check [--voice V ...] [--out docs/serve_page.png]

Chromium (the Debian package `chromium`) is driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: commands on fd 3, answers on fd 4, NUL-terminated JSON), so no
websocket library and no browser download is needed.
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compress.errors import CompressError
from compress.files import atomic_write_bytes
from compress.serve.process import REPO, running_server

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--autoplay-policy=no-user-gesture-required", "--window-size=900,1000",
                  "--remote-debugging-pipe"]
TIMEOUT_S = 120


class DevTools:
    """The DevTools protocol over Chromium's pipe: one call at a time, events skipped."""

    def __init__(self, binary: str, profile: str):
        to_browser, self._to_browser = os.pipe()
        self._from_browser, from_browser = os.pipe()

        def place_pipes():  # in the child: its fd 3 reads our commands, its fd 4 writes answers
            a, b = fcntl.fcntl(to_browser, fcntl.F_DUPFD, 100), fcntl.fcntl(from_browser, fcntl.F_DUPFD, 100)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.close(a)
            os.close(b)

        self.process = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        preexec_fn=place_pipes, close_fds=False,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser)
        os.close(from_browser)
        self.reader = os.fdopen(self._from_browser, "rb", buffering=0)
        self.buffer = b""
        self.next_id = 0

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise CompressError(f"DevTools {method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def _read(self) -> dict:
        while b"\0" not in self.buffer:
            data = self.reader.read(65536)
            if not data:
                raise CompressError("Chromium closed its DevTools pipe")
            self.buffer += data
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except CompressError:
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Page:
    def __init__(self, tools: DevTools, url: str):
        self.tools = tools
        target = tools.call("Target.createTarget", url=url)["targetId"]
        self.session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def evaluate(self, expression: str):
        result = self.tools.call("Runtime.evaluate", self.session, expression=expression, awaitPromise=True,
                                 returnByValue=True, userGesture=True)
        if "exceptionDetails" in result:
            raise CompressError(f"page script failed: {result['exceptionDetails'].get('text')} in {expression[:60]}")
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str, timeout: float = TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        status = self.evaluate("$('status').textContent")
        raise CompressError(f"the page never got {what} (its status line: {status!r})")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.tools.call("Page.captureScreenshot", self.session, format="png")["data"])


def pick(element: str, value: str) -> str:
    return (f"(() => {{ const s = $('{element}'); s.value = {json.dumps(value)}; "
            f"s.dispatchEvent(new Event('change')); return s.value; }})()")


PLAYABLE = ("(() => { const p = $('player'); return p.src.startsWith('blob:') && p.readyState >= 3 "
            "&& p.error === null && p.duration > 0.5 ? {src: p.src, duration: p.duration} : null; })()")


def check_page(page: Page, speaker: str, emotion: str, model_b: str | None) -> dict:
    page.wait_for("!!document.body && document.body.dataset.ready === 'true'", "the voice list")
    chosen = {"speaker": page.evaluate(pick("speaker", speaker)), "emotion": page.evaluate(pick("emotion", emotion))}
    if chosen != {"speaker": speaker, "emotion": emotion}:
        raise CompressError(f"the page does not offer {speaker}/{emotion}; it picked {chosen}")
    if model_b:
        page.evaluate(f"{pick('model-b', model_b)}, $('ab').checked = true")
    page.evaluate("$('speed').value = '1.1'; $('speed').dispatchEvent(new Event('input')); $('speak').click()")
    first = page.wait_for(PLAYABLE, "playable audio")
    result = {"a": first, "status": page.evaluate("$('status').textContent")}
    if model_b:
        page.evaluate("document.querySelector('input[name=side][value=b]').click()")
        result["b"] = page.wait_for(PLAYABLE.replace("p.duration > 0.5", f"p.src !== '{first['src']}'"),
                                    "the B take in the player")
        page.evaluate("document.querySelector('input[name=side][value=a]').click()")
        page.wait_for(PLAYABLE.replace("p.duration > 0.5", f"p.src === '{first['src']}'"), "the A take back")
    page.evaluate("$('player').play().then(() => true)")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voice", action="append", default=[], help="as for serve; two give the A/B check")
    parser.add_argument("--speaker", default="zhibei")
    parser.add_argument("--emotion", default="sad")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "serve_page.png")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    if not Path(args.chromium).exists():
        print("error: no chromium; install the Debian package `chromium`", file=sys.stderr)
        return 2
    server_args = [a for v in args.voice for a in ("--voice", v)] + ["--workers", "1"]
    try:
        with running_server(server_args) as (_, url), tempfile.TemporaryDirectory() as profile:
            voices = __import__("requests").get(f"{url}/api/voices", timeout=30).json()["voices"]
            tools = DevTools(args.chromium, profile)
            try:
                page = Page(tools, url + "/")
                result = check_page(page, args.speaker, args.emotion, voices[1]["name"] if len(voices) > 1 else None)
                atomic_write_bytes(args.out, page.screenshot())
            finally:
                tools.close()
    except CompressError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps({**result, "screenshot": str(args.out)}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
