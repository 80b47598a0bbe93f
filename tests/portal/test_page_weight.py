"""Light pages (issue 16, part 7): page weights with the demo data loaded, the font faces, and the static files as
production serves them after collectstatic (hashed names, brotli and gzip, one year `immutable`, no finders).
A size is not a timing: these budgets hold on any machine."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from common.page_weight import page_weight, transferred_bytes
from tests.organisations.fixtures import register  # noqa: F401 - fixture

DASHBOARD_HTML_BUDGET = 100 * 1000
COLD_HOME_BUDGET = 350 * 1000
FACES = {"FiraSans-Regular", "FiraSans-SemiBold"}


@pytest.fixture
def demo(register, settings, django_capture_on_commit_callbacks):  # noqa: F811 - the fixture imported above
    """The register, the catalogue, the Zuständigkeit and the demo statuses with their history: what `make run`
    shows."""
    settings.DEMO_CONTENT_ENABLED = True
    with django_capture_on_commit_callbacks(execute=True):
        for command in ("import_ozg_catalogue", "import_zustaendigkeit", "load_ozg_demo"):
            call_command(command, stdout=io.StringIO())


@pytest.mark.django_db
def test_dashboard_html_and_cold_home_visit_stay_within_their_budgets(demo):
    client = Client()
    dashboard = page_weight(client, reverse("ozg_monitoring:dashboard"))
    html = client.get(reverse("ozg_monitoring:dashboard")).content.decode()
    assert html.count("<path ") >= 15 + 171  # both maps are there, with every region
    assert dashboard.html_bytes <= DASHBOARD_HTML_BUDGET, dashboard.html_bytes  # it was about 215 KB
    home = page_weight(client, "/")
    assert home.total_bytes <= COLD_HOME_BUDGET, home.as_dict()  # it was at least 765 KB
    fonts = {re.sub(r"(\.[0-9a-f]{12})?\.woff2$", "", url.rsplit("/", 1)[-1]) for url in home.files if ".woff2" in url}
    assert fonts == FACES
    # The stylesheet counts compressed, the faces as they are (woff2 is compressed already).
    kern = next(url for url in home.files if "kern.min" in url)
    assert home.files[kern] < 60_000 < 340_000
    assert sum(size for url, size in home.files.items() if ".woff2" in url) > 250_000


@pytest.mark.django_db
def test_pages_preload_the_faces_they_use_and_swap(client):
    html = client.get("/").content.decode()
    preloaded = re.findall(r'<link rel="preload" href="([^"]+\.woff2)" as="font" type="font/woff2" crossorigin>', html)
    assert {url.rsplit("/", 1)[-1].removesuffix(".woff2") for url in preloaded} == FACES
    css = client.get("/static/css/fonts.css")
    faces = b"".join(css.streaming_content).decode().split("@font-face")[1:]
    assert len(faces) == 2 and all("font-display: swap;" in face for face in faces)
    weight = page_weight(client, "/")
    assert set(preloaded) <= set(weight.files)  # the preloads are the faces the stylesheet declares
    assert client.get("/static/vendor/kern/fonts/fira-sans/FiraSans-Bold.woff2").status_code == 404


def test_transferred_bytes_follow_whitenoise():
    text = b"body { color: red; }\n" * 500
    assert transferred_bytes("site.css", text) < len(text) / 10
    assert transferred_bytes("face.woff2", text) == len(text)  # fonts are sent as they are
    assert transferred_bytes("tiny.css", b"a{}") == 3  # compression that saves nothing is not stored


@pytest.fixture
def collected(settings, tmp_path):
    """collectstatic of the portal's own static folder into a fresh STATIC_ROOT, with the portal's storage."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "itvsh_portal.storage.StaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    settings.WHITENOISE_USE_FINDERS = False  # production: only what was collected
    return settings.STATIC_ROOT


def test_collected_files_are_hashed_compressed_and_immutable_for_a_year(collected):
    import json

    from whitenoise.middleware import WhiteNoiseMiddleware

    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/portal.css"]
    assert re.fullmatch(r"css/portal\.[0-9a-f]{12}\.css", hashed)
    assert (collected / f"{hashed}.br").exists() and (collected / f"{hashed}.gz").exists()
    assert not (collected / (manifest["vendor/kern/fonts/fira-sans/FiraSans-Regular.woff2"] + ".br")).exists()

    middleware = WhiteNoiseMiddleware(get_response=lambda request: None)
    rf = RequestFactory()
    response = middleware(rf.get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="br, gzip"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=31536000, public, immutable"
    assert response["Content-Encoding"] == "br"
    assert response["X-Content-Type-Options"] == "nosniff"  # the security headers stay on every file
    gzipped = middleware(rf.get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip"))
    assert gzipped["Content-Encoding"] == "gzip"
    # A font's hashed name is immutable too; the plain name (kept by collectstatic) is not.
    font = middleware(rf.get(f"/static/{manifest['vendor/kern/fonts/fira-sans/FiraSans-SemiBold.woff2']}"))
    assert font["Cache-Control"] == "max-age=31536000, public, immutable"
    assert "immutable" not in middleware(rf.get("/static/css/portal.css"))["Cache-Control"]
    # The finders serve nothing: a file that was not collected is not there.
    assert middleware(rf.get("/static/admin/css/base.css")) is None


@pytest.mark.django_db
def test_pages_name_the_hashed_files_once_collected(collected, client):
    html = client.get("/").content.decode()
    assert re.search(r'href="/static/css/portal\.[0-9a-f]{12}\.css"', html)
    assert re.search(r'href="/static/vendor/kern/fonts/fira-sans/FiraSans-Regular\.[0-9a-f]{12}\.woff2"', html)
