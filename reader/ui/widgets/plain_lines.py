"""Drawing a line-API widget's lines as they were made, when nothing is drawn around
them: the headline list, the sidebar (line_list.py) and the article's text
(article_text.py).

Textual's own path copies every line a widget renders and styles the copy (padding,
border, tint, opacity), so a line drawn before cost as much again on each repaint
(~7 ms a screenful of headlines). A widget with none of those gets its lines back as
made, filtered only by the app's line filters.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


def is_plain(widget: Widget) -> bool:
    """Whether `widget`'s lines need none of Textual's styling around them."""
    styles = widget.styles
    return (
        not any(styles.gutter)
        and not any(edge for edge, _ in styles.outline)
        and styles.tint.a == 0
        and styles.opacity == 1
        and styles.text_opacity == 1
        and (not styles.has_rule("hatch") or styles.hatch == "none")
        and widget.scrollable_content_region.size == widget.size
    )


def draw_plain(widget: Widget, crop: Region, render_line: Callable[[int], Strip],
               width: int) -> list[Strip]:
    """The lines of `crop` as `render_line` makes them (`width` cells each), through the
    app's line filters only."""
    filters = widget.app.get_line_filters()
    background = widget.background_colors[1]
    strips = []
    for y in crop.line_range:
        strip = render_line(y)
        for line_filter in filters:
            strip = strip.apply_filter(line_filter, background)
        strips.append(strip)
    if crop.x or crop.width != width:
        strips = [strip.crop(crop.x, crop.right) for strip in strips]
    return strips
