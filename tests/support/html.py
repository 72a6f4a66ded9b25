"""Reading the service's pages as a browser would: a small HTML tree, the CSRF token a page carries,
the forms it offers, and a test client signed in through the login form."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.support.api import DEMO_PASSWORD

# --------------------------------------------------------------------------- HTML helpers

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}> in:\n{self.text[:2000]}"
        return found[0]

    def has(self, tag: str | None = None, cls: str | None = None, **attrs) -> bool:
        return bool(self.find_all(tag, cls, **attrs))

    def ancestor(self, tag: str, cls: str | None = None) -> Node:
        node = self.parent
        while node is not None and not (node.tag == tag and (cls is None or cls in node.classes)):
            node = node.parent
        assert node is not None, f"<{self.tag}> has no <{tag} class={cls}> around it"
        return node

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response) -> Node:
    builder = _Builder()
    builder.feed(response.get_data(as_text=True) if hasattr(response, "get_data") else response)
    return builder.root


def main(response) -> Node:
    return parse(response).find("main")


def csrf_token(response) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page carries no CSRF token"
    return match.group(1)


def action_forms(page: Node) -> list[str]:
    """The actions the page offers as forms posting to /applications/<id>/actions/<action>."""
    return [
        m.group(1)
        for form in page.find_all("form")
        if (m := re.search(r"/actions/(\w+)$", form.attrs.get("action", "")))
    ]


def form_fields(form: Node, **overrides) -> dict[str, list[str]]:
    """What a browser sends for ``form`` as rendered (defaults, checked boxes), with ``overrides``."""
    fields: dict[str, list[str]] = {}
    for node in form.iter():
        name = node.attrs.get("name")
        if not name or node.tag not in ("input", "textarea", "select"):
            continue
        if node.tag == "input" and node.attrs.get("type") in ("checkbox", "radio"):
            if "checked" in node.attrs:
                fields.setdefault(name, []).append(node.attrs.get("value", "on"))
        elif node.tag == "select":
            options = node.find_all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            fields.setdefault(name, []).extend(o.attrs.get("value", o.text) for o in chosen)
        elif node.tag == "textarea":
            fields.setdefault(name, []).append(node.text)
        elif node.attrs.get("type") != "submit":
            fields.setdefault(name, []).append(node.attrs.get("value", ""))
    for name, value in overrides.items():
        fields[name] = value if isinstance(value, list) else [value]
    return fields


def post_rendered(client, page_url: str, action: str, **overrides):
    """Fill in and send the form on ``page_url`` that posts to ``.../actions/<action>``."""
    page = parse(client.get(page_url))
    form = next(f for f in page.find_all("form") if f.attrs.get("action", "").endswith(f"/actions/{action}"))
    return client.post(form.attrs["action"], data=form_fields(form, **overrides))


# --------------------------------------------------------------------------- client helpers


def login(client, username: str, password: str = DEMO_PASSWORD, **query):
    page = client.get("/login", query_string=query)
    return client.post(
        "/login",
        query_string=query,
        data={"csrf_token": csrf_token(page), "username": username, "password": password},
    )


def signed_in(app, username: str):
    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post_form(client, page_url: str, url: str, data: dict | None = None):
    """Post ``data`` to ``url`` with the CSRF token of ``page_url``, as a browser would."""
    token = csrf_token(client.get(page_url))
    return client.post(url, data={"csrf_token": token, **(data or {})})
