"""People at scale (issue 17, point 4): the admin's People page, a sponsor's recruit page and the access
log, searched and filtered through the URL (no script needed), a page at a time; the access log exported."""
import re
from html import unescape
from datetime import datetime, timezone
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from saas.kernel.listing import FOLD_FROM, FOLD_MULTI, fold
from tests.helpers import signed_in


NAMES = ("Mesut Özil", "Anne-Marie Jönsson", "Pieter de Jong", "Ĳsbrand Veenstra", "Zoë Çelik", "Jan Jansen")


@pytest.fixture
def org(app, make):
    """A tenant of six people over two legacy organisations (and one without), one of them a sponsor."""
    tenant = make.tenant("lijst", legacy_orgs=("AAL", "BEE"))
    aal, bee = tenant.legacy_org_ids
    tenant.people = {}
    for number, name in enumerate(NAMES):
        email = f"person{number}@lijst.example"
        roles = ["member", "sponsor"] if name == "Jan Jansen" else ["member"]
        tenant.people[name] = make.member(tenant, email, roles=roles, name=name,
                                          legacy_org_id=(aal, bee, None)[number % 3])
    return tenant


def _names(page: str) -> list[str]:
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>", page)
    return [row.strip() for row in rows]


@pytest.mark.smoke
def test_the_admin_finds_people_whatever_the_case_or_accents(app, org):
    admin = signed_in(app, org.admin_email)
    for typed, expected in (("ozil", "Mesut Özil"), ("ÖZIL", "Mesut Özil"), ("jonsson", "Anne-Marie Jönsson"),
                            ("JÖNS", "Anne-Marie Jönsson"), ("ijsbrand", "Ĳsbrand Veenstra"),
                            ("zoe celik", "Zoë Çelik"), ("person2@", "Pieter de Jong")):
        page = admin.text(f"/t/lijst/admin/members?q={typed}")
        assert _names(page) == [expected], typed
    assert _names(admin.text("/t/lijst/admin/members?q=de+jong")) == ["Pieter de Jong"]
    assert _names(admin.text("/t/lijst/admin/members?q=100%25")) == []  # % is a letter, not a wildcard
    assert "Nothing matches these filters." in admin.text("/t/lijst/admin/members?q=nobody")


def test_filtering_by_legacy_organisation_shows_only_its_people(app, org):
    admin = signed_in(app, org.admin_email)
    aal = org.legacy_org_ids[0]
    assert _names(admin.text(f"/t/lijst/admin/members?legacy_org={aal}")) == ["Mesut Özil", "Ĳsbrand Veenstra"]
    assert _names(admin.text("/t/lijst/admin/members?legacy_org=none")) == ["Admin", "Jan Jansen", "Pieter de Jong"]
    assert _names(admin.text("/t/lijst/admin/members?role=sponsor")) == ["Jan Jansen"]
    assert _names(admin.text("/t/lijst/admin/members?role=member&legacy_org=none&q=JAN")) == ["Jan Jansen"]
    assert _names(admin.text(f"/t/lijst/admin/members?role=sponsor&legacy_org={aal}")) == []


def test_pages_link_to_each_other_and_keep_the_filters(app, org):
    admin = signed_in(app, org.admin_email)
    page = admin.text("/t/lijst/admin/members?role=member&size=2")
    assert _names(page) == ["Anne-Marie Jönsson", "Jan Jansen"]  # by name
    assert "1–2 of 6" in page
    pager = re.findall(r'<nav class="pager".*?</nav>', page, re.S)[0]
    queries = [parse_qs(urlsplit(unescape(href)).query) for href in re.findall(r'href="([^"]+)"', pager)]
    links = {int(query.get("page", ["1"])[0]): query for query in queries}
    assert set(links) == {1, 2, 3}
    assert all(query["role"] == ["member"] and query["size"] == ["2"] for query in links.values())
    third = admin.text("/t/lijst/admin/members?role=member&size=2&page=3")
    assert _names(third) == ["Zoë Çelik", "Ĳsbrand Veenstra"] and "5–6 of 6" in third
    assert 'rel="next"' not in third and 'rel="prev"' in third


@pytest.mark.parametrize("query", ["page=-1", "page=abc", "page=99999999999", "size=1000000", "size=0",
                                   "role=superuser", "legacy_org=999999", "legacy_org=abc", "team=12",
                                   "q=" + "x" * 101, "q=a+b+c+d+e+f+g"])
def test_bad_filters_are_a_clear_400_in_the_readers_language(app, org, query):
    admin = signed_in(app, org.admin_email)
    response = admin.get(f"/t/lijst/admin/members?{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 400, query
    page = response.get_data(as_text=True)
    assert 'class="error' in page and "<tbody>" not in page
    admin.submit("/language", {"language": "nl"}, page="/t/lijst/admin/members")
    dutch = admin.get(f"/t/lijst/admin/members?{query}")
    assert dutch.status_code == 400 and "Zoeken op naam of e-mailadres" in dutch.get_data(as_text=True)


def test_a_page_past_the_end_says_so(app, org):
    admin = signed_in(app, org.admin_email)
    page = admin.text("/t/lijst/admin/members?size=5&page=7")
    assert "There is no page 7: the list has 2 pages." in page and _names(page) == []
    previous = unescape(re.search(r'<a rel="prev" href="([^"]+)"', page).group(1))
    assert parse_qs(urlsplit(previous).query) == {"size": ["5"], "page": ["2"]}  # the last page there is


def test_another_tenants_admin_finds_none_of_these_people(app, make, org):
    other = make.tenant("ander", "admin@ander.example")
    stranger = signed_in(app, other.admin_email)
    for query in ("q=ozil", "q=jan", "q=lijst.example", ""):
        assert "Özil" not in stranger.text(f"/t/ander/admin/members?{query}")
    # another tenant's legacy organisation is no choice here
    assert stranger.get(f"/t/ander/admin/members?legacy_org={org.legacy_org_ids[0]}").status_code == 400
    assert stranger.get("/t/lijst/admin/members?q=ozil").status_code == 404


@pytest.mark.smoke
def test_both_databases_fold_every_letter_alike(app, make):
    with make.session() as db:
        letters = FOLD_FROM + "".join(a for a, _b in FOLD_MULTI) + "ABCXYZ e\u0301"
        for letter in letters:
            assert db.scalar(select(func.koers_fold(letter))) == fold(letter), letter


def test_a_sponsor_finds_colleagues_to_invite_and_invites_from_a_filtered_page(app, make, org):
    from datetime import date

    from saas.programme import service
    from tenants.models import Membership

    with make.session(org.id) as db:
        programme = service.create_programme(db, name="Samen", goal="", starts_on=date(2026, 1, 1),
                                             ends_on=date(2026, 12, 31))
        theme = service.save_theme(db, programme, None, title="Klant eerst", problem="", why_it_matters="",
                                   desired_outcome="", pillar="")
        service.set_sponsors(db, theme, [org.people["Jan Jansen"]])
        service.support(db, theme, db.get(Membership, org.people["Pieter de Jong"]))
        theme_id = theme.id
    sponsor = signed_in(app, "person5@lijst.example")
    recruit = f"/t/lijst/themes/{theme_id}/recruit"
    bee = org.legacy_org_ids[1]
    page = sponsor.text(f"{recruit}?legacy_org={bee}&size=1")
    assert "Anne-Marie Jönsson (BEE)" in page and "Zoë" not in page and "1–1 of 2" in page
    assert "Pieter" not in sponsor.text(f"{recruit}?q=pieter")  # supports the theme already
    assert "Jan Jansen (" not in sponsor.text(f"{recruit}?q=jan")  # the sponsor themself
    second = sponsor.text(f"{recruit}?legacy_org={bee}&size=1&page=2")
    assert "Zoë Çelik (BEE)" in second
    response = sponsor.submit(f"{recruit}?legacy_org={bee}&size=1&page=2",
                              {"member_ids": [str(org.people["Zoë Çelik"])], "note": "Doe mee"})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {  # back to the same filtered page
        "legacy_org": [str(bee)], "size": ["1"], "page": ["2"]}
    # someone who supports already, or the sponsor, is no choice even when posted
    refused = sponsor.submit(recruit, {"member_ids": [str(org.people["Pieter de Jong"])], "note": ""})
    assert refused.status_code == 200 and "is not a valid choice" in refused.get_data(as_text=True)
    assert sponsor.get(f"{recruit}?role=superuser").status_code == 400


@pytest.fixture
def log(app, make, org):
    """Readings in the access log of the tenant, by three people at moments around midnight in Amsterdam."""
    from saas.anonymity.models import ReportAccess

    council = make.member(org, "raad@lijst.example", roles=["works_council"], name="Wim Raadslid")
    with make.session(org.id) as db:
        from tenants.models import Membership

        wim = db.get(Membership, council).user
        for number in range(30):
            db.add(ReportAccess(user_id=wim.id, user_name=wim.name, user_email=wim.email, kind="setting",
                                filters={"field": "min_group_size", "from": 5, "to": 6},
                                at=datetime(2026, 12, 1, 12, number, tzinfo=timezone.utc)))
        db.add(ReportAccess(user_name="Els Ölçer", user_email="els@lijst.example", kind="setting",
                            filters={"field": "country", "from": "NL", "to": "BE"},
                            at=datetime(2026, 12, 18, 23, 30, 5, tzinfo=timezone.utc)))  # 19 Dec in Amsterdam
        db.add(ReportAccess(user_name="Tom Test", user_email="tom@lijst.example", kind="consent",
                            filters={"k": 6}, at=datetime(2026, 12, 18, 12, 0, tzinfo=timezone.utc)))
    return org


@pytest.mark.smoke
def test_the_access_log_is_searched_filtered_and_paged(app, log):
    admin = signed_in(app, log.admin_email)
    page = admin.text("/t/lijst/reports/access-log?q=olcer")
    assert "Els Ölçer" in page and "Tom Test" not in page and "Wim" not in page
    assert "Tom Test" in admin.text("/t/lijst/reports/access-log?kind=consent")
    by_role = admin.text("/t/lijst/reports/access-log?role=works_council&size=10")
    assert "Els" not in by_role and "Wim Raadslid" in by_role and "1–10 of 30" in by_role
    assert "page=3" in by_role and "role=works_council" in by_role
    # a day is the tenant's day: 23:30 UTC on the 18th is the 19th in Amsterdam
    day = admin.text("/t/lijst/reports/access-log?since=2026-12-19&until=2026-12-19")
    assert "Els Ölçer" in day and "Tom Test" not in day
    for query in ("since=2026-13-01", "until=2026-12-01&since=2026-12-02", "kind=everything", "role=boss",
                  "page=0", "size=201"):
        assert admin.get(f"/t/lijst/reports/access-log?{query}").status_code == 400, query
        assert admin.get(f"/t/lijst/reports/access-log.csv?{query}").status_code == 400, query


def test_the_access_log_export_holds_the_filtered_rows_in_the_readers_locale_and_the_tenants_zone(app, log):
    admin = signed_in(app, log.admin_email)
    admin.submit("/language", {"language": "nl"}, page="/t/lijst/reports/access-log")
    response = admin.get("/t/lijst/reports/access-log.csv?kind=setting&since=2026-12-19")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Wanneer;Wie;Rapport;Details;Hoe"  # a Dutch Excel reads semicolons
    assert len(lines) == 2 and lines[1].startswith("19 dec 2026, 00:30:05;Els Ölçer (els@lijst.example)")
    everything = admin.get("/t/lijst/reports/access-log.csv?size=5").get_data(as_text=True).splitlines()
    assert len(everything) == 1 + 32  # every entry, not a page
    english = signed_in(app, log.admin_email)
    english.submit("/language", {"language": "en"}, page="/t/lijst/reports/access-log")
    lines = english.get("/t/lijst/reports/access-log.csv?q=els").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "When,Who,Report,Details,How" and lines[1].startswith('"Dec 19, 2026, 12:30:05')
    workbook = load_workbook(BytesIO(english.get("/t/lijst/reports/access-log.xlsx?q=wim&size=5").data))
    rows = list(workbook.active.values)
    assert rows[0] == ("When", "Who", "Report", "Details", "How") and len(rows) == 31
    assert rows[1][0] == datetime(2026, 12, 1, 13, 29)  # 12:29 UTC, a date in Amsterdam time
    assert all("Wim Raadslid" in row[1] for row in rows[1:])


def test_another_tenant_sees_none_of_the_access_log(app, make, log):
    other = make.tenant("ander", "admin@ander.example")
    stranger = signed_in(app, other.admin_email)
    for url in ("/t/ander/reports/access-log?q=els", "/t/ander/reports/access-log"):
        assert "Els" not in stranger.text(url) and "Wim" not in stranger.text(url)
    assert len(stranger.get("/t/ander/reports/access-log.csv").get_data(as_text=True).splitlines()) == 1
    assert len(list(load_workbook(BytesIO(stranger.get("/t/ander/reports/access-log.xlsx").data)).active.values)) == 1
    assert stranger.get("/t/lijst/reports/access-log.csv").status_code == 404
