"""Start ``planner app`` on a free local port for the browser tests and the bench.

:func:`start_app` runs the real command (``python -m planner.cli app``... through the console
script's ``main``) in a subprocess and waits until the server answers its health check;
:func:`app_driver` is a headless Chromium that may reach 127.0.0.1 only (every host name is
unresolvable, a dead proxy for the rest) and records every request the page makes
(Chrome performance log, CDP ``Network.requestWillBeSent``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout_s: float = 60.0, proc=None) -> float:
    """Seconds until ``url/_stcore/health`` answers ``ok``."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.read().strip() == b"ok":
                    return time.perf_counter() - t0
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"app at {url} did not start in {timeout_s} s")


@contextmanager
def start_app(*args: str, env: dict | None = None, log: Path | None = None) -> Iterator[str]:
    """Run ``planner app --port N ARGS`` and yield its URL; stop it afterwards."""
    port = free_port()
    environ = dict(os.environ)
    environ["PYTHONPATH"] = str(ROOT) + os.pathsep + environ.get("PYTHONPATH", "")
    environ.update(env or {})
    cmd = [sys.executable, "-c", "from planner.cli import main; main()", "app",
           "--port", str(port), *args]  # fmt: skip
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=environ, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc=proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


def app_driver(profile_dir: Path, downloads: Path | None = None):
    """Headless Chromium: loopback only, requests recorded in the performance log."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests._browser import CHROMEDRIVER, LOOPBACK_ONLY, chromium_options

    opts = chromium_options(profile_dir, "--window-size=1500,1100", hosts=LOOPBACK_ONLY)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if downloads is not None:
        opts.add_experimental_option(
            "prefs",
            {"download.default_directory": str(downloads), "download.prompt_for_download": False},
        )
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    if downloads is not None:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
    return driver


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked for since the last call (pages, frames, workers)."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def non_local(urls: list[str]) -> list[str]:
    """The URLs that would leave the machine (data:/blob:/about: stay inside the browser)."""
    out = []
    for u in urls:
        p = urlparse(u)
        if p.scheme in ("data", "blob", "about", "chrome", "chrome-extension", "devtools"):
            continue
        if p.hostname not in LOCAL_HOSTS:
            out.append(u)
    return out
