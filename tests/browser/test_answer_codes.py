"""Answer codes on paper in a real Chromium (issue 20): the admin orders a batch on the wave's page and downloads
its PDF; the test reads the slips back (pdftotext), decodes a slip's QR code from the rendered page (zxing-cpp),
opens it, answers the survey once, and the same code is refused the second time. axe-core checks every page, the
new ones in English and Dutch."""
from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from saas.surveys import service
from saas.surveys.instruments import CONTRACT_ITEMS, LIKERT_LABELS
from tenants.models import Tenant
from tests.browser.words import Words
from tests.helpers import PASSWORD, works_council

pytestmark = pytest.mark.browser


@pytest.fixture
def wave_id(make):
    tenant = make.tenant("oost", "admin@oost.example")
    with make.session(tenant.id) as db:  # the smallest wave: no groups asked, one instrument
        wave = service.create_wave(db, name="Werkvloer 2026", instruments=("contract",), groupings=(),
                                   closes_on=date.today() + timedelta(days=14))
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="Akkoord.")
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        return wave.id


def test_a_code_from_the_printed_sheet_answers_once_and_is_refused_the_second_time(app, new_page, wave_id, tmp_path):
    en, nl = Words(app, "en"), Words(app, "nl")
    admin = new_page()
    admin.goto("/login")
    admin.get_by_label("E-mail address").fill("admin@oost.example")
    admin.get_by_label("Password", exact=True).fill(PASSWORD)
    admin.click_and_wait(admin.locator("form:has(#password) button[type=submit]"))
    admin.goto(f"/t/oost/waves/{wave_id}")
    admin.click_and_wait(admin.get_by_role("link", name=en("Order answer codes")))
    admin.click_and_wait(admin.get_by_role("button", name="Nederlands"))  # the page in Dutch, checked by axe too
    admin.get_by_label(nl("Name of the group")).fill("Werkbedrijf Noord")
    admin.get_by_label(nl("Number of codes")).fill("3")
    with admin.expect_download() as download:
        admin.get_by_role("button", name=nl("Order the codes and download the PDF")).click()
    sheet = tmp_path / "codes.pdf"
    download.value.save_as(sheet)

    # the slips, in the tenant's language (English): three codes, the close date, the two lines on anonymity
    text = " ".join(subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True).stdout.split())
    printed = set(re.findall(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b", text))
    assert len(printed) == 3 and "Nobody knows who got this code. Your answers are anonymous." in text
    assert "You can answer until" in text and "You can use the code once." in text
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(sheet), str(tmp_path / "slips")], check=True)
    [png] = tmp_path.glob("slips*.png")
    links = {result.text for result in zxingcpp.read_barcodes(Image.open(png))}
    assert len(links) == 3 and all("/t/oost/c/" in link for link in links)
    link = sorted(links)[0]
    assert link.rsplit("/", 1)[1] in {code.replace("-", "") for code in printed}

    # the batch is listed on the page; the codes themselves are not
    admin.goto(f"/t/oost/waves/{wave_id}/codes")
    expect(admin.get_by_role("main")).to_contain_text("Werkbedrijf Noord")
    expect(admin.get_by_role("main")).not_to_contain_text(sorted(printed)[0])

    # someone scans the slip, answers once
    person = new_page()
    person.goto(link)
    assert link.rsplit("/", 1)[1] not in person.url  # the code left the address bar
    person.click_and_wait(person.get_by_role("button", name=en("Start the survey"), exact=True))
    for item in CONTRACT_ITEMS:
        person.get_by_role("group", name=item.label("en")).get_by_label(LIKERT_LABELS[4].get("en"), exact=True).check()
    person.click_and_wait(person.get_by_role("button", name=en("Next"), exact=True))
    person.click_and_wait(person.get_by_role("button", name=en("Send my answers"), exact=True))
    expect(person.get_by_role("heading", level=1)).to_have_text(en("Thank you!"))

    # the second time the code is refused, in words, in both languages
    second = new_page()
    response = second.page.goto(second.absolute(link), wait_until="load")
    assert response.status == 409
    second.check_a11y()
    expect(second.get_by_role("alert")).to_have_text(
        en("This code has already been used to answer the survey. Each code can be used once."))
    second.click_and_wait(second.get_by_role("button", name="Nederlands"))
    second.get_by_label(nl("Your code")).fill(link.rsplit("/", 1)[1].lower())
    second.click_and_wait(second.get_by_role("button", name=nl("Start the survey")))
    expect(second.get_by_role("alert")).to_have_text(
        nl("This code has already been used to answer the survey. Each code can be used once."))
