"""The blog speaks its author's language (DJANGO_LANGUAGE_CODE): pages, forms, mails, 404.

The German pages are checked against the catalog itself: no English text of any of its
entries may show, so a string left unmarked (or marked but untranslated) fails here. The
digests and comments in these tests are written in German, as a German author's would be:
what the author and readers wrote is content, not the site's words.
"""

import html.parser
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from blog.models import Digest, MediaItem
from fediverse.models import Reaction, RemoteActor
from followers.models import Follower
from mentions.models import Mention
from tests import factories
from tests.comment_helpers import post_comment
from tests.follow_helpers import html_part

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
# Words a German page must never show, whatever the catalog says.
KNOWN_ENGLISH = [
    "Leave a reply", "Leave a comment", "Comments", "comments", "Reply", "Subscribe", "Search",
    "Post comment", "Home", "Skip to content", "Archives", "Categories", "Follow", "Email me",
    "Your email address will not be published", "Previous", "Next", "Delete",
    "Edit", "Page not found", "hours", "minutes", "confirm", "digest", "December",
]  # fmt: skip
# English words no German sentence uses: they catch text that was never marked at all.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|or|your|you|this|these|with|is|are|of|to|on|at|by|for|from|has|have|been|not|here|please|our|we)\b"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|<[^>]+>")


class VisibleText(html.parser.HTMLParser):
    """What a reader sees or hears: text outside script and style, the title, and the
    attributes browsers and screen readers show (alt, title, aria-label, placeholder,
    value of buttons, the meta description, our data- labels for scripts)."""

    SHOWN = {"alt", "title", "aria-label", "placeholder"}

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs.items():
            shown = name in self.SHOWN or (
                name.startswith("data-") and name.endswith(("-label", "-prefix", "-many"))
            )
            if value and (shown or (name == "value" and attrs.get("type") == "submit")):
                self.parts.append(value)
        if tag == "meta" and attrs.get("name") == "description":
            self.parts.append(attrs.get("content") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible(page):
    parser = VisibleText()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def catalog(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def english_fragments(language):
    """The English pieces of every catalog entry (placeholders and tags cut out) that are
    not also words of the translation: "Video" is German too, "Leave a reply" is not."""
    entries = catalog(language)
    translated = " ".join(
        " ".join([e.msgstr, *e.msgstr_plural.values()]) for e in entries.translated_entries()
    )
    fragments = set()
    for entry in entries:
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            for piece in PLACEHOLDER.split(msgid):
                piece = piece.strip(" \n.,:;?!*()“”—←→…")
                if len(piece) >= 3 and re.search(r"[A-Za-z]{3}", piece):
                    fragments.add(piece)
    return {f for f in fragments if not re.search(rf"(?<!\w){re.escape(f)}(?!\w)", translated)}


def assert_no_english(text, where):
    text = re.sub(r"https?://\S+", " ", text)  # addresses are not words
    leaks = sorted(
        fragment
        for fragment in english_fragments("de") | set(KNOWN_ENGLISH)
        if re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", text)
    )
    leaks += sorted(set(ENGLISH_WORDS.findall(text)))
    assert not leaks, f"English left in the German {where}: {leaks}\n\n{text}"


@pytest.fixture
def german(settings):
    settings.LANGUAGE_CODE = "de"
    settings.BLOG_TAGLINE = "Die spannendsten Funde der Woche"  # the author's, in German


def german_digest():
    """A digest as a German author writes it: intro, a video, an article with a link,
    comments and a reply; published on 5 December 2017."""
    digest = factories.make_digest(
        "Neues aus der Physik",
        intro="Die spannendsten Artikel und Videos, die ich gefunden habe.",
        published_at=datetime(2017, 12, 5, 9, 30, tzinfo=UTC),
        allow_comments=True,
    )
    category = factories.make_category("Wissenschaft")
    digest.categories.add(category)
    digest.tags.add(factories.make_tag("Physik"))
    factories.make_item(
        digest, title="Die Zeit verstehen", source="Carlo Rovelli im RI", description="Ein Vortrag."
    )
    factories.make_item(
        digest, kind=MediaItem.Kind.ARTICLE, title="Ein Aufsatz", source="Quanta",
        description="Lesenswert.", url="https://example.org/aufsatz", links=1,
    )  # fmt: skip
    digest.media_items.last().links.update(title="Weiterlesen")
    first = factories.make_comment(digest, "Sehr schön!", user_name="Ada Leserin")
    factories.make_comment(digest, "Finde ich auch.", parent=first, user_name="Bernd Leser")
    factories.make_digest(
        "Ein älterer Digest",
        intro="Aus dem Archiv.",
        published_at=datetime(2017, 11, 2, tzinfo=UTC),
    )
    return digest


def test_the_digest_page_in_german_has_no_english_left_and_german_dates(client, german, db):
    digest = german_digest()
    page = client.get(digest.get_absolute_url()).content.decode()
    assert '<html lang="de">' in page
    text = visible(page)
    # The page really is the one with items, comments and the form.
    for shown in ("Die Zeit verstehen", "Ein Aufsatz", "Sehr schön!", "Finde ich auch."):
        assert shown in text
    for german_ui in ("2 Kommentare", "Schreiben Sie einen Kommentar", "Antworten",
                      "Kommentar senden", "Abonnieren", "Zum Inhalt springen"):  # fmt: skip
        assert german_ui in text
    assert "5. Dezember 2017" in text  # the digest's date
    assert "Dezember 2017" in text and "November 2017" in text  # the archive sidebar
    assert re.search(r"Ada Leserin \d{1,2}\. \w+ \d{4} \d\d:\d\d Sehr schön!", text)  # its time
    assert_no_english(text, "digest page")
    # The script's words come from the page too (the Reply button moves the form).
    assert 'data-reply-prefix="Antwort an "' in page
    assert 'data-cancel-label="Antwort abbrechen"' in page


def test_the_home_page_and_the_comment_form_with_errors_in_german(client, german, db):
    digest = german_digest()
    text = visible(client.get("/").content.decode())
    assert "Neues aus der Physik" in text and "2 Kommentare" in text
    assert_no_english(text, "home page")

    # A guest's form sent with mistakes comes back with German messages, ours and Django's.
    response = post_comment(client, digest, name="", email="kein-at", comment="x" * 10_001)
    assert response.status_code == 400
    text = visible(response.content.decode())
    assert "Ein Kommentar darf höchstens 10.000 Zeichen lang sein; Ihre Eingabe hat 10001." in text
    assert "Dieses Feld ist zwingend erforderlich." in text  # Django's own catalog
    assert "Bitte korrigieren Sie die markierten Felder." in text
    assert_no_english(text, "comment form")


def test_the_404_page_in_german(client, german, db):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="de">' in page
    text = visible(page)
    assert "Seite nicht gefunden" in text
    assert_no_english(text, "404 page")


def test_the_other_reader_pages_and_the_comments_feed_in_german(client, german, db):
    digest = german_digest()
    category, tag = digest.categories.get(), digest.tags.get()
    for url in (
        "/", "/2017/", "/2017/12/", category.get_absolute_url(), tag.get_absolute_url(),
        "/search/?q=Physik", "/search/?q=Unsinnswort", "/search/", "/follow/",
        "/comments/confirm/kaputt/", "/follow/confirm/kaputt/", "/comments/feed/",
    ):  # fmt: skip
        response = client.get(url)
        assert response.status_code in (200, 400), url
        text = visible(response.content.decode())
        assert_no_english(text, url)
    assert "Ergebnisse für „Physik“" in visible(client.get("/search/?q=Physik").content.decode())
    assert "Archiv: Dezember 2017" in visible(client.get("/2017/12/").content.decode())
    assert b"<language>de</language>" in client.get("/feed/").content


def test_the_admin_we_wrote_speaks_german(client, german, editor):
    digest = german_digest()
    factories.make_comment(digest, "Bitte prüfen.", user_name="Emil", state="held")
    client.force_login(editor)
    comments = visible(client.get("/admin/comments/digestcomment/").content.decode())
    for shown in ("Zurückgehalten (1)", "Ausgewählte Kommentare freigeben", "Verfasser",
                  "Wartet auf Freigabe"):  # fmt: skip
        assert shown in comments
    digests = visible(client.get("/admin/blog/digest/").content.decode())
    assert "Mir eine Test-Mail der ausgewählten Digests senden" in digests
    assert "Veröffentlicht" in digests and "Ansehen" in digests


def test_the_editors_new_tools_speak_german(client, german, editor, settings):
    """The digest form (its fields, autosave, live preview, composer), its history, the link
    inbox and the names of the webmention and fediverse models in the admin's index."""
    settings.FEDIVERSE_ENABLED = True
    digest = german_digest()
    client.force_login(editor)
    form = visible(client.get(f"/admin/blog/digest/{digest.pk}/change/").content.decode())
    for shown in ("Live-Vorschau zeigen", "Eintrag aus einem Link hinzufügen", "Titelbild",
                  "Neuer Digest nach diesem Vorbild", "Kommentare erlauben", "Bildunterschrift",
                  "Überleitung zu den Links", "Oder aus der Mediathek wählen"):  # fmt: skip
        assert shown in form
    for english in ("Show live preview", "Allow comments", "Caption", "Published at", "Link inbox"):
        assert english not in form
    history = visible(client.get(f"/admin/blog/digest/{digest.pk}/history/").content.decode())
    assert "Jedes Speichern bewahrt eine Version." in history
    inbox = visible(client.get("/admin/composer/savedlink/").content.decode())
    assert "Link-Eingang" in inbox and "Zum nächsten Digest hinzufügen" in inbox
    index = visible(client.get("/admin/").content.decode())
    for shown in ("Empfangene Webmentions", "Follower im Fediverse", "Reaktionen", "Sperrliste",
                  "Kommentare", "Gespeicherte Links", "Zusammenstellen"):  # fmt: skip
        assert shown in index
    assert "Fediverses" not in index and "Kommentars" not in index


def test_mentions_fediverse_reactions_and_the_embed_card_in_german(client, german, settings, db):
    settings.FEDIVERSE_ENABLED = True
    digest = german_digest()
    when = datetime(2017, 12, 6, 8, tzinfo=UTC)
    Mention.objects.create(
        digest=digest, source="https://clara.example/woche", target=digest.get_absolute_url(),
        state=Mention.State.PUBLIC, kind=Mention.Kind.REPOST, title="Meine Woche",
        author_name="Clara Bloggerin", author_url="https://clara.example/", received_at=when,
    )  # fmt: skip
    Mention.objects.create(
        digest=digest, source="https://dora.example/merkliste", target=digest.get_absolute_url(),
        state=Mention.State.PUBLIC, kind=Mention.Kind.BOOKMARK, title="Merkliste",
        author_name="Dora", excerpt="Zum Nachlesen.", received_at=when,
    )  # fmt: skip
    for n, kind in enumerate(("Like", "Like", "Announce")):
        actor = RemoteActor.objects.create(
            uri=f"https://social.example/users/u{n}", key_id=f"https://social.example/users/u{n}#k",
            public_key_pem="-", inbox=f"https://social.example/users/u{n}/inbox",
        )  # fmt: skip
        Reaction.objects.create(
            digest=digest, actor=actor, kind=kind, uri=f"https://social.example/a/{n}"
        )
    text = visible(client.get(digest.get_absolute_url()).content.decode())
    for shown in (
        "Erwähnungen",
        "Meine Woche von Clara Bloggerin · Geteilt · 6. Dezember 2017",
        "Merkliste von Dora · Lesezeichen",
        "Aus dem Fediverse: 2 Likes, 1-mal geteilt.",
    ):
        assert shown in text
    assert_no_english(text, "digest page with mentions and reactions")

    # The oEmbed card other sites frame: its date and its link to every item.
    for n in range(4):
        factories.make_item(digest, title=f"Noch ein Video {n}", description="Kurz.")
    card = client.get(reverse("blog:digest-card", kwargs=digest.permalink_kwargs()))
    text = visible(card.content.decode())
    assert "5. Dezember 2017" in text and "Alle 6 Einträge" in text
    assert_no_english(text, "embed card")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_reply_script_speaks_german(german, page, live_server):
    digest = german_digest()
    page.goto(live_server.url + digest.get_absolute_url())
    page.get_by_role("link", name="Antwort an Ada Leserin").click()
    title = page.locator("#reply-title")
    assert " ".join(title.inner_text().split()) == "Antwort an Ada Leserin Antwort abbrechen"
    title.get_by_role("link", name="Antwort abbrechen").click()
    assert title.inner_text() == "Schreiben Sie einen Kommentar"


@pytest.mark.django_db(transaction=True)
def test_the_confirmation_mail_and_a_digest_mail_in_german(client, german, sent_mail):
    digest = german_digest()
    response = post_comment(
        client, digest, name="Clara Gast", email="clara@example.com", comment="Danke dafür!"
    )
    assert response.status_code == 302
    # The message after posting, on the page the reader comes back to.
    text = visible(client.get(response["Location"]).content.decode())
    assert "Fast geschafft: Wir senden gleich einen Link an clara@example.com." in text
    [mail] = sent_mail()
    assert mail.subject == "Bestätigen Sie Ihren Kommentar zu „Neues aus der Physik“"
    assert mail.body.startswith("Hallo Clara Gast,")
    assert "innerhalb von 72 Stunden" in mail.body
    assert_no_english(mail.subject + " " + mail.body, "confirmation mail")

    # A digest going public: rendered by the worker (followers.tasks), text and HTML.
    Follower.objects.create(email="dora@example.com", state=Follower.State.CONFIRMED)
    published = Digest.objects.create(  # an editor's save: the date is now
        title="Frische Funde", slug="frische-funde", status=Digest.Status.PUBLISHED,
        intro="Was diese Woche auffiel.",
    )  # fmt: skip
    factories.make_item(
        published, title="Ein Video über Sterne", source="ESO", description="Sehenswert."
    )
    mails = [m for m in sent_mail() if m.to == ["dora@example.com"]]
    [digest_mail] = mails
    assert digest_mail.subject == "Frische Funde"
    html = html_part(digest_mail)
    assert '<html lang="de">' in html
    for part, text in (("text", digest_mail.body), ("HTML", visible(html))):
        assert "Ein Video über Sterne" in text and "abbestellen" in text.lower()
        assert_no_english(text, f"digest mail ({part})")


def test_french_smoke(client, settings, db):
    settings.LANGUAGE_CODE = "fr"
    digest = german_digest()
    page = client.get(digest.get_absolute_url()).content.decode()
    assert '<html lang="fr">' in page
    text = visible(page)
    for french in ("Laisser une réponse", "2 commentaires", "Répondre", "Publier le commentaire",
                   "5 décembre 2017", "Aller au contenu", "S’abonner"):  # fmt: skip
        assert french in text
    assert "Leave a reply" not in text and "December" not in text
    assert "Page introuvable" in visible(client.get("/nulle-part/").content.decode())


def test_english_stays_the_default(client, db):
    assert django_settings.LANGUAGE_CODE == "en"
    digest = german_digest()
    page = client.get(digest.get_absolute_url()).content.decode()
    assert '<html lang="en">' in page
    assert "Leave a reply" in page and "December 5, 2017" in page


@pytest.mark.parametrize("po", CATALOGS, ids=lambda path: path.parts[-3])
def test_every_catalog_entry_is_translated_and_compiled(po):
    entries = polib.pofile(str(po))
    assert {path.parts[-3] for path in CATALOGS} >= {"de", "fr"}
    assert not entries.metadata_is_fuzzy, "the header is fuzzy: msgfmt would drop its plural rule"
    assert entries.metadata["Language"] == po.parts[-3]
    assert "nplurals=2" in entries.metadata["Plural-Forms"]
    untranslated = [e.msgid for e in entries.untranslated_entries()]
    fuzzy = [e.msgid for e in entries.fuzzy_entries()]
    assert not untranslated, f"untranslated in {po} (translate them, then `make messages`)"
    assert not fuzzy, f"fuzzy in {po}: check each translation and drop the flag"
    assert not entries.obsolete_entries()
    # The committed .mo is the .po compiled: every translation there, the same.
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.mofile(str(po.with_suffix(".mo")))
        if e.msgid
    }
    source = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in entries}
    assert compiled == source, f"{po.with_suffix('.mo')} is stale: run `make messages`"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext (.ci/run installs it)")
def test_every_marked_string_is_in_the_catalogs(tmp_path):
    """`make messages` on a copy of the sources adds nothing: a string marked without
    running it (and translating what it adds) fails here, before it ships in English."""
    copy = tmp_path / "src"
    skipped = {".git", ".venv", "staticfiles", "node_modules", "tests", "tools", "media"}
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite3")
    for source in ROOT.iterdir():
        if source.name in skipped or source.name.startswith("."):
            continue
        if source.is_dir():
            shutil.copytree(source, copy / source.name, ignore=ignore)
        elif source.suffix in {".py", ".html", ".txt"}:
            shutil.copy(source, copy / source.name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "--no-obsolete",
         "--add-location", "file"],
        cwd=copy, check=True, capture_output=True,
    )  # fmt: skip
    regenerated = polib.pofile(str(copy / "locale/de/LC_MESSAGES/django.po"))
    new = [e.msgid for e in regenerated.untranslated_entries()]
    assert not new, f"marked but not in locale/: {new} (run `make messages`, translate)"
    keys = lambda entries: {(e.msgctxt, e.msgid) for e in entries}  # noqa: E731
    assert keys(regenerated) == keys(catalog("de"))
