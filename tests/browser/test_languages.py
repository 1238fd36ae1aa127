"""The product in Spanish and Portuguese in a real Chromium: the browser asks for
``es-AR`` or ``pt-BR`` (Playwright's locale sets ``Accept-Language``) and the report
pages and the admin's Source form show no label of their English rendering, and
write amounts in the language's format (``2.229,15 ARS``)."""

from __future__ import annotations

import re

import pytest

from tests.factories import AdminFactory

from .conftest import MANAGER_PASSWORD

PAGES = [
    "/reports/",
    "/reports/departments/",
    "/reports/extensions/",
    "/reports/calls/",
    "/reports/top/",
]
SOURCE_FORM = "/admin/capture/source/add/?family=mitel-5000&transport=tcp-client"
# The elements that hold the product's own words (data sits in the table bodies).
LABELS = "h1, h2, thead th, nav a, button, label, caption, legend"
# Words that are the same in the three languages (as shown: some headers are in capitals).
SAME = {"total", "subtotal", "csv", "xlsx", "pdf", "tarificador", "ars", "e-mail", "erlang"}
SAME |= {"crontabs", "tokens"}  # django-celery-beat's and DRF's own word in Spanish
SAME |= {"personal"}  # a personal call: "personal" in Spanish too
# An amount of money in Spanish or Portuguese: dot thousands, comma decimals.
LOCAL_MONEY = re.compile(r"\b\d{1,3}(?:\.\d{3})*,\d{2}\u00a0ARS\b")
ENGLISH_MONEY = re.compile(r"\b\d{1,3}(?:,\d{3})*\.\d{2}\u00a0ARS\b")
ADMIN_PASSWORD = "an administrator's password 2026"


def labels(page) -> set[str]:
    texts = {" ".join(text.split()) for text in page.locator(LABELS).all_inner_texts()}
    words = {text for text in texts if re.search(r"[^\W\d_]", text)}  # not hours, not days
    return {text for text in words if text.casefold() not in SAME}


def visit(context, url) -> tuple[object, str]:
    page = context.new_page()
    response = page.goto(url)
    assert response.status == 200, url
    return page, page.locator("main, #content").first.inner_text()


def signed_in(browser, live_server, locale, username, password):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
    page.close()
    return context


@pytest.mark.parametrize("locale", ["es-AR", "pt-BR"])
def test_the_report_pages_are_in_the_browsers_language(browser, live_server, demo, locale):
    english = signed_in(browser, live_server, "en-US", demo.username, MANAGER_PASSWORD)
    local = signed_in(browser, live_server, locale, demo.username, MANAGER_PASSWORD)
    for path in PAGES:
        url = f"{live_server.url}{path}?month={demo.month_param}"
        english_page, english_text = visit(english, url)
        local_page, local_text = visit(local, url)

        left_in_english = labels(english_page) & labels(local_page)
        assert not left_in_english, f"{path} in {locale}: {sorted(left_in_english)}"
        assert local_page.locator("html").get_attribute("lang") == locale.lower()
        if path != "/reports/calls/":  # the call search shows costs only once searched
            assert LOCAL_MONEY.search(local_text), path
            assert not ENGLISH_MONEY.search(local_text), path
            assert ENGLISH_MONEY.search(english_text), path
    english.close()
    local.close()


@pytest.mark.parametrize("locale", ["es-AR", "pt-BR"])
def test_the_source_form_is_in_the_browsers_language(browser, live_server, demo, locale):
    AdminFactory(username="root", password=ADMIN_PASSWORD)
    english = signed_in(browser, live_server, "en-US", "root", ADMIN_PASSWORD)
    local = signed_in(browser, live_server, locale, "root", ADMIN_PASSWORD)
    english_page, _ = visit(english, f"{live_server.url}{SOURCE_FORM}")
    local_page, local_text = visit(local, f"{live_server.url}{SOURCE_FORM}")

    # The typed settings keep their keys (host, port) as labels in every language.
    keys = {text for text in labels(english_page) if re.fullmatch(r"[a-z_]+:?", text)}
    left_in_english = (labels(english_page) & labels(local_page)) - keys
    assert not left_in_english, "; ".join(sorted(left_in_english))

    assert {"es-AR": "Agregar fuente", "pt-BR": "Adicionar fonte"}[locale] in local_text
    english.close()
    local.close()
