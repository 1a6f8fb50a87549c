"""Text messages (SMS): mobile numbers as people type them, and a provider's HTTP API to send through.

Dutch providers (CM.com, MessageBird/Bird, Spryng) take a message as a JSON POST with an API key; Koers
speaks the common shape of them to the URL in SMS_PROVIDER_URL (README, Configuration):

    POST <SMS_PROVIDER_URL>
    Authorization: Bearer <SMS_API_KEY>
    Idempotency-Key: <reference>
    {"originator": "<SMS_SENDER>", "recipients": ["+31612345678"], "body": "…", "reference": "<reference>"}

A 2xx answer means the provider has the message. A 4xx other than 408 and 429 refuses this message for good
(a number the provider does not serve, a text it will not take): `SmsRefused`, not worth retrying. Anything
else (no connection, a timeout, 5xx, 408, 429) is `SmsUnavailable`: the job that sent it tries again later.
The reference is made from our own ids, so a provider that honours it drops a second copy of a message whose
first answer was lost. With no SMS_PROVIDER_URL or SMS_API_KEY, SMS is off (`Settings.sms_enabled`).

Numbers are read with Google's libphonenumber (phonenumbers): Dutch numbers as people write them (06-1234
5678, 0031 6…, +31 6…) and international ones with their country code; only mobile numbers are taken, kept
in E.164 (+31612345678), and shown back masked (`mask`).
"""
from __future__ import annotations

import re

import phonenumbers
import requests

from saas.kernel.logredact import redact

DEFAULT_REGION = "NL"  # a number without a country code is Dutch (06…)
MOBILE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
TIMEOUT = (5, 20)  # seconds to connect, to wait for the answer


class SmsUnavailable(OSError):
    """The provider could not be reached or asked us to come back later: try again."""


class SmsRefused(ValueError):
    """The provider refused this message for good (its answer says why): retrying will not help."""


# ---- numbers ----------------------------------------------------------------------------------

def mobile_number(text: str) -> str | None:
    """`text` as an E.164 mobile number (+31612345678), or None when it is not a valid mobile number."""
    text = (text or "").strip()
    if not text or len(text) > 30:
        return None
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in MOBILE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(number: str) -> str:
    """An E.164 number as it may be shown after it was entered: its country code and last two digits."""
    if not number:
        return ""
    try:
        country = str(phonenumbers.parse(number, None).country_code)
    except phonenumbers.NumberParseException:
        country = ""
    hidden = max(len(number) - 1 - len(country) - 2, 0)
    return f"+{country} {'•' * hidden}{number[-2:]}" if country else "•" * max(len(number) - 2, 0) + number[-2:]


# ---- sending ----------------------------------------------------------------------------------

def send(settings, number: str, text: str, *, reference: str) -> str:
    """Hand one message to the provider; returns the provider's id for it (may be empty).

    Raises SmsUnavailable (try later) or SmsRefused (never mind). Only the number and the text leave."""
    if not settings.sms_enabled:
        raise SmsUnavailable("SMS is off: SMS_PROVIDER_URL and SMS_API_KEY are not set")
    try:
        answer = requests.post(
            settings.sms_provider_url,
            json={"originator": settings.sms_sender, "recipients": [number], "body": text, "reference": reference},
            headers={"Authorization": f"Bearer {settings.sms_api_key}", "Idempotency-Key": reference,
                     "Accept": "application/json"},
            timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        raise SmsUnavailable(f"the SMS provider could not be reached: {type(error).__name__}") from None
    if 200 <= answer.status_code < 300:
        try:
            body = answer.json()
        except ValueError:
            body = {}
        return str(body.get("id", "") if isinstance(body, dict) else "")[:100]
    # What the provider says goes into job records and logs: never the link or the number it may echo back.
    said = re.sub(r"\+?\d[\d ()-]{5,}\d", "…", redact(answer.text[:300]))[:200]
    reason = f"the SMS provider answered {answer.status_code}: {said}"
    if answer.status_code in (408, 429) or answer.status_code >= 500 or answer.status_code < 400:
        raise SmsUnavailable(reason)
    raise SmsRefused(reason)
