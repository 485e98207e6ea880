"""Every report kind, in both editions, and the index pass an automated accessibility
check: axe-core (through ``axe-playwright-python``) in Debian's headless Chromium finds
no serious or critical violation, and every image has a text alternative made from
the data it shows.

Playwright drives the system browser (``executable_path``); it never downloads one. The
test is skipped, saying why, where no browser or no Playwright is installed
(``.ci/run`` installs the Debian package ``chromium`` when it is missing).
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

CHROMIUM = next((p for p in (os.environ.get("COHORT_CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser"), "/usr/bin/chromium") if p and os.path.exists(p)), None)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium browser installed "
                                "(apt-get install chromium; .ci/run does it)")


@pytest.fixture(scope="module")
def axe_results(published):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    axe_mod = pytest.importorskip("axe_playwright_python.sync_playwright",
                                  reason="axe-playwright-python is not installed (pip install -e '.[test]')")
    out, manifest = published
    pages = [out / "index.html"] + sorted((out / "X01").glob("*.html")) + sorted(out.glob("programmes/*.html"))
    results = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        axe = axe_mod.Axe()
        for path in pages:
            page.goto(path.as_uri())
            results[path.name] = (axe.run(page).response, page.content())
        browser.close()
    return results


def test_every_report_kind_has_no_serious_or_critical_violation(axe_results):
    """Must show: 0 serious/critical axe-core violations on every report kind (and the index)."""
    from cohort import batch

    kinds = {name.split("_X01")[0].split("_community")[0] for name in axe_results if name != "index.html"}
    expected = {n for n in batch.REPORT_NOTEBOOKS if (batch.notebook_dir() / f"{n}.ipynb").exists()}
    assert kinds == expected, (kinds, expected)
    assert sum("_publication" in n for n in axe_results) == sum("_management" in n for n in axe_results) >= 3
    for name, (response, _) in axe_results.items():
        bad = [(v["id"], v["impact"], len(v["nodes"])) for v in response["violations"]
               if v["impact"] in ("serious", "critical")]
        assert not bad, (name, bad)
        assert response["passes"], name  # axe really ran


def test_every_image_has_a_data_derived_text_alternative(axe_results):
    for name, (_, html) in axe_results.items():
        for img in re.findall(r"<img [^>]*>", html):
            alt = re.search(r'alt="([^"]*)"', img)
            assert alt, (name, img[:100])
            text = alt.group(1)
            assert re.search(r"\d", text) and len(text) > 40, (name, text)  # numbers from the data
