"""Where a link's description comes from: oEmbed for videos, arXiv and DOI metadata for
papers. Every request goes through blog.fetch (the one guarded fetcher); micawber parses
the oEmbed answer but never fetches by itself, and XML is read with defusedxml.
"""

import functools
import json
from urllib.parse import quote, urlsplit

from defusedxml import ElementTree
from django.conf import settings
from django.utils.translation import gettext as _

from blog import fetch
from blog.embeds import parse_video

ATOM = "{http://www.w3.org/2005/Atom}"
CSL_JSON = "application/vnd.citationstyles.csl+json"
DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}


class SourceError(Exception):
    """Why a link could not be described, in words for the editor."""


def get(url, *, accept, max_bytes=None):
    """The body at url through blog.fetch; SourceError if it cannot be had."""
    try:
        answer = fetch.get(
            url, max_bytes=max_bytes or settings.COMPOSER_MAX_PAGE_BYTES, accept=accept
        )
        return answer.raise_for_status()
    except fetch.FetchError as exc:
        raise SourceError(str(exc)) from exc


@functools.cache
def guarded_provider():
    """micawber's oEmbed provider class, fetching through blog.fetch instead of urllib.
    micawber (and what it brings) is loaded at the first unfurl, not in every worker."""
    from micawber.providers import Provider

    class GuardedProvider(Provider):
        def fetch(self, url):
            answer = get(url, accept="application/json")
            return answer.body.decode("utf-8", "replace")

    return GuardedProvider


def oembed(url):
    """micawber's reading of the video host's oEmbed answer for url, or None if not a video."""
    video = parse_video(url)
    if video is None:
        return None
    from micawber.exceptions import ProviderException

    provider = guarded_provider()(settings.COMPOSER_OEMBED_ENDPOINTS[video.provider])
    try:
        return video, provider.request(video.watch_url)
    except ProviderException as exc:
        raise SourceError(
            _("%(host)s's description of the video could not be read (%(reason)s)")
            % {"host": video.provider_name, "reason": exc}
        ) from exc


def arxiv_id(url):
    """The arXiv identifier in an abs/ or pdf/ address, or None."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if (parts.hostname or "").lower() not in ARXIV_HOSTS or len(segments) < 2:
        return None
    if segments[0] not in {"abs", "pdf"}:
        return None
    return "/".join(segments[1:]).removesuffix(".pdf") or None


def arxiv(identifier):
    """{"title", "authors", "abstract"} from arXiv's API (an Atom feed)."""
    address = f"{settings.COMPOSER_ARXIV_API}?id_list={quote(identifier, safe='')}"
    body = get(address, accept="application/atom+xml").body
    try:
        entry = ElementTree.fromstring(body).find(f"{ATOM}entry")
    except ElementTree.ParseError as exc:
        raise SourceError(_("arXiv's answer could not be read")) from exc
    if entry is None or not (entry.findtext(f"{ATOM}title") or "").strip():
        raise SourceError(_("arXiv knows no paper %(id)s") % {"id": identifier})
    return {
        "title": entry.findtext(f"{ATOM}title"),
        "authors": [a.findtext(f"{ATOM}name") or "" for a in entry.findall(f"{ATOM}author")],
        "abstract": entry.findtext(f"{ATOM}summary") or "",
    }


def doi_of(url):
    """The DOI in a doi.org address, or None."""
    parts = urlsplit(url)
    doi = parts.path.lstrip("/")
    if (parts.hostname or "").lower() in DOI_HOSTS and doi.startswith("10."):
        return doi
    return None


def doi(identifier):
    """{"title", "authors", "abstract"} from the DOI's registration agency (CSL JSON)."""
    body = get(f"{settings.COMPOSER_DOI_API}{quote(identifier, safe='/')}", accept=CSL_JSON).body
    try:
        record = json.loads(body)
    except ValueError as exc:
        raise SourceError(_("The DOI's record could not be read")) from exc
    if not isinstance(record, dict):
        raise SourceError(_("The DOI's record could not be read"))
    title = record.get("title")
    title = title[0] if isinstance(title, list) and title else title
    authors = []
    for author in record.get("author") or []:
        if isinstance(author, dict):
            name = author.get("literal") or " ".join(
                str(author.get(part) or "") for part in ("given", "family")
            )
            authors.append(name)
    return {"title": title, "authors": authors, "abstract": record.get("abstract") or ""}
