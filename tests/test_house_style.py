"""The look of a Dutch public service (issue 17, point 6), the navigation (point 2) and the favicon
(defect 12): a tenant's house style on its own pages only, refusals a user can read (NL and EN), a
consultancy's style on clients without one, groups and an unread count in the navigation."""
from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import select

from saas.kernel import brand
from saas.kernel.notifications import notify
from saas.programme.notices import TEAM_JOINED
from tenants.models import Membership, Tenant
from tests.helpers import signed_in
from tests.test_billing_consultancy import create_client, sign_up

PURPLE = "#6a1b9a"  # white text on it: 9.3 to 1
STYLESHEET = re.compile(r'href="(/t/[a-z-]+/house-style\.css\?v=[0-9a-f]+)"')
LOGO = re.compile(r'src="(/t/[a-z-]+/house-style/logo\?v=[0-9a-f]+)"')


def png(width=120, height=40, colour=(106, 27, 154)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def set_style(client, slug, colour="", logo: bytes | None = None, filename="logo.png", remove=False):
    data = {"colour": colour}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo), filename)
    if remove:
        data["remove_logo"] = "y"
    return client.submit(f"/t/{slug}/settings/house-style", data, page=f"/t/{slug}/settings",
                         content_type="multipart/form-data")


def test_a_tenants_colour_and_logo_show_on_its_pages_and_never_on_another_tenants(make):
    oost, west = make.tenant("oost"), make.tenant("west")
    admin = signed_in(make.app, oost.admin_email)
    response = set_style(admin, "oost", colour="#6A1B9A", logo=png())
    assert response.status_code == 302
    assert "The house style has been saved." in admin.text("/t/oost/settings")

    home = admin.text("/t/oost/")
    stylesheet, logo = STYLESHEET.search(home).group(1), LOGO.search(home).group(1)
    css = admin.get(stylesheet)
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert f"--utrecht-button-primary-action-background-color: {PURPLE};" in css.get_data(as_text=True)
    assert css.headers["ETag"] and "private" in css.headers["Cache-Control"]
    assert admin.get(stylesheet, headers={"If-None-Match": css.headers["ETag"]}).status_code == 304
    image = admin.get(logo)
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == png()

    # another tenant's pages: Koers's theme, no logo, and the first tenant's style is not theirs to fetch
    other = signed_in(make.app, west.admin_email)
    page = other.text("/t/west/")
    assert not STYLESHEET.search(page) and not LOGO.search(page) and PURPLE not in page
    assert PURPLE not in other.get("/t/west/house-style.css").get_data(as_text=True)
    assert other.get("/t/west/house-style/logo").status_code == 404
    assert other.get("/t/oost/house-style.css").status_code in (403, 404)
    assert other.get("/t/oost/house-style/logo").status_code in (403, 404)

    # removing the logo and the colour brings Koers's theme back
    set_style(admin, "oost", colour="", remove=True)
    assert not STYLESHEET.search(admin.text("/t/oost/"))


def test_a_colour_white_text_cannot_be_read_on_and_a_file_that_is_no_logo_are_refused_in_english(make):
    make.tenant("oost")
    admin = signed_in(make.app, "admin@oost.example.org")
    page = set_style(admin, "oost", colour="#FFF000").get_data(as_text=True)
    assert ("#FFF000 is too light: white text on it, or links in it on Koers's light backgrounds, have a "
            "contrast of 1.0 to 1; at least 4.5 to 1 is needed (WCAG AA).") in page
    # just below AA on the grey of table headers, though 4.5 to 1 on white: refused
    assert "have a contrast of 4.1 to 1" in set_style(admin, "oost", colour="#767676").get_data(as_text=True)
    assert 'id="colour-error"' in page and 'aria-invalid="true"' in page
    assert "Enter a colour as a hexadecimal code" in set_style(admin, "oost", colour="blue").get_data(as_text=True)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    page = set_style(admin, "oost", logo=svg, filename="logo.svg").get_data(as_text=True)
    assert "The logo must be a PNG or JPEG image." in page and 'id="logo-error"' in page
    fake = b"\x89PNG\r\n\x1a\n" + b"not really an image" * 10
    assert "could not be read as an image" in set_style(admin, "oost", logo=fake).get_data(as_text=True)
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (brand.LOGO_MAX_BYTES + 10)
    assert "The logo may be at most 200 kB." in set_style(admin, "oost", logo=big).get_data(as_text=True)
    wide = png(width=brand.LOGO_MAX_PIXELS + 1, height=10)
    assert "at most 2000 pixels" in set_style(admin, "oost", logo=wide).get_data(as_text=True)
    assert not STYLESHEET.search(admin.text("/t/oost/"))  # nothing was kept


def test_the_refusals_are_dutch_for_a_dutch_reader(make):
    make.user("beheer@noord.example.org", locale="nl")
    make.tenant("noord", admin_email="beheer@noord.example.org", language="nl")
    admin = signed_in(make.app, "beheer@noord.example.org")
    page = set_style(admin, "noord", colour="#FFF000").get_data(as_text=True)
    assert "#FFF000 is te licht" in page and "een contrast van 1,0 op 1" in page
    page = set_style(admin, "noord", logo=b"GIF89a....", filename="logo.gif").get_data(as_text=True)
    assert "Het logo moet een PNG- of JPEG-afbeelding zijn." in page
    assert "Huisstijl" in admin.text("/t/noord/settings")


def test_a_consultancys_house_style_shows_on_a_client_without_its_own(make):
    owner = sign_up(make, "eva@advies.example", "Eva Advies")
    create_client(owner, "zuid", "admin@zuid.example.org")
    response = owner.submit("/billing/consultancy/house-style", {"colour": PURPLE, "logo": (io.BytesIO(png()), "l.png")},
                            page="/billing/consultancy/account", content_type="multipart/form-data")
    assert response.status_code == 302
    page = owner.text("/t/zuid/")  # the owner is a consultant in the client
    stylesheet = STYLESHEET.search(page).group(1)
    assert PURPLE in owner.get(stylesheet).get_data(as_text=True)
    assert owner.get(LOGO.search(page).group(1)).data == png()
    # a client's own style wins over its consultancy's
    with make.session() as db:
        db.scalar(select(Tenant).where(Tenant.slug == "zuid")).brand_colour = "#1e6b34"
    page = owner.text("/t/zuid/")
    css = owner.get(STYLESHEET.search(page).group(1)).get_data(as_text=True)
    assert "#1e6b34" in css and PURPLE not in css


def test_the_navigation_groups_the_survey_world_and_the_administration(make):
    oost = make.tenant("oost")
    make.member(oost, "mia@oost.example.org", roles=("member",))
    admin = signed_in(make.app, oost.admin_email)
    nav = _nav(admin.text("/t/oost/"))
    for group, links in (("Surveys", ["Your surveys", "Survey waves", "Culture comparison", "Culture reports"]),
                         ("Administration", ["Legacy organisations", "People", "Invitations", "Settings",
                                             "Billing"])):
        details = re.search(rf"<summary[^>]*>{group}</summary>(.*?)</details>", nav, re.S)
        assert details, group
        for link in links:
            assert f">{link}</a>" in details.group(1), (group, link)
    member = signed_in(make.app, "mia@oost.example.org")
    nav = _nav(member.text("/t/oost/"))
    assert ">Your surveys</a>" in nav and "Administration" not in nav  # a group of one is its link
    assert ">Surveys</summary>" not in nav


def test_the_unread_notifications_are_counted_in_the_navigation_until_read(make):
    oost = make.tenant("oost")
    mia = make.member(oost, "mia@oost.example.org", roles=("member",))
    with make.session(oost.id) as db:
        membership = db.get(Membership, mia)
        for _ in range(2):
            notify(db, db.get(Tenant, oost.id), [membership], "team_joined", TEAM_JOINED,
                   {"name": "Someone", "team": "Blue", "theme": "Clients first"}, "/t/oost/", make.app.config["KOERS"])
    member = signed_in(make.app, "mia@oost.example.org")
    nav = _nav(member.text("/t/oost/"))
    assert re.search(r'>Notifications <span class="utrecht-badge-counter nav-count">2</span>'
                     r'<span class="visually-hidden"> unread</span></a>', nav), nav
    inbox = member.text("/t/oost/notifications")  # the page's own list of what is new still shows it
    assert inbox.count('<span class="tag">New</span>') == 2
    member.submit("/t/oost/notifications/read", page="/t/oost/notifications")
    assert "nav-count" not in _nav(member.text("/t/oost/"))


def test_a_favicon_is_served_and_linked(make):
    client = make.app.test_client()
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon" and icon.data[:4] == b"\0\0\1\0"
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/favicon.ico"' in page and 'href="/static/favicon.svg" type="image/svg+xml"' in page
    assert client.get("/static/favicon.svg").status_code == 200


def _nav(html: str) -> str:
    return re.search(r'<nav aria-label="Main".*?</nav>', html, re.S).group(0)
