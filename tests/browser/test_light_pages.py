"""Light pages, measured in the browser: what each learner page costs on a first visit (empty
cache), that nothing comes from another host, and the module page on an emulated slow 3G link.
The figures go to tests/browser/artifacts/metrics.json."""

import time

import pytest

from tests.browser import site as seed
from tests.browser.conftest import PHONE, record_metrics

BUDGET_BYTES = 50 * 1024  # compressed, without images
SLOW_3G = {"offline": False, "latency": 400,  # ms added to every round trip
           "downloadThroughput": 50_000, "uploadThroughput": 50_000}  # 400 kbit/s, in bytes/s
USABLE_WITHIN_MS = 3000

# Every page a learner sees: (name, who, address given the live server).
LEARNER_PAGES = {
    "katalog": (None, lambda live: "/"),
    "masuk": (None, lambda live: "/masuk"),
    "daftar": (None, lambda live: "/daftar"),
    "kursus": (seed.GRADUATE, lambda live: f"/kursus/{seed.JOURNEY_COURSE}"),
    "modul": (seed.GRADUATE, lambda live: live.module_paths()[1]),
    "kuis": (seed.GRADUATE, lambda live: f"/kursus/{seed.JOURNEY_COURSE}/kuis/{seed.FINAL_QUIZ}"),
    "percobaan": (seed.GRADUATE, lambda live: f"/percobaan/{live.site.open_attempt_id}"),
    "hasil-kuis": (seed.GRADUATE,
                   lambda live: f"/percobaan/{live.site.passed_attempt_id}/hasil"),
    "beranda": (seed.GRADUATE, lambda live: "/beranda"),
    "jp-saya": (seed.GRADUATE, lambda live: "/jp-saya"),
    "sertifikat-saya": (seed.GRADUATE, lambda live: "/sertifikat"),
    "verifikasi-sertifikat": (None, lambda live: f"/verify/{live.site.certificate_code}"),
    "akun": (seed.GRADUATE, lambda live: "/akun/kata-sandi"),
    "agenda": (seed.GRADUATE, lambda live: "/agenda/"),
}


def first_visit(open_context, live_server, name):
    """Open a learner page in a fresh context (empty cache). Returns the address of every
    request the page made, even failed ones, and [(url, resource type, bytes on the wire,
    content-encoding)] of those that finished."""
    person, address = LEARNER_PAGES[name]
    page = open_context(person, viewport=PHONE).new_page()
    asked, finished = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("requestfinished", lambda request: finished.append(request))
    response = page.goto(address(live_server), wait_until="load")
    assert response.status == 200, (name, response.status)
    page.wait_for_load_state("networkidle")
    return asked, [_transfer(request) for request in finished]


def _transfer(request):
    sizes = request.sizes()
    response = request.response()
    encoding = response.headers.get("content-encoding", "") if response else ""
    return (request.url, request.resource_type,
            sizes["responseHeadersSize"] + sizes["responseBodySize"], encoding)


@pytest.mark.parametrize("name", LEARNER_PAGES)
def test_learner_page_is_light_and_loads_nothing_from_another_host(
        open_context, live_server, name):
    asked, requests = first_visit(open_context, live_server, name)
    elsewhere = [url for url in asked
                 if not (url.startswith(live_server.url + "/") or url.startswith("data:"))]
    assert elsewhere == [], f"{name} loads from another host: {elsewhere}"
    counted = [(url, size, encoding) for url, kind, size, encoding in requests
               if kind != "image"]
    total = sum(size for _url, size, _encoding in counted)
    figures = {"bytes": total, "budget_bytes": BUDGET_BYTES, "requests": len(counted),
               "files": {url.removeprefix(live_server.url): [size, encoding or "identity"]
                         for url, size, encoding in counted}}
    record_metrics("first_load_bytes", figures, key=name)
    assert total <= BUDGET_BYTES, f"{name}: {total} bytes on first load: {counted}"


def test_module_page_is_usable_within_3_seconds_on_slow_3g(open_context, live_server):
    context = open_context(seed.GRADUATE, viewport=PHONE)
    page = context.new_page()
    network = context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.setCacheDisabled", {"cacheDisabled": True})
    network.send("Network.emulateNetworkConditions", SLOW_3G)
    started = time.monotonic()
    page.goto(LEARNER_PAGES["modul"][1](live_server), wait_until="load")
    wall_clock_ms = round(1000 * (time.monotonic() - started))
    timing = page.evaluate("""() => {
      const nav = performance.getEntriesByType("navigation")[0];
      return {dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
              load_ms: Math.round(nav.loadEventEnd),
              html_bytes: nav.transferSize};
    }""")
    heading = page.get_by_role("heading", level=1).text_content()
    record_metrics("slow_3g_module_page", dict(timing, wall_clock_ms=wall_clock_ms,
                                               network=SLOW_3G, page=page.url,
                                               heading=heading.strip()))
    assert timing["load_ms"] <= USABLE_WITHIN_MS, timing
