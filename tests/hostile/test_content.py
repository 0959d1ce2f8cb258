"""Article content: active elements dropped, only web links listed, and any script
(right-to-left, CJK, emoji, zero-width) or line length shown without harm."""

from __future__ import annotations

import json
import time

from .hostile_kit import Item, assert_no_controls, rss

ACTIVE = (
    "<p>Before.</p>"
    "<script>alert('script-ran')</script>"
    "<script src='http://evil.invalid/x.js'></script>"
    "<style>body { display: none } .style-leak {}</style>"
    "<iframe src='http://evil.invalid/frame'>iframe-text</iframe>"
    "<object data='http://evil.invalid/o.swf'><param name=x value=object-param></object>"
    "<embed src='http://evil.invalid/e.swf'>"
    "<form action='http://evil.invalid/post'><input value='form-input'><button>form-button</button></form>"
    "<svg><script>alert('svg-script')</script></svg>"
    "<noscript>noscript-text</noscript>"
    "<template>template-text</template>"
    "<img src=x onerror=alert('onerror')>"
    "<p onclick=\"alert('onclick')\">After.</p>"
    "<a href='javascript:alert(1)'>js link</a> "
    "<a href='JaVaScRiPt:alert(2)'>mixed case js</a> "
    "<a href=' javascript:alert(3)'>spaced js</a> "
    "<a href='java&#x09;script:alert(4)'>tab js</a> "
    "<a href='data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='>data link</a> "
    "<a href='vbscript:msgbox(1)'>vb link</a> "
    "<a href='file:///etc/passwd'>file link</a> "
    "<a href='ftp://e.invalid/x'>ftp link</a> "
    "<img src='data:image/png;base64,iVBORw0KGgo=' alt='data image'> "
    "<a href='https://ok.invalid/page'>web link</a> "
    "<a href='mailto:someone@e.invalid'>mail link</a>"
)
LEAKS = (
    "script-ran",
    "svg-script",
    "display: none",
    "style-leak",
    "iframe-text",
    "object-param",
    "form-input",
    "form-button",
    "template-text",
    "onerror",
    "onclick",
    "alert(",
)
SCRIPTS = {
    "rtl": "مرحبا بالعالم — שלום עולם",
    "cjk": "東京で新しいロケットの打ち上げに成功 한국어 中文",
    "emoji": "Launch 🚀 👩‍👩‍👧‍👦 🇯🇵 ❤️",
    "zero-width": "zero\u200bwidth\u200cjoiner\u200d\ufeffmarks",
    "combining": "Zalgo: Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324",
    "bidi-controls": "abc\u202edcba\u202c and \u2067isolate\u2069",
}


def test_active_content_is_dropped_and_only_web_links_listed(feed_server, cli):
    url = feed_server.route(
        "/f", rss([Item(title="Active", guid="a", link="javascript:alert(9)", description=ACTIVE)])
    )
    assert cli("add", url).exit_code == 0
    (row,) = json.loads(cli("list", "--json").stdout)
    assert row["link"] == ""  # a javascript: article link is not kept
    shown = cli("show", str(row["id"])).stdout
    assert "Before." in shown and "After." in shown and "web link" in shown
    for leak in LEAKS:
        assert leak not in shown, leak
    links = shown.split("\nLinks:\n", 1)[1].splitlines()
    # Embedded frames and objects are shown as a placeholder with their web link (a video
    # that vanished would be worse); their own text and scripts never are.
    assert links == [
        "[1]: http://evil.invalid/frame", "[2]: http://evil.invalid/o.swf",
        "[3]: http://evil.invalid/e.swf", "[4]: https://ok.invalid/page",
        "[5]: mailto:someone@e.invalid",
    ]
    lowered = shown.lower()
    for scheme in ("javascript:", "vbscript:", "data:", "file:", "ftp:"):
        assert scheme not in lowered, scheme
    # The full-text index never indexed the script either.
    assert json.loads(cli("search", "script-ran", "--json").stdout) == []
    assert json.loads(cli("search", "Before", "--json").stdout)


def test_scripts_and_special_characters_survive(feed_server, cli):
    items = [
        Item(title=f"{name}: {text}", guid=name, description=f"<p>{text}</p>")
        for name, text in SCRIPTS.items()
    ]
    url = feed_server.route("/f", rss(items, title=SCRIPTS["rtl"]))
    assert cli("add", url).exit_code == 0
    rows = json.loads(cli("list", "--json").stdout)
    by_guid = {r["title"].split(":", 1)[0]: r for r in rows}
    for name, text in SCRIPTS.items():
        r = by_guid[name]
        assert r["title"] == f"{name}: {text}"
        shown = cli("show", str(r["id"]))
        assert shown.exit_code == 0 and text in shown.stdout
        assert_no_controls(shown.stdout)
    assert rows[0]["feed"] == SCRIPTS["rtl"]
    assert json.loads(cli("search", "東京で新しいロケットの打ち上げに成功", "--json").stdout)
    listed = cli("list")
    assert listed.exit_code == 0 and SCRIPTS["cjk"] in listed.stdout


def test_huge_unbroken_lines(feed_server, cli):
    word = "x" * 900_000
    url_like = "https://e.invalid/" + "a" * 200_000
    body = f"<p>{word}</p><p><a href='{url_like}'>long link</a></p><pre>{'y' * 100_000}</pre>"
    url = feed_server.route("/f", rss([Item(title="L" * 5000, guid="long", description=body)]))
    assert cli("add", url).exit_code == 0
    start = time.monotonic()
    shown = cli("show", "1")
    assert time.monotonic() - start < 10
    assert shown.exit_code == 0 and word in shown.stdout
    listed = cli("list")
    assert listed.exit_code == 0 and len(listed.stdout) < 2000
