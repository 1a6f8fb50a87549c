"""Notifications are put into words when they are read, in the reader's language (issue 17, defect 12):
not stored in the language of the sender's request or of the reader at sending. A Dutch sender's
action reaches an English reader in English, and the other way round; a reader who switches language
reads the same notification in the new one."""
from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from sqlalchemy import select, update

from saas.auth.models import User
from saas.kernel.notifications import Notification
from saas.pitches.notices import PITCH_DECIDED
from saas.programme.notices import NEW_SUPPORTER
from saas.strategy.knowledge_day import WORKSHOP_PLACE
from tenants.models import Membership
from tests.test_programme import _client, _programme_with_theme, org  # noqa: F401  (the fixture)

INBOX = "/t/oost/notifications"


def _locale(make, email: str, locale: str) -> None:
    with make.session() as db:
        db.execute(update(User).where(User.email == email).values(locale=locale))


def _support(app, make, sender: str, theme_id: int) -> None:
    client = _client(app, sender)
    client.submit(f"/t/oost/themes/{theme_id}/support", {"motivation": ""}, page=f"/t/oost/themes/{theme_id}")


def test_a_dutch_senders_action_reads_in_english_for_an_english_reader_and_in_dutch_after_switching(app, make, org):  # noqa: F811
    _programme_id, theme_id = _programme_with_theme(make, org)
    _locale(make, "m1@oost.example", "nl")
    _locale(make, "sponsor@oost.example", "en")
    _support(app, make, "m1@oost.example", theme_id)
    sponsor = _client(app, "sponsor@oost.example")
    page = sponsor.text(INBOX)
    assert "Member 1 supports Client first" in page and "Member 1 now supports your theme" in page
    assert "steunt" not in page
    sponsor.submit("/language", {"language": "nl"}, page=INBOX)
    page = sponsor.text(INBOX)
    assert "Member 1 steunt Client first" in page and "supports" not in page
    with make.session(org.id) as db:
        [stored] = db.scalars(select(Notification).where(Notification.kind == "new_supporter")).all()
        assert (stored.message, stored.params) == ("new_supporter", {"name": "Member 1", "theme": "Client first"})


def test_an_english_senders_action_reads_in_dutch_for_a_reader_who_reads_dutch(app, make, org):  # noqa: F811
    _programme_id, theme_id = _programme_with_theme(make, org)
    _locale(make, "m2@oost.example", "en")
    _locale(make, "sponsor@oost.example", "en")  # at sending; the mail copy goes out in English
    _support(app, make, "m2@oost.example", theme_id)
    assert any("Member 2 supports" in mail.subject for mail in make.mails_to("sponsor@oost.example"))
    sponsor = _client(app, "sponsor@oost.example")
    sponsor.submit("/language", {"language": "nl"}, page=INBOX)
    page = sponsor.text(INBOX)
    assert "Member 2 steunt Client first" in page and "supports" not in page


def test_words_and_days_in_a_notification_follow_the_reader(app):
    params = {"title": "Snel antwoord", "decision": "approved_with_conditions"}
    with app.test_request_context():
        with force_locale("en"):
            assert PITCH_DECIDED.worded(params)[0] == "Decision on your pitch: Approved with conditions"
        with force_locale("nl"):
            subject = PITCH_DECIDED.worded(params)[0]
            assert "Approved" not in subject and subject.startswith("Besluit")
        place = {"title": "Klantgesprek", "date": {"day": date(2027, 3, 18).isoformat()}, "start": "09:30",
                 "end": "11:00"}
        with force_locale("en"):
            assert "March 18, 2027" in WORKSHOP_PLACE.worded(place)[1]
        with force_locale("nl"):
            assert "18 maart 2027" in WORKSHOP_PLACE.worded(place)[1]


def test_a_notification_from_before_the_message_keys_still_shows_its_text(app, make, org):  # noqa: F811
    with make.session(org.id) as db:
        sponsor = db.scalar(select(Membership).where(Membership.user.has(email="sponsor@oost.example")))
        db.add(Notification(membership_id=sponsor.id, kind="new_supporter", stored_subject="Oude melding",
                            stored_body="Zoals hij toen is opgeslagen.", link="/t/oost/"))
        db.commit()
    page = _client(app, "sponsor@oost.example").text(INBOX)
    assert "Oude melding" in page and "Zoals hij toen is opgeslagen." in page
    assert NEW_SUPPORTER.key == "new_supporter"
