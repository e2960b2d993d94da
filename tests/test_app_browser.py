"""`planner app` in a real browser (headless Debian Chromium) against the running server.

The app is started with the real command on a free local port; the browser may reach
127.0.0.1 only and records every request it makes (CDP ``Network.requestWillBeSent`` in the
performance log). Screenshots go to ``tmp_path`` (and to ``$PLANNER_SHOTS`` when set).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from _book import read_book

from tests._browser import browser_problem

pytestmark = [pytest.mark.browser, pytest.mark.slow]

problem = browser_problem()
if problem is None:
    try:
        import streamlit  # noqa: F401
        import streamlit_folium  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the test extra installs them
        problem = f"{exc.name} is not installed (pip install -e '.[app]')"
if problem:
    pytest.skip(problem, allow_module_level=True)

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests._appserver import ROOT, app_driver, non_local, requested_urls, start_app  # noqa: E402

HOSTILE = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    "![x](http://evil.example/a.png) ООО «Ромашка»",
    '=HYPERLINK("http://evil.example","x")',
    "{{7*7}} ТОО «Береке-Строй»",
    ":red[АО] $x$ «Алатау Фуд»",
]


def _shot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    extra = os.environ.get("PLANNER_SHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(extra) / f"{name}.png"))
    return path


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    log = tmp_path_factory.mktemp("applog") / "server.log"
    with start_app(log=log) as url:
        yield url


@pytest.fixture
def driver(tmp_path):
    d = app_driver(tmp_path / "profile", downloads=tmp_path / "downloads")
    yield d
    d.quit()


def _map_frame(d):
    for f in d.find_elements(By.CSS_SELECTOR, "iframe"):
        if "streamlit_folium" in (f.get_attribute("src") or ""):
            return f
    return None


def _cells(d) -> list[str]:
    return d.execute_script(
        "return Array.from(document.querySelectorAll("
        "'[data-testid=\"stDataFrame\"] [role=\"gridcell\"]'), c => c.textContent);"
    )


def _open(d, url: str) -> None:
    d.get(url)
    WebDriverWait(d, 120).until(lambda d: _map_frame(d) is not None)
    d.switch_to.frame(_map_frame(d))
    WebDriverWait(d, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-container"))
    d.switch_to.default_content()


def _click_map(d, dx: int, dy: int, expect_points: int) -> float:
    """Click the map at an offset from its centre; seconds until the point is listed."""
    d.switch_to.frame(_map_frame(d))
    el = d.find_element(By.CSS_SELECTOR, ".leaflet-container")
    t0 = time.perf_counter()
    ActionChains(d).move_to_element_with_offset(el, dx, dy).click().perform()
    d.switch_to.default_content()
    label = f"Точка {expect_points}"
    WebDriverWait(d, 60).until(lambda d: _cells(d).count(label) >= 2 or (
        expect_points < 2 and label in _cells(d)))  # fmt: skip
    return time.perf_counter() - t0


def _xss(d) -> list[str]:
    found = [d.execute_script("return typeof window.__xss")]
    for f in d.find_elements(By.CSS_SELECTOR, "iframe"):
        d.switch_to.frame(f)
        found.append(d.execute_script("return typeof window.__xss"))
        d.switch_to.default_content()
    return found


def _download(d, folder: Path, label_start: str, suffix: str) -> Path:
    before = set(folder.glob(f"*{suffix}")) if folder.exists() else set()
    buttons = d.find_elements(By.CSS_SELECTOR, '[data-testid="stDownloadButton"] button')
    button = next(b for b in buttons if b.text.strip().startswith(label_start))
    d.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    deadline = time.time() + 60
    while time.time() < deadline:
        new = set(folder.glob(f"*{suffix}")) - before if folder.exists() else set()
        if new:
            return new.pop()
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded after clicking {label_start!r}")


def test_compare_by_clicking_offline(app_url, driver, tmp_path):
    d = driver
    _open(d, app_url)
    _shot(d, tmp_path, "app_compare_empty")
    for n, (dx, dy) in enumerate(((-60, 40), (80, -30), (20, 90)), start=1):
        _click_map(d, dx, dy, n)
    cells = _cells(d)
    # the points table and the verdicts table list all three points; ranks 1-3 appear
    for n in (1, 2, 3):
        assert cells.count(f"Точка {n}") >= 2, cells
    assert {"1", "2"} <= set(cells)
    # the map shows the ranks as numbered markers
    d.switch_to.frame(_map_frame(d))
    numbers = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".planner-num")]
    d.switch_to.default_content()
    assert sorted(numbers)[:2] == ["1", "2"], numbers
    _shot(d, tmp_path, "app_compare_three_points")
    heads = d.find_elements(By.CSS_SELECTOR, "h3")
    d.execute_script("arguments[0].scrollIntoView({block: 'start'});", heads[0])
    time.sleep(0.5)
    _shot(d, tmp_path, "app_compare_results")
    # the downloads are the report and the table of `planner compare`
    html = _download(d, tmp_path / "downloads", "Скачать записку", ".html")
    text = html.read_text(encoding="utf-8")
    assert 'name="planner-report"' in text and "Точка 1" in text
    xlsx = _download(d, tmp_path / "downloads", "Скачать таблицу", ".xlsx")
    assert openpyxl.load_workbook(xlsx).sheetnames
    urls = requested_urls(d)
    assert any("/_stcore/" in u or "/static/" in u for u in urls)
    assert non_local(urls) == []
    assert set(_xss(d)) == {"undefined"}


def _score_cli(csv: Path, out: Path) -> pd.DataFrame:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run(
        [sys.executable, "-c", "from planner.cli import main; main()", "score", str(csv),
         "--sites", "builtin", "-o", str(out), "--rejects", str(out.with_suffix(".rej.csv"))],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode in (0, 3), res.stderr
    return read_book(out, "results")


def test_batch_upload_cp1251_hostile_same_as_cli(app_url, driver, tmp_path):
    rows = ["Наименование;Площадь, га;Отрасль;Ж/д"]
    sectors = ["building_materials", "logistics", "food", "logistics", "building_materials", "food"]
    for i, (name, sector) in enumerate(zip(HOSTILE, sectors, strict=True)):
        rows.append(f"{name};{5 + 3 * i},5;{sector};{'да' if i % 2 else 'нет'}")
    rows.append("javascript:alert(1);много;paper;да")
    csv = tmp_path / "компании.csv"
    csv.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1251"))
    cli = _score_cli(csv, tmp_path / "cli.xlsx")

    d = driver
    _open(d, app_url)
    link = next(a for a in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNavLink"]')
                if "Список компаний" in a.text)  # fmt: skip
    link.click()
    WebDriverWait(d, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, 'input[type="file"]'))
    d.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(str(csv))
    def run_button(d):
        buttons = d.find_elements(By.TAG_NAME, "button")
        found = [b for b in buttons if b.text.strip() == "Рассчитать"]
        return found[0] if found else None

    WebDriverWait(d, 60).until(run_button)
    run_button(d).click()
    WebDriverWait(d, 180).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stDownloadButton"]')
    )
    time.sleep(1)
    _shot(d, tmp_path, "app_batch_hostile")
    cells = _cells(d)
    assert "много" in " ".join(cells)  # the rejected row is listed with its reason
    got = read_book(_download(d, tmp_path / "downloads", "Скачать results.xlsx", ".xlsx"),
                    "results")  # by machine names
    keys = ["company_id", "name", "rank", "site_id"]
    pd.testing.assert_frame_equal(
        got[keys].reset_index(drop=True), cli[keys].reset_index(drop=True)
    )
    assert set(got["name"]) >= {HOSTILE[0], HOSTILE[1]}
    page = _download(d, tmp_path / "downloads", "Скачать results_map.html", ".html")
    assert "<html" in page.read_text(encoding="utf-8")[:2000].lower()
    assert non_local(requested_urls(d)) == []
    assert set(_xss(d)) == {"undefined"}


def test_two_sessions_do_not_share_points(app_url, tmp_path):
    a = app_driver(tmp_path / "pa")
    b = app_driver(tmp_path / "pb")
    try:
        _open(a, app_url)
        _open(b, app_url)
        _click_map(a, -40, 30, 1)
        _click_map(a, 60, -20, 2)
        _click_map(b, 10, 10, 1)
        time.sleep(1)
        assert _cells(a).count("Точка 2") >= 2
        assert "Точка 2" not in _cells(b)
        assert "Точка 1" in _cells(b)
        _shot(a, tmp_path, "app_session_a")
        _shot(b, tmp_path, "app_session_b")
    finally:
        a.quit()
        b.quit()


def test_map_page_is_the_offline_planner_map(app_url, driver, tmp_path):
    d = driver
    _open(d, app_url)
    link = next(a for a in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNavLink"]')
                if a.text.strip() == "Карта")  # fmt: skip
    link.click()

    def map_frame(d):
        for f in d.find_elements(By.CSS_SELECTOR, "iframe"):
            if "streamlit_folium" not in (f.get_attribute("src") or ""):
                return f
        return None

    WebDriverWait(d, 180).until(map_frame)
    d.switch_to.frame(map_frame(d))
    WebDriverWait(d, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-container"))
    WebDriverWait(d, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".planner-legend"))
    d.switch_to.default_content()
    time.sleep(1)
    _shot(d, tmp_path, "app_map")
    assert non_local(requested_urls(d)) == []
    assert set(_xss(d)) == {"undefined"}
