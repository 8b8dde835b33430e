"""Headless Chromium driven over the DevTools protocol on a pipe: no package beyond the
standard library. The browser reads commands on its fd 3 and answers on its fd 4, one
JSON message per NUL-terminated record (--remote-debugging-pipe).

    with Chromium() as browser:
        page = browser.open("file:///tmp/graph.html", width=1400, height=900)
        page.click('[data-name="rnn"]')
        png = page.screenshot()
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL_HINT = "chromium not installed: apt-get install -y chromium"


class ChromiumUnavailable(RuntimeError):
    """Chromium is not installed, or would not start here (the reason is the message)."""


def find_chromium():
    """The browser's path: $TINYGRAPH_CHROMIUM, else the first of NAMES on PATH."""
    override = os.environ.get("TINYGRAPH_CHROMIUM")
    if override:
        return override
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise ChromiumUnavailable(INSTALL_HINT)


class Chromium:
    def __init__(self, path=None, timeout=30.0):
        self.path = path or find_chromium()
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="tinygraph-chromium-")
        self._stderr = tempfile.TemporaryFile()
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # The browser's fds 3 and 4 become our pipe ends, whatever numbers they have
        # here: copied to free numbers above 9 first (closed on exec), so that placing them
        # cannot clobber one another. Nothing else is inherited: Python's own fds are not
        # inheritable.
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)

        def place_pipe_ends():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        args = [self.path, "--headless", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                f"--user-data-dir={self._profile.name}", "about:blank"]
        try:
            self._process = subprocess.Popen(
                args, close_fds=False, preexec_fn=place_pipe_ends, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=self._stderr)
        except OSError as e:
            raise ChromiumUnavailable(f"cannot start {self.path}: {e}") from None
        finally:
            for fd in (to_browser_r, from_browser_w, high_r, high_w):
                os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.exceptions = []   # (session, details) of uncaught script errors in any tab
        try:
            self.call("Browser.getVersion")
        except ChromiumUnavailable:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _stderr_tail(self):
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()[-600:]

    def call(self, method, params=None, session=None):
        """Sends one command and returns its result (events in between are ignored)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except OSError:
            raise ChromiumUnavailable(f"{self.path} exited: {self._stderr_tail()}") from None
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("method") == "Runtime.exceptionThrown":
                    self.exceptions.append((reply.get("sessionId"),
                                            reply["params"]["exceptionDetails"]))
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise ChromiumUnavailable(f"{self.path} did not answer {method} in "
                                          f"{self.timeout:.0f} s: {self._stderr_tail()}")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise ChromiumUnavailable(f"{self.path} exited: {self._stderr_tail()}")
            self._buffer += chunk

    def open(self, url, width=1280, height=800,
             ready="document.body && document.body.dataset.ready"):
        """A new tab of the given size showing `url`, once the JS expression `ready` is
        true."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session, target)
        self.call("Runtime.enable", {}, session)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session)
        self.call("Page.navigate", {"url": url}, session)
        page.wait_for(ready)
        return page

    def close(self):
        if getattr(self, "_process", None) is None:
            return
        try:
            self.call("Browser.close")
        except (ChromiumUnavailable, RuntimeError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None
        for fd in (self._to_browser, self._from_browser):
            os.close(fd)
        self._stderr.close()
        self._profile.cleanup()


class Page:
    def __init__(self, browser, session, target):
        self.browser = browser
        self.session = session
        self.target = target

    def close(self):
        self.browser.call("Target.closeTarget", {"targetId": self.target})

    def errors(self):
        """The uncaught script errors this page has thrown so far, as text."""
        return [d.get("exception", {}).get("description") or d.get("text")
                for session, d in self.browser.exceptions if session == self.session]

    def evaluate(self, expression):
        result = self.browser.call("Runtime.evaluate", {"expression": expression,
                                                        "returnByValue": True}, self.session)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=None):
        deadline = time.monotonic() + (timeout or self.browser.timeout)
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"page never got {expression!r}")
            time.sleep(0.02)

    def click(self, selector):
        """A mouse press and release at the centre of the element, as a user's click:
        the browser decides which element is hit."""
        x, y = self.centre(selector)
        self.mouse("mouseMoved", x, y)
        self.mouse("mousePressed", x, y)
        self.mouse("mouseReleased", x, y)

    def drag(self, selector, dx, dy, steps=5):
        x, y = self.centre(selector)
        self.mouse("mouseMoved", x, y)
        self.mouse("mousePressed", x, y)
        for k in range(1, steps + 1):
            self.mouse("mouseMoved", x + dx * k / steps, y + dy * k / steps, buttons=1)
        self.mouse("mouseReleased", x + dx, y + dy)

    def wheel(self, selector, delta_y):
        x, y = self.centre(selector)
        self.browser.call("Input.dispatchMouseEvent", {"type": "mouseWheel", "x": x, "y": y,
                                                       "deltaX": 0, "deltaY": delta_y},
                          self.session)

    def type(self, selector, text, enter=True):
        """Clicks into the field, types `text` and, with `enter`, presses Enter."""
        self.click(selector)
        self.browser.call("Input.insertText", {"text": text}, self.session)
        if enter:
            for kind in ("keyDown", "keyUp"):
                self.browser.call("Input.dispatchKeyEvent",
                                  {"type": kind, "key": "Enter", "code": "Enter",
                                   "windowsVirtualKeyCode": 13, "text": "\r"}, self.session)

    def mouse(self, kind, x, y, buttons=None):
        buttons = 1 if kind == "mousePressed" else buttons or 0
        self.browser.call("Input.dispatchMouseEvent",
                          {"type": kind, "x": x, "y": y,
                           "button": "left" if buttons or kind != "mouseMoved" else "none",
                           "buttons": buttons,
                           "clickCount": 1 if kind != "mouseMoved" else 0}, self.session)

    def centre(self, selector):
        """The element's centre in the window; LookupError if it is missing or off screen."""
        box = self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return null;
            const r = el.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2, innerWidth, innerHeight];
        }})()""")
        if box is None:
            raise LookupError(f"no element matches {selector}")
        x, y, width, height = box
        if not (0 <= x < width and 0 <= y < height):
            raise LookupError(f"{selector} is off screen, at ({x:.0f}, {y:.0f})")
        return x, y

    def screenshot(self):
        """The page as PNG bytes, at the size it was opened with."""
        data = self.browser.call("Page.captureScreenshot", {"format": "png"}, self.session)["data"]
        return base64.b64decode(data)
