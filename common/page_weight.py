"""What a page weighs: its HTML, and the static files a first (cold) visit loads with it.

A static file counts as it goes over the wire from the collected files: brotli-compressed where WhiteNoise's own rule
compresses it (not fonts and images, and only when that saves at least 5 %), else as it is. The files are those the
HTML references from our origin (`<link>` stylesheets, preloads and icon, `<script src>`, `<img src>`) and, inside
each stylesheet, its `url(…)` references (the font faces), each counted once. The page itself is counted
uncompressed, as the portal sends it.

Used by the benchmark (`bench/run.py`, bytes per page type) and the page-weight tests
(`tests/portal/test_page_weight.py`); it asks through a Django test client, so it needs no server and no
collectstatic (the finders serve the plain files then; the sizes are computed the same way).
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlparse

from django.conf import settings
from whitenoise.compress import Compressor

REFERENCE = re.compile(r"<(?:link|script|img)\b[^>]*?\b(?:href|src)=\"([^\"]+)\"", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*[\"']?([^\"')]+)[\"']?\s*\)")

_compressor = Compressor(quiet=True)


@dataclass
class PageWeight:
    path: str
    html_bytes: int
    files: dict[str, int] = field(default_factory=dict)  # static URL -> bytes transferred on a cold visit

    @property
    def static_bytes(self) -> int:
        return sum(self.files.values())

    @property
    def total_bytes(self) -> int:
        """A cold first visit: the HTML and every static file it loads."""
        return self.html_bytes + self.static_bytes

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "html_bytes": self.html_bytes,
            "static_bytes": self.static_bytes,
            "total_bytes": self.total_bytes,
            "files": self.files,
        }


def transferred_bytes(name: str, content: bytes) -> int:
    """The bytes of a static file on the wire: its brotli size where WhiteNoise stores a `.br` beside it."""
    if not _compressor.should_compress(name):
        return len(content)
    compressed = _compressor.compress_brotli(content)
    return (
        len(compressed)
        if _compressor.is_compressed_effectively("Brotli", name, len(content), compressed)
        else (len(content))
    )


def _static(url: str) -> str | None:
    """The path of a reference to one of our static files, or None (another origin, data: URLs, pages)."""
    if url.startswith("data:"):
        return None
    parts = urlparse(url)
    if parts.scheme or parts.netloc or not parts.path.startswith(settings.STATIC_URL):
        return None
    return parts.path


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def page_weight(client, path: str) -> PageWeight:
    """Asks `client` (a Django test client) for the page and for every static file a cold visit of it loads."""
    response = client.get(path)
    if response.status_code != 200:
        raise ValueError(f"{path}: status {response.status_code}")
    html = response.content
    weight = PageWeight(path=path, html_bytes=len(html))
    queue = [found for found in map(_static, REFERENCE.findall(html.decode())) if found]
    while queue:
        url = queue.pop(0)
        if url in weight.files:
            continue
        answer = client.get(url)
        if answer.status_code != 200:
            raise ValueError(f"{url} (from {path}): status {answer.status_code}")
        content = _body(answer)
        weight.files[url] = transferred_bytes(url, content)
        if url.endswith(".css"):
            for reference in CSS_URL.findall(content.decode("utf-8", "replace")):
                found = _static(urljoin(url, reference.strip()))
                if found and found not in weight.files:
                    queue.append(found)
    return weight
