"""A house style: a primary colour and a logo, a tenant's own or a consultancy's for its clients' pages.

The colour becomes design tokens (the NL Design System's names, overriding saas/static/koers-theme.css),
served as a small stylesheet (the CSP allows no inline style); only colours that keep WCAG AA contrast
with white text are accepted. A logo is a PNG or JPEG (checked by its content and decoded, never SVG:
an image that can hold script is not taken), at most LOGO_MAX_BYTES, shown only through <img>.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_decimal, lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.errors import DomainError
from saas.kernel.files import JPEG, PNG, sniff_content_type

AA_TEXT = 4.5  # WCAG 2.1 AA, normal text (1.4.3)
LOGO_MAX_BYTES = 200 * 1024
LOGO_MAX_PIXELS = 2000  # per side
WHITE = "#ffffff"
CANVAS = "#f3f5f7"  # the darkest light background a link stands on (table headers: --koers-color-canvas)
_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


class HouseStyle:
    """The columns of a house style (mixed into Tenant and into a consultancy's BillingAccount)."""

    brand_colour: Mapped[str | None] = mapped_column(String(7))
    brand_logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # loaded only when served
    brand_logo_type: Mapped[str | None] = mapped_column(String(20))
    brand_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BadColour(DomainError):
    default_message = _l("Enter a colour as a hexadecimal code, such as #0B5A7A.")


class LowContrast(DomainError):
    default_message = _l("White text on this colour is too hard to read.")


class BadLogo(DomainError):
    default_message = _l("The logo must be a PNG or JPEG image.")


def parse_colour(text: str) -> str:
    """'#0B5A7A', '0b5a7a' or '#09c' as '#0b5a7a'; BadColour otherwise."""
    match = _HEX.fullmatch((text or "").strip())
    if not match:
        raise BadColour(field="colour")
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two '#rrggbb' colours (1 to 21)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def primary_colour(text: str) -> str:
    """A primary colour a tenant may choose: white text on it (buttons, the navigation bar) and it as
    text on Koers's light backgrounds (links on white and on the canvas grey) must reach AA."""
    colour = parse_colour(text)
    ratio = min(contrast_ratio(colour, WHITE), contrast_ratio(colour, CANVAS))
    if ratio < AA_TEXT:
        raise LowContrast(_l("%(colour)s is too light: white text on it, or links in it on Koers's light "
                             "backgrounds, have a contrast of %(ratio)s to 1; at least 4.5 to 1 is needed (WCAG AA). "
                             "Choose a darker colour.", colour=colour.upper(),
                             ratio=format_decimal(int(ratio * 10) / 10, format="0.0")), field="colour")
    return colour


def _mix(colour: str, other: str, amount: float) -> str:
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b))


def logo(data: bytes) -> str:
    """The content type of an acceptable logo (PNG or JPEG, decodable, not too large); BadLogo otherwise."""
    if len(data) > LOGO_MAX_BYTES:
        raise BadLogo(_l("The logo may be at most %(size)s kB.", size=LOGO_MAX_BYTES // 1024), field="logo")
    kind = sniff_content_type(data)
    if kind not in (PNG, JPEG):
        raise BadLogo(field="logo")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise BadLogo(_l("The logo could not be read as an image."), field="logo") from None
    if width > LOGO_MAX_PIXELS or height > LOGO_MAX_PIXELS:
        raise BadLogo(_l("The logo may be at most %(pixels)s pixels wide and high.", pixels=LOGO_MAX_PIXELS),
                      field="logo")
    return kind


@dataclass(frozen=True)
class Brand:
    """The house style a page shows: whose it is ('tenant' or 'consultancy'), its colour and logo."""

    source: str
    colour: str | None
    has_logo: bool
    changed_at: datetime | None

    @property
    def version(self) -> str:
        """Changes whenever the style does: in the stylesheet's and logo's URLs, and their ETag."""
        key = f"{self.source}|{self.colour}|{self.has_logo}|{self.changed_at.isoformat() if self.changed_at else ''}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]


def of(owner, source: str) -> Brand | None:
    """The brand held by a tenant or consultancy account, or None when it has none."""
    if owner is None or not (owner.brand_colour or owner.brand_logo_type):
        return None
    return Brand(source=source, colour=owner.brand_colour, has_logo=bool(owner.brand_logo_type),
                 changed_at=owner.brand_changed_at)


def uploaded_logo(upload) -> bytes | None:
    """An upload's bytes, read no further than one byte beyond what a logo may be (`logo` then says no)."""
    if not upload or not getattr(upload, "filename", ""):
        return None
    return upload.read(LOGO_MAX_BYTES + 1) or None


def set_style(owner, *, colour: str | None, logo_data: bytes | None, remove_logo: bool, now: datetime) -> None:
    """Apply a house style to its owner (a tenant or a consultancy account): an empty colour is Koers's own,
    no file keeps the logo. Refusals (BadColour, LowContrast, BadLogo) name their field; nothing that did
    not change is written (its version, in the stylesheet's URL, stays)."""
    new_colour = primary_colour(colour) if colour and colour.strip() else None
    new_type = logo(logo_data) if logo_data and not remove_logo else None
    changed = new_colour != owner.brand_colour or new_type is not None or (remove_logo and owner.brand_logo_type)
    if not changed:
        return
    owner.brand_colour = new_colour
    if remove_logo:
        owner.brand_logo, owner.brand_logo_type = None, None
    elif new_type:
        owner.brand_logo, owner.brand_logo_type = logo_data, new_type
    owner.brand_changed_at = now


def token_css(brand: Brand) -> str:
    """The stylesheet of a house style: token overrides only (on :root, loaded after the theme)."""
    if not brand.colour:
        return "/* no colours of its own: Koers's theme */\n"
    primary = brand.colour
    hover, active, tint = _mix(primary, "#000000", .2), _mix(primary, "#000000", .35), _mix(primary, WHITE, .88)
    tokens = {
        "--koers-color-primary": primary,
        "--koers-color-primary-hover": hover,
        "--koers-color-primary-active": active,
        "--koers-color-primary-ink": WHITE,
        "--koers-color-primary-tint": tint,
        "--utrecht-button-primary-action-background-color": primary,
        "--utrecht-button-primary-action-border-color": primary,
        "--utrecht-button-primary-action-hover-background-color": hover,
        "--utrecht-button-primary-action-active-background-color": active,
        "--utrecht-button-secondary-action-color": primary,
        "--utrecht-button-secondary-action-border-color": primary,
        "--utrecht-link-color": primary,
        "--utrecht-link-visited-color": primary,
        "--utrecht-link-hover-color": hover,
        "--utrecht-nav-bar-background-color": primary,
        "--utrecht-page-footer-background-color": primary,
        "--utrecht-alert-info-border-color": primary,
        "--utrecht-badge-counter-color": primary,
    }
    body = "\n".join(f"  {name}: {value};" for name, value in tokens.items())
    return f"/* a house style ({brand.source}): WCAG AA checked when it was saved */\n:root {{\n{body}\n}}\n"
