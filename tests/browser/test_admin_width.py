"""No admin page scrolls sideways at 1,400 px (issue 17: the obligations inline once made the agreement page
2,389 px wide): every change list, add page and change page the German sweep opens, with one new row opened in
every inline of the add and change pages."""

import pytest

from tests.accounts.factories import StaffUserFactory
from tests.accounts.helpers import verified_client_login
from tests.accounts.test_admin_english_sweep import admin_pages, make_world

WIDTH = 1400

#: One new row in every inline (Django's inlines.js makes "… hinzufügen" an <a role="button">), then the widths.
OPEN_INLINES_AND_MEASURE = """() => {
  let opened = 0;
  for (const group of document.querySelectorAll('.inline-group')) {
    const add = group.querySelector('.add-row a');
    if (add) { add.click(); opened += 1; }
  }
  return {opened, width: document.documentElement.scrollWidth};
}"""


@pytest.mark.django_db(transaction=True)
def test_no_admin_page_scrolls_sideways_at_1400_px(client, staff_groups, staff_login):
    make_world()
    superuser = StaffUserFactory(is_superuser=True)
    verified_client_login(client, superuser)
    pages, _without_row = admin_pages(client)
    forms = [url for url, _why in pages if url.endswith(("/add/", "/change/"))]
    assert len(forms) >= 40  # every registered model's add or change page
    page = staff_login(superuser, viewport={"width": WIDTH, "height": 900})
    too_wide, inlines = {}, 0
    for url, _why in pages:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        found = page.evaluate(OPEN_INLINES_AND_MEASURE)
        inlines += found["opened"]
        if found["width"] > WIDTH:
            too_wide[url] = found["width"]
    print(f"{len(pages)} admin pages at {WIDTH} px, {inlines} inline rows opened, too wide: {too_wide}")
    assert inlines >= 10  # the agreement's, the budget line's, the measure's… inlines were really opened
    assert too_wide == {}
