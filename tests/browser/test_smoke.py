import pytest


@pytest.mark.django_db(transaction=True)
def test_health_endpoints_reachable_in_browser(page):
    response = page.goto("/healthz")
    assert response.status == 200
    assert '"ok"' in page.content()
    response = page.goto("/readyz")
    assert response.status == 200
    assert '"database"' in page.content()
