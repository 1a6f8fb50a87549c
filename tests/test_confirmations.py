"""One click never destroys anything: a button that removes, deletes or revokes goes through
`press_confirmed` (saas/kernel/views.py), whose confirmation page says what will happen. This reads the source."""
import re

from saas.kernel.config import ROOT


DESTRUCTIVE = re.compile(r'(?<![_\w])press\(\s*"(remove|delete|revoke)"')


def test_every_button_that_removes_deletes_or_revokes_asks_first():
    one_click = []
    for folder in ("saas", "billing", "tenants"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            if DESTRUCTIVE.search(path.read_text(encoding="utf-8")):
                one_click.append(name)
    assert one_click == [], "use press_confirmed for a button that destroys something"
