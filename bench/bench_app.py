"""The web app (`planner app`): start to first page, and a 12-site comparison after a click.

1. **Start**: from spawning ``planner app`` until (a) the server answers its health check
   and (b) headless Chromium shows the first page's title. Target: first page <= 5 s.
2. **Click**: twelve clicks on the map add twelve points; for each click, the seconds until
   the page shows the new point in the robustness table (comparison of all points with
   2,000 random weight draws, verdicts, robustness, the numbered map redrawn). Target: the
   12-site update <= 1 s. The server-side part (compare + tables + map) is also timed in
   process.
3. **Baseline**: the same 12-site comparison as ``planner compare --at ...`` in a fresh
   process (what staff needed a terminal for), measured in the same run.

Needs /usr/bin/chromium and /usr/bin/chromedriver (as the browser tests).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests._appserver import (  # noqa: E402
    app_driver,
    free_port,
    non_local,
    requested_urls,
    wait_healthy,
)

#: the text of every table cell on the page, in one round trip
_CELLS_JS = (
    "return Array.from(document.querySelectorAll("
    "'[data-testid=\"stDataFrame\"] [role=\"gridcell\"]'), c => c.textContent);"
)
OFFSETS = [(-150 + 60 * (i % 6), -80 + 90 * (i // 6)) for i in range(12)]


def _frame(d):
    for f in d.find_elements(By.CSS_SELECTOR, "iframe"):
        if "streamlit_folium" in (f.get_attribute("src") or ""):
            return f
    return None


def _count(d, label: str) -> int:
    return d.execute_script(_CELLS_JS).count(label)


def _start(d, env) -> tuple[float, float, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-c", "from planner.cli import main; main()", "app", "--port", str(port)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    healthy = wait_healthy(url, proc=proc)
    d.get(url)
    WebDriverWait(d, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "h1"))
    first_page = time.perf_counter() - t0
    return healthy, first_page, url, proc


def _server_runs(proc) -> list[float]:
    """Durations of the script runs the server printed (PLANNER_APP_TIMING)."""
    out = proc.stderr.read() if proc.stderr else ""
    return [float(line.split()[1]) for line in out.splitlines()
            if line.startswith("planner-app-run ")]  # fmt: skip


def _click_times(d) -> list[float]:
    WebDriverWait(d, 120).until(lambda d: _frame(d) is not None)
    d.switch_to.frame(_frame(d))
    WebDriverWait(d, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-container"))
    d.switch_to.default_content()
    times = []
    for n, (dx, dy) in enumerate(OFFSETS, start=1):
        d.switch_to.frame(_frame(d))
        el = d.find_element(By.CSS_SELECTOR, ".leaflet-container")
        t0 = time.perf_counter()
        ActionChains(d).move_to_element_with_offset(el, dx, dy).click().perform()
        d.switch_to.default_content()
        want = 1 if n == 1 else 3  # points table (+ verdicts + robustness from 2 sites on)
        WebDriverWait(d, 60, poll_frequency=0.02).until(
            lambda d, n=n, want=want: _count(d, f"Точка {n}") >= want
        )
        times.append(time.perf_counter() - t0)
    return times


def _in_process(repeat: int) -> float:
    from planner.inputs.layers import load_layers
    from planner.webapp import engine, offline

    layers = load_layers()
    pts = [engine.Candidate(43.25 + 0.04 * (i % 6), 76.7 + 0.1 * (i // 6), f"P{i}")
           for i in range(12)]  # fmt: skip
    engine.run_comparison(layers, [], pts[:2], scenario="bakad-perimeter", draws=50)
    context = offline.context_geojson(layers)  # once per process, as in the app
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        c = engine.run_comparison(layers, [], pts, scenario="bakad-perimeter")
        engine.as_text(engine.comparison_tables(c, "ru")["matrix"], "ru")
        m = offline.click_map(layers, context)
        offline.marker_group([(p.lat, p.lon, c.number(i), True) for i, p in enumerate(pts)])
        m.get_root().render()
        best = min(best, time.perf_counter() - t0)
    return best


def _baseline(env) -> float:
    at = []
    for i in range(12):
        at += ["--at", f"{43.25 + 0.04 * (i % 6):.2f},{76.7 + 0.1 * (i // 6):.2f}"]
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from planner.cli import main; main()", "compare",
                    *at], env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3, help="in-process repeats (best of)")
    args = ap.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PLANNER_APP_TIMING"] = "1"
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        d = app_driver(Path(tmp) / "profile")
        proc = None
        try:
            healthy, first, url, proc = _start(d, env)
            print(f"start: server healthy after {healthy:.2f} s, first page drawn after "
                  f"{first:.2f} s (target <= 5 s)")  # fmt: skip
            ok &= first <= 5.0
            times = _click_times(d)
            print("click -> page updated, s, by number of sites: "
                  + ", ".join(f"{n}:{t:.2f}" for n, t in enumerate(times, start=1)))
            print(f"12-site comparison after a click: {times[-1]:.2f} s (target <= 1 s); "
                  f"median over 2-12 sites {statistics.median(times[1:]):.2f} s")
            ok &= times[-1] <= 1.0
            outside = non_local(requested_urls(d))
            print(f"requests to non-local addresses: {len(outside)}")
            ok &= not outside
        finally:
            d.quit()
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=20)
                runs = _server_runs(proc)
                if runs:
                    print(f"server script runs: {len(runs)}, last (12 sites) {runs[-1]:.3f} s, "
                          f"median {statistics.median(runs):.3f} s; the rest of an update is "
                          "the browser: streamlit-folium's 250 ms click debounce, the "
                          "websocket round trip and drawing the tables")
    server = _in_process(args.repeat)
    base = _baseline(env)
    print(f"server side of one update (compare 12 sites x 2000 draws + tables + map): "
          f"{server:.3f} s")  # fmt: skip
    print(f"baseline `planner compare` of the same 12 sites in a new process: {base:.2f} s "
          f"(app update {base / max(times[-1], 1e-9):.1f}x faster)")
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
