"""Submit a page's form as a browser would: every successful control with its shown value."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient

_TEXT_LIKE = {"text", "number", "email", "tel", "hidden", "search", "date", "url", "password"}


class _Forms(HTMLParser):
    """The forms of a page, each with the (name, value) pairs a browser would send."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._select: dict[str, Any] | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: list[Any] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: ("" if v is None else v) for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action") or None,
                    "method": a.get("method", "get"),
                    "pairs": [],
                    "names": set(),
                }
            )
            return
        if not self.forms or "disabled" in a:
            return
        if tag in {"input", "select", "textarea"} and a.get("name"):
            self.forms[-1]["names"].add(a["name"])
        pairs = self.forms[-1]["pairs"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in _TEXT_LIKE:
                pairs.append((a["name"], a.get("value", "")))
            elif kind in {"checkbox", "radio"} and "checked" in a:
                pairs.append((a["name"], a.get("value", "on")))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "options": [], "chosen": None}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._select is not None and self._option is not None:
            option = self._option
            value = option["value"] if option["value"] is not None else option["text"].strip()
            self._select["options"].append(value)
            if option["selected"]:
                self._select["chosen"] = value
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["chosen"]
            if chosen is None and self._select["options"]:
                chosen = self._select["options"][0]
            if chosen is not None:
                self.forms[-1]["pairs"].append((self._select["name"], chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # A browser drops the one line break that may follow <textarea>.
            self.forms[-1]["pairs"].append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def page_form(html: str) -> dict[str, Any]:
    """The page's own form (posting back to the page): its pairs and all its field names."""
    forms = [f for f in _Forms(html).forms if f["method"].lower() == "post" and not f["action"]]
    assert len(forms) == 1, f"expected one form posting to the page, found {len(forms)}"
    return forms[0]


def submit(
    client: FlaskClient,
    url: str,
    changes: dict[str, str | list[str] | None] | None = None,
) -> Any:
    """Open the page, change the named fields (None unticks or empties), and press Save."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    form = page_form(page.get_data(as_text=True))
    pairs: list[tuple[str, str]] = list(form["pairs"])
    for name, value in (changes or {}).items():
        assert name in form["names"], f"no field {name} on {url}"
        kept = [(n, v) for n, v in pairs if n != name]
        values = [] if value is None else [value] if isinstance(value, str) else value
        pairs = kept + [(name, v) for v in values]
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return client.post(url, data=data)
