"""Markdown to sanitised HTML, with @mentions of people and organisations.

The renderer never lets raw HTML through (markdown-it's ``html`` option is
off) and the result passes an allow-list sanitiser (nh3) as a second line of
defence: no script, event handler, ``javascript:`` URL or style survives.
"""

import re
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class", "data-mention"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "span": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

MENTION_RE = re.compile(r"(?<![\w@/])@([a-z0-9][a-z0-9._-]{0,62}[a-z0-9]|[a-z0-9])", re.I)

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)
# Headings inside a post start at level 2: the page's h1 is the thread title.
_markdown.add_render_rule(
    "heading_open",
    lambda renderer, tokens, idx, options, env: f"<h{min(int(tokens[idx].tag[1]) + 1, 6)}>",
)
_markdown.add_render_rule(
    "heading_close",
    lambda renderer, tokens, idx, options, env: f"</h{min(int(tokens[idx].tag[1]) + 1, 6)}>\n",
)


@dataclass
class Rendered:
    html: str
    mentioned_handles: set[str] = field(default_factory=set)


def _link_mentions(html: str, resolve) -> tuple[str, set[str]]:
    """Turn @handles in text (not inside code or links) into links."""
    found: set[str] = set()
    out: list[str] = []
    depth_code = depth_link = 0
    for part in re.split(r"(<[^>]+>)", html):
        if part.startswith("<"):
            tag = part[1:].split(None, 1)[0].lower().rstrip(">")
            if tag in {"code", "pre"}:
                depth_code += 1
            elif tag in {"/code", "/pre"}:
                depth_code = max(0, depth_code - 1)
            elif tag == "a":
                depth_link += 1
            elif tag == "/a":
                depth_link = max(0, depth_link - 1)
            out.append(part)
            continue
        if depth_code or depth_link:
            out.append(part)
            continue

        def replace(match: re.Match) -> str:
            handle = match.group(1).lower()
            target = resolve(handle)
            if target is None:
                return match.group(0)
            found.add(handle)
            url, label = target
            return f'<a class="mention" data-mention="{handle}" href="{url}">@{label}</a>'

        out.append(MENTION_RE.sub(replace, part))
    return "".join(out), found


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


def render(text: str, resolve_mention=None) -> Rendered:
    """Render a post's Markdown; ``resolve_mention(handle)`` gives (url, label) or None."""
    html = _markdown.render(text or "")
    handles: set[str] = set()
    if resolve_mention is not None:
        html, handles = _link_mentions(html, resolve_mention)
    return Rendered(html=sanitise(html), mentioned_handles=handles)
