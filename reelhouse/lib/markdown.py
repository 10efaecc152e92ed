from __future__ import annotations

from markdown_it import MarkdownIt

# "js-default" escapes raw HTML and refuses javascript: links, so an article body cannot
# inject script whatever an editor pastes.
_renderer = MarkdownIt("js-default", {"typographer": True}).enable(["replacements", "smartquotes"])


def markdown_render(source: str) -> str:
    return str(_renderer.render(source))
