"""The Content-Security-Policy in a real browser: public pages, the admin login and the API docs render with it,
and the browser blocks nothing (no CSP report in the console) and loads nothing from another origin."""

import pytest


@pytest.mark.django_db
def test_home_page_renders_under_the_policy(page, warm_notices, assert_accessible):
    response = page.goto("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("h1").count() == 1
    # The KERN style sheet applied: the page is styled, not browser defaults.
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Fira Sans" in font
    assert_accessible(page)


@pytest.mark.django_db
def test_admin_login_renders_under_the_policy(page):
    response = page.goto("/admin/login/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("input[name=username]").is_visible()
    assert page.locator("input[type=password]").is_visible()
    # Django's admin style sheet applied (its header bar is coloured, not transparent).
    background = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.csp_violations == []


@pytest.mark.django_db
def test_api_docs_render_under_the_policy(page):
    response = page.goto("/api/v1/docs/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI built the page from the schema: its title and the operations are there.
    page.locator(".swagger-ui .info .title").wait_for(timeout=15_000)
    assert "ITV.SH" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock").first.wait_for(timeout=15_000)
    assert page.locator(".opblock").count() > 10
    assert page.csp_violations == [], page.csp_violations
    origin = page.url.split("/", 3)[:3]
    assert [url for url in page.requested_urls if url.split("/", 3)[:3] != origin and not url.startswith("data:")] == []
