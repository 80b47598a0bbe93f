"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against pytest-django's live server.

`playwright install` cannot download browsers here, so the launch names the executable. Without Chromium the
tests are skipped with a visible reason, unless REQUIRE_BROWSER=1 (CI), where a missing browser fails.
"""

import os
from pathlib import Path

import pytest

from common.authorization import system_actor

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
# WCAG 2.1 A and AA, the level BITV 2.0 requires.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls in fixtures are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if REQUIRE_BROWSER:
            pytest.fail(f"{CHROMIUM} fehlt, Browser-Tests sind Pflicht (REQUIRE_BROWSER=1)")
        pytest.skip(f"Browser-Tests übersprungen: {CHROMIUM} ist nicht installiert")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page whose relative URLs resolve against the live server. Every request the page makes is
    recorded in `page.requested_urls`, so a test can assert that nothing comes from another origin."""
    context = browser.new_context(base_url=live_server.url, locale="de-DE")
    page = context.new_page()
    page.requested_urls = []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    # What the Content-Security-Policy blocked: Chromium reports each refusal as a console error.
    page.csp_violations = []
    page.on(
        "console",
        lambda message: page.csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    context.close()


def axe_violations(page, context=None) -> list[dict]:
    """Runs axe-core (shipped with axe-playwright-python) on the page with the WCAG 2.1 A/AA rules."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
    results = Axe().run(page, context=context, options=options)
    return results.response["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible():
    """`assert_accessible(page)`: zero axe violations (WCAG 2.1 A/AA), no request to another origin and nothing
    the Content-Security-Policy had to block."""

    def check(page):
        # What the page itself did, before axe runs: axe re-reads @import-ed style sheets (Django admin's forms.css
        # imports widgets.css) by building <style> elements, which the CSP refuses; that refusal is not the page's.
        csp_violations = list(page.csp_violations)
        violations = axe_violations(page)
        assert violations == [], format_violations(violations)
        origin = page.url.split("/", 3)[:3]
        foreign = [
            url for url in page.requested_urls if url.split("/", 3)[:3] != origin and not url.startswith("data:")
        ]
        assert foreign == [], f"Anfragen an fremde Ursprünge: {foreign}"
        assert csp_violations == [], csp_violations

    return check


# --- Keyboard: Tab with a check of the visible focus ------------------------------------------------------

MAX_TABS = 80

# The look of every focusable element before anything is focused, taken once per loaded document. A link in an
# SVG map shows focus on its shape (stroke), so for SVG elements the first shape's stroke is part of the look.
SNAPSHOT = """() => {
  if (window.__unfocusedLook) return;
  const look = (el) => {
    const s = getComputedStyle(el);
    const parts = [s.outlineStyle, s.outlineWidth, s.outlineColor, s.outlineOffset, s.boxShadow];
    const shape = el instanceof SVGElement && el.querySelector('path, rect, circle, polygon');
    if (shape) { const t = getComputedStyle(shape); parts.push(t.stroke, t.strokeWidth); }
    return parts.join(' | ');
  };
  window.__look = look;
  window.__unfocusedLook = new Map();
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')) {
    window.__unfocusedLook.set(el, look(el));
  }
}"""

FOCUSED = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const now = window.__look(el);
  const before = window.__unfocusedLook.get(el);
  const shape = el instanceof SVGElement && el.querySelector('path, rect, circle, polygon');
  const stroke = shape && parseFloat(getComputedStyle(shape).strokeWidth) >= 2;
  return {
    tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute('href'),
    text: (el.innerText || el.getAttribute('aria-label') || el.getAttribute('name') || el.textContent || '')
      .trim().slice(0, 80),
    indicator: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) || s.boxShadow !== 'none' || !!stroke,
    differs: before !== undefined && before !== now, before: before, now: now,
    onScreen: r.width > 0 && r.height > 0,
  };
}"""


class Keyboard:
    """Presses keys and checks the focus after every Tab: the focused element is on screen, shows an outline,
    a box shadow or (SVG) a stroke, and looks different from before it had focus."""

    def __init__(self, page):
        self.page = page
        self.visited = []

    def loaded(self):
        self.page.wait_for_load_state()
        self.page.evaluate(SNAPSHOT)

    def tab(self, backwards=False, allow_end=False):
        self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = self.page.evaluate(FOCUSED)
        if focused["tag"] == "body":
            assert allow_end, f"{self.page.url}: Tab left the page"
            return None
        self.visited.append(focused)
        where = f"{self.page.url}: {focused['tag']} {focused['text']!r} {focused['href'] or ''}"
        assert focused["onScreen"], f"fokussiert, aber unsichtbar: {where}"
        assert focused["indicator"], f"kein sichtbarer Fokus: {where} ({focused['now']})"
        assert focused["differs"], f"Fokus sieht aus wie ohne Fokus: {where} ({focused['now']})"
        return focused

    def tab_to(self, predicate, what, backwards=False):
        for _ in range(MAX_TABS):
            focused = self.tab(backwards=backwards)
            if predicate(focused):
                return focused
        raise AssertionError(f"{what} nicht per Tab erreichbar auf {self.page.url}")

    def tab_through(self, limit=600):
        """Every Tab stop of the page, from the top until focus leaves the document; each one checked."""
        self.loaded()
        stops = []
        for _ in range(limit):
            focused = self.tab(allow_end=True)
            if focused is None:
                return stops
            stops.append(focused)
        raise AssertionError(f"{self.page.url}: mehr als {limit} Tab-Stopps")

    def enter(self):
        self.page.keyboard.press("Enter")


# Rows that data migrations seed. A transactional test (every live-server test is one) empties all tables when it
# ends, so the next one would miss them; each browser test puts them back (the seeds are idempotent).
SEED_MIGRATIONS = [
    "cooperations.migrations.0002_seed_wahlperioden_and_topics",
    "funding.migrations.0002_seed_purposes_and_sources",
]


@pytest.fixture(autouse=True)
def _migration_seeds(request):
    if "live_server" not in request.fixturenames:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


# --- Realistic data for the page tours (accessibility, reflow, keyboard journey) ------------------------------

# Real keys and catalogue ids from the shipped data (data/gebiete, data/ozg).
ALKERSUM = "010545488005"  # Gemeinde in Amt Föhr-Amrum, Kreis Nordfriesland
FOEHR_AMRUM = "010545488000"
NORDFRIESLAND = "010540000000"
WOHNGELD = 10092  # Themenfeld 1 "Arbeit & Ruhestand"
ONLINE_SERVICE_URL = "https://wohngeld.example/antrag"  # an example host; tests answer it with page.route


@pytest.fixture
def portal_data(db):
    """The real register, OZG catalogue, founding agreements and funding lines, plus a few rollout statuses
    (one online service for Alkersum) and a monthly snapshot, so that every public page shows content:
    tables, charts, maps, pagination. About 2 s on SQLite."""
    import datetime
    import io

    from django.core.management import call_command

    from organisations.models import Organisation
    from ozg_monitoring.models import Fokusleistung, OzgLeistung, RolloutPlan, RolloutTarget
    from ozg_monitoring.services import rollout_status_update, snapshot_create

    commands = ("import_register", "import_ozg_catalogue", "import_zustaendigkeit", "load_founding_agreements")
    for command in (*commands, "load_founding_funding"):
        call_command(command, stdout=io.StringIO())
    nordfriesland = Organisation.objects.get(ars=NORDFRIESLAND)
    foehr_amrum = Organisation.objects.get(ars=FOEHR_AMRUM)
    wohngeld = OzgLeistung.objects.get(ozg_id=WOHNGELD)
    rollout_status_update(  # Wohngeld is handled by the Amt (sourced Zuständigkeit): its status is the one shown
        leistung=wohngeld,
        verwaltung=foehr_amrum,
        changes={"stage": "online", "maturity_level": 3, "url": ONLINE_SERVICE_URL},
        by=system_actor(),
    )
    for leistung in OzgLeistung.objects.order_by("ozg_id")[:6]:
        rollout_status_update(
            leistung=leistung,
            verwaltung=foehr_amrum,
            changes={"stage": "in_umsetzung"},
            by=system_actor(),
        )
    Fokusleistung.objects.create(year=2026, leistung=wohngeld)
    plan = RolloutPlan.objects.create(name="Roll-out-Plan 2026", slug="rollout-2026", year=2026)
    RolloutTarget.objects.create(plan=plan, leistung=wohngeld, verwaltung=foehr_amrum, due="2026-06-30")
    snapshot_create(date=datetime.date(2026, 1, 1), by=system_actor())
    return {"wohngeld": wohngeld, "nordfriesland": nordfriesland, "foehr_amrum": foehr_amrum}


# --- Staff: the role groups, a verified login per user, and counted clicks ---------------------------------

# The migrations that make the staff groups and give them rights, in the order they run. A transactional test
# empties all tables when it ends, so a later browser test would find no groups; `staff_groups` puts them back
# (each step is idempotent). test_admin_workflows.py checks that this gives every group the rights the migrations
# gave it, so a new migration with group rights must be added here.
STAFF_GROUP_MIGRATIONS = [
    ("accounts.migrations.0002_staff_groups", "create_groups"),
    ("accounts.migrations.0003_system_actor_and_group_rights", "forwards"),
    ("accounts.migrations.0004_revision_group_and_audit_readers", "forwards"),
    ("ozg_monitoring.migrations.0004_linkcheck_rights", "forwards"),
    ("ozg_monitoring.migrations.0007_zustaendigkeit_rights", "forwards"),
    ("ozg_monitoring.migrations.0011_kommune_imports_and_history", "forwards"),
    ("federal.migrations.0002_monitoring_reads", "forwards"),
    ("federal.migrations.0004_reconciliation_rights", "forwards"),
]


def recreate_staff_groups():
    import importlib

    from django.apps import apps

    for module, function in STAFF_GROUP_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def staff_groups(transactional_db):
    """The staff groups (Redaktion, Finanzen, Monitoring, Kommune, ...) with their rights, as the migrations made
    them, recreated where an earlier transactional test emptied the tables."""
    from django.contrib.auth.models import Group

    if not Group.objects.filter(name="Kommune").exists():
        recreate_staff_groups()
    return Group.objects.all()


def _recording(page):
    page.requested_urls, page.csp_violations = [], []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    page.on("console", lambda m: page.csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    return page


@pytest.fixture
def staff_login(browser, live_server):
    """`staff_login(user, locale="de-DE", viewport=None)`: a page of a new browser context in which `user` is
    logged in past the second factor (a confirmed TOTP device, tests/accounts/helpers.py). Requests and CSP
    refusals are recorded as on `page`. The contexts close when the test ends."""
    from tests.accounts.helpers import verified_session_cookie

    contexts = []

    def login(user, locale="de-DE", viewport=None):
        options = {"base_url": live_server.url, "locale": locale}
        if viewport:
            options["viewport"] = viewport
        context = browser.new_context(**options)
        contexts.append(context)
        context.add_cookies([verified_session_cookie(live_server, user)])
        return _recording(context.new_page())

    yield login
    for context in contexts:
        context.close()


@pytest.fixture
def staff_page(staff_login):
    """A superuser "redaktion" in the admin, past the second factor."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("redaktion", "redaktion@itvsh.example", "lang-genug-geheim-1")
    return staff_login(user)


class Steps:
    """Drives a page and counts what a person does: `clicks` (each pointer action: a button, a link, a checkbox,
    opening a select and choosing its option, opening an autocomplete and choosing its entry), `inputs` (each
    field typed into) and `steps` (each page load or form submission). A test asserts the totals against its
    constants, so a figure cannot drift from what the test does."""

    def __init__(self, page):
        self.page = page
        self.clicks = self.inputs = self.steps = 0

    def open(self, url):
        """The first page, opened from a bookmark or the address bar: one step, no click."""
        response = self.page.goto(url)
        self.steps += 1
        return response

    def click(self, locator):
        locator.click()
        self.clicks += 1

    def follow(self, locator):
        """A click that loads a page (a link or a submit button)."""
        with self.page.expect_navigation():
            locator.click()
        self.clicks += 1
        self.steps += 1

    def fill(self, locator, text):
        locator.fill(text)
        self.inputs += 1

    def select(self, locator, value):
        """A native select: open it and choose (two clicks)."""
        locator.select_option(value)
        self.clicks += 2

    def autocomplete(self, container, term, option_text):
        """A select2 autocomplete in `container`: open it, type `term`, choose the entry containing
        `option_text` (two clicks, one input). Returns the texts of all entries offered for `term`."""
        container.locator(".select2-selection").click()
        search = self.page.locator(".select2-container--open .select2-search__field")
        with self.page.expect_response(lambda response: "term=" in response.url):
            search.fill(term)
        option = self.page.locator(".select2-results__option", has_text=option_text).first
        option.wait_for()
        offered = self.page.locator(".select2-results__option").all_inner_texts()
        option.click()
        self.clicks += 2
        self.inputs += 1
        return offered

    def upload(self, locator, path):
        """Choosing a file: a click on the field and one on the file in the dialog."""
        locator.set_input_files(path)
        self.clicks += 2

    @property
    def figures(self):
        return {"clicks": self.clicks, "inputs": self.inputs, "steps": self.steps}
