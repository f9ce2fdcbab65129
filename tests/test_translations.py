"""The translation catalogue: every message in code and templates is in it and translated,
and a page asked for with ?lang=en comes out in English.

The msgids are the Chinese texts themselves; ``core/translations/en/LC_MESSAGES/messages.po``
holds the English. ``make translations`` re-extracts them (babel.cfg) and merges new ones in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.paths import PROJECT_ROOT, TRANSLATIONS_DIR

EN_PO = TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po"
#: The same keywords as the Makefile's `translations` target (Babel's defaults plus the lazy ones).
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")
#: Chinese that English messages quote on purpose: what people type into a cell or a field
#: (the list separator 、, the Excel yes/no words 是/否).
KEPT_IN_CHINESE = "[、是否]"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory):
    """The messages the code and templates use right now, extracted as `make translations` does."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(PROJECT_ROOT / "babel.cfg"),
            *KEYWORDS,
            "-o",
            str(pot),
            str(PROJECT_ROOT),
        ]
    )
    catalog = _read(pot)
    assert len(catalog) > 100, "extraction found next to nothing: is babel.cfg right?"
    return catalog


@pytest.fixture(scope="module")
def english():
    return _read(EN_PO)


def test_every_message_in_code_and_templates_has_an_english_translation(extracted, english):
    missing, untranslated = [], []
    for message in extracted:
        if not message.id:
            continue
        entry = english.get(message.id)
        if entry is None:
            missing.append(message)
        elif not entry.string or "fuzzy" in entry.flags:
            untranslated.append(message)

    def where(message) -> str:
        places = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        return f"  {message.id!r}  ({places})"

    problems = []
    if missing:
        problems.append("not in the catalogue (run `make translations`, then translate):")
        problems += [where(m) for m in missing]
    if untranslated:
        problems.append("in the catalogue but without an English translation (or fuzzy):")
        problems += [where(m) for m in untranslated]
    assert not problems, "\n".join(problems)


def test_translations_keep_every_placeholder(english):
    wrong = []
    for message in english:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = sorted(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if sorted(PLACEHOLDER.findall(string)) != wanted:
                wrong.append(f"  {message.id!r} → {string!r}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_english_catalogue_is_english(english):
    still_chinese = [
        f"  {m.id!r} → {m.string!r}"
        for m in english
        if m.id and m.string and CJK.search(re.sub(KEPT_IN_CHINESE, "", m.string))
    ]
    assert not still_chinese, "English entries with Chinese text:\n" + "\n".join(still_chinese)


# --- pages in English ------------------------------------------------------------------------------


@pytest.fixture
def app_config(tmp_path) -> dict:
    """Compile the catalogue in git into a temporary folder: the test reads the .po, not an .mo
    that set-up may not have rebuilt yet."""
    folder = tmp_path / "translations" / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, _read(EN_PO))
    return {"BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations")}


@pytest.fixture
def fresh_locale(app):
    """Requests from the test client share the fixture's application context, where Flask-Babel
    caches the locale; a served request has a context of its own. Forget the cached one."""
    from flask_babel import refresh

    return refresh


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_login_page_in_english(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    text = _text(page)
    assert '<html lang="en">' in page
    assert "Log in" in text and "Username" in text and "Password" in text
    assert "Party Branch Standardization Platform" in text
    # Nothing left in Chinese but the link back to Chinese itself.
    assert not CJK.search(text.replace("中文", "")), text


def test_language_choice_sticks_and_chinese_comes_back(client, fresh_locale):
    client.get("/login?lang=en")
    fresh_locale()
    assert "Log in" in client.get("/login").get_data(as_text=True)
    fresh_locale()
    page = client.get("/login?lang=zh").get_data(as_text=True)
    assert "用户名" in page and "Username" not in page


def test_login_error_and_error_pages_in_english(
    client, make_user, make_tenant, login, fresh_locale
):
    response = client.post("/login?lang=en", data={"username": "nobody", "password": "wrong"})
    assert "Wrong username or password" in response.get_data(as_text=True)
    own_unit, other_unit = make_tenant("unit-a"), make_tenant("unit-b")
    login(make_user("unit_admin", own_unit))
    fresh_locale()
    # Another unit answers like a missing one (404): its slug cannot be told apart.
    response = client.get(f"/units/{other_unit.slug}?lang=en")
    assert response.status_code == 404
    text = _text(response.get_data(as_text=True))
    assert "The page does not exist." in text
    assert "Back to the home page" in text
    response = client.get("/host/units?lang=en")
    assert response.status_code == 403
    assert "You do not have permission to view this page." in _text(response.get_data(as_text=True))
