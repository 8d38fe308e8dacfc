"""The sanitizer: authored Markdown/HTML becomes HTML with only allowlisted tags, attributes and
URL schemes, and cleaning clean output changes nothing."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from bleach._vendor.html5lib import parseFragment

from app.content.markdown import ALLOWED_TAGS, TABLE_REGION, render_markdown, sanitize_html

BUNDLED = Path(__file__).resolve().parents[2] / "courses"

# What each allowed tag may carry (mirrors markdown._allow_attribute, written out independently).
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}
LINK_SCHEMES = {"http", "https", "mailto"}
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


# --- payloads -------------------------------------------------------------------------------

PAYLOADS = [
    # script tags
    ("script", "<script>alert(1)</script>"),
    ("script-mixed-case", "<ScRiPt>alert(1)</sCrIpT>"),
    ("script-src", '<script src="https://evil.example/x.js"></script>'),
    ("script-split", "<scr<script>ipt>alert(1)</script>"),
    ("script-nested-lt", "<<script>script>alert(1)<</script>/script>"),
    ("script-in-svg", "<svg><script>alert(1)</script></svg>"),
    ("script-in-template", "<template><script>alert(1)</script></template>"),
    ("script-in-textarea", "<textarea><script>alert(1)</script></textarea>"),
    ("script-in-comment", "<!-- <script>alert(1)</script> -->"),
    ("script-inline-md", "Teks <script>alert(1)</script> di tengah paragraf."),
    # event handler attributes
    ("onerror", "<img src=x onerror=alert(1)>"),
    ("onerror-upper", "<IMG SRC=x ONERROR=alert(1)>"),
    ("onerror-mixed", "<img src=x OnErRoR=alert(1)>"),
    ("onerror-slash", "<img/src=x/onerror=alert(1)>"),
    ("onclick", '<a href="https://a.id" onclick="alert(1)">x</a>'),
    ("onclick-mixed", '<a href="https://a.id" oNcLiCk="alert(1)">x</a>'),
    ("onload-svg", "<svg onload=alert(1)>"),
    ("onload-body", "<body onload=alert(1)>"),
    ("onload-mixed", '<p OnLoAd="alert(1)">x</p>'),
    ("onmouseover", '<abbr title="x" onmouseover=alert(1)>x</abbr>'),
    ("onfocus", "<input autofocus onfocus=alert(1)>"),
    ("ontoggle", "<details open ontoggle=alert(1)>"),
    ("onerror-source", "<video><source onerror=alert(1)>"),
    ("onclick-in-title", "<a href=x title='\" onclick=alert(1)'>x</a>"),
    ("noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("select-style-mxss", "<select><style></select><img src=x onerror=alert(1)></style>"),
    # dangerous schemes in raw HTML links
    ("href-js", '<a href="javascript:alert(1)">x</a>'),
    ("href-js-upper", '<a href="JAVASCRIPT:alert(1)">x</a>'),
    ("href-js-mixed", '<a href="JaVaScRiPt:alert(1)">x</a>'),
    ("href-js-hex-entity", '<a href="jav&#x61;script:alert(1)">x</a>'),
    ("href-js-dec-entities",
     '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'),
    ("href-js-padded-entity", '<a href="&#0000106avascript:alert(1)">x</a>'),
    ("href-js-colon-entity", '<a href="javascript&#58;alert(1)">x</a>'),
    ("href-js-named-colon", "<a href='javascript&colon;alert(1)'>x</a>"),
    ("href-js-tab", '<a href="java\tscript:alert(1)">x</a>'),
    ("href-js-newline", '<a href="java\nscript:alert(1)">x</a>'),
    ("href-js-entity-newline", '<a href="java&#x0A;script:alert(1)">x</a>'),
    ("href-js-entity-tab", '<a href="java&#9;script:alert(1)">x</a>'),
    ("href-js-named-tab", '<a href="java&Tab;script:alert(1)">x</a>'),
    ("href-js-leading-space", '<a href=" javascript:alert(1)">x</a>'),
    ("href-js-leading-control", '<a href="\x01javascript:alert(1)">x</a>'),
    ("href-vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    ("href-vbscript-mixed-entity", '<a href="VbScRiPt&#x3A;msgbox(1)">x</a>'),
    ("href-data", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    ("href-data-mixed", '<a href="DaTa:text/html,<script>alert(1)</script>">x</a>'),
    ("button-formaction", "<button formaction=javascript:alert(1)>x</button>"),
    ("svg-xlink", '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>'),
    ("math-href", '<math href="javascript:alert(1)">x</math>'),
    ("math-xlink", "<math><mi xlink:href=javascript:alert(1)>x</mi></math>"),
    ("style-attr-js", '<span style="background:url(javascript:alert(1))">x</span>'),
    # Markdown link and image tricks
    ("md-link-js", "[x](javascript:alert(1))"),
    ("md-link-js-mixed", "[x](JaVaScRiPt:alert(1))"),
    ("md-link-js-entity", "[x](jav&#x61;script:alert(1))"),
    ("md-link-js-first-entity", "[x](&#x6A;avascript:alert(1))"),
    ("md-link-js-tab", "[x](java\tscript:alert(1))"),
    ("md-link-js-spaces", "[x](  javascript:alert(1)  )"),
    ("md-link-js-angle", "[x](<javascript:alert(1)>)"),
    ("md-link-vbscript", "[x](vbscript:msgbox(1))"),
    ("md-link-data", "[x](data:text/html;base64,PHNjcmlwdD4=)"),
    ("md-link-title-onclick", '[x](https://a.id "judul" onclick=alert(1))'),
    ("md-image-js", "![x](javascript:alert(1))"),
    ("md-image-data", "![x](data:image/svg+xml;base64,PHN2Zz4=)"),
    ("md-image-title-onerror", '![x](/a.png "t" onerror=alert(1))'),
    ("md-ref-js", "[x][r]\n\n[r]: javascript:alert(1)"),
    ("md-ref-js-upper-title", '[x][]\n\n[x]: <JAVASCRIPT:alert(1)> "t"'),
    ("md-ref-image-js", "![x][r]\n\n[r]: jav&#x61;script:alert(1)"),
    ("md-ref-shortcut", "[x]\n\n[x]: vbscript:msgbox(1)"),
    ("md-autolink-js", "<javascript:alert(1)>"),
    ("md-autolink-vbscript", "<vbscript:msgbox(1)>"),
    ("md-autolink-data", "<data:text/html,x>"),
    ("md-autolink-script-query", "<http://a.id/?q=<script>>"),
    # raw HTML blocks
    ("iframe", "<iframe src=https://evil.example></iframe>"),
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>">'),
    ("style", "<style>body { display: none }</style>\n\nteks"),
    ("style-import", "<style>@import 'https://evil.example/x.css';</style>"),
    ("form", '<form action="https://evil.example"><input name=nip></form>'),
    ("form-button", "<form><button formaction=javascript:alert(1)>x</button></form>"),
    ("object", '<object data="javascript:alert(1)"></object>'),
    ("embed", "<embed src=x>"),
    ("base", '<base href="https://evil.example/">'),
    ("meta-refresh", '<meta http-equiv=refresh content="0;url=javascript:alert(1)">'),
    ("link-stylesheet", "<link rel=stylesheet href=https://evil.example/x.css>"),
    ("plaintext", "<plaintext><script>"),
    ("xmp", "<xmp><script>alert(1)</script></xmp>"),
    ("div-id-clobber", '<div class="x" id="csrf_token">x</div>'),
    ("heading-id-clobber", '<h2 id="csrf_token">x</h2>'),
    ("code-class-trick", '<code class="language-x onclick">x</code>'),
    ("target-rel", '<a href="https://a.id" target="_blank" rel="opener">x</a>'),
    # external / tricky image sources
    ("img-https", "![x](https://evil.example/x.png)"),
    ("img-protocol-relative", "![x](//evil.example/x.png)"),
    ("img-triple-slash", '<img src="///evil.example/x.png">'),
    ("img-backslashes", "![x](\\\\evil.example/x.png)"),
    ("img-slash-backslash-md", "![x](/\\evil.example/x.png)"),
    ("img-slash-backslash-html", '<img src="/\\evil.example/x.png">'),
    ("img-space-backslashes", '<img src=" \\\\evil.example/x.png">'),
    ("img-slash-tab-backslash", '<img src="/\t\\evil.example/x.png">'),
    ("img-entity-slashes", '<img src="&#47;&#47;evil.example/x.png">'),
    ("img-entity-backslashes", '<img src="&#92;&#92;evil.example/x.png">'),
    ("img-named-entity-slashes", '<img src="&sol;&sol;evil.example/x.png">'),
    ("img-entity-colon", '<img src="https&#58;//evil.example/x.png">'),
    ("img-entity-tab", '<img src="/&#9;/evil.example/x.png">'),
    ("img-js-tab", '<img src="java\tscript:alert(1)">'),
    ("img-srcset", '<img src="/a.png" srcset="https://evil.example/x.png 2x">'),
    # ordinary content that must survive
    ("headings", "# Judul\n\n## Sub judul\n\n### Judul"),
    ("table", "| a | b |\n|:--|--:|\n| 1 | 2 |"),
    ("fenced-code", "```python\nprint('<script>')\n```"),
    ("fenced-code-info-trick", "```js onclick=alert(1)\nx\n```"),
    ("lists", "1. a\n2. b\n\n- c\n- d"),
    ("links-ok", "[x](mailto:a@b.id) [y](http://a.id) [z](https://a.id)"),
    ("blockquote", "> kutipan **tebal** dan *miring*"),
]


def _payload_params():
    return [pytest.param(source, id=name) for name, source in PAYLOADS]


# --- independent checks on rendered HTML ----------------------------------------------------

class _Collector(HTMLParser):
    """Python's own HTML parser: every start/end tag with its (decoded) attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.end_tags = []
        self.comments = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        self.end_tags.append(tag)

    def handle_comment(self, data):
        self.comments.append(data)


def elements_by_html_parser(html):
    parser = _Collector()
    parser.feed(html)
    parser.close()
    assert not parser.comments, parser.comments
    for tag in parser.end_tags:
        assert tag in ALLOWED_TAGS, f"end tag </{tag}> not allowlisted in {html!r}"
    return parser.elements


def elements_by_html5lib(html):
    """The browser's parsing algorithm (html5lib, as vendored by bleach)."""
    fragment = parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    elements = []
    for element in fragment.iter():
        if element is fragment:
            continue
        assert isinstance(element.tag, str), f"comment or other node in {html!r}"
        elements.append((element.tag, list(element.attrib.items())))
    return elements


def browser_url(value):
    """A URL attribute as a browser's URL parser reads it: tab/CR/LF removed, C0 and spaces
    trimmed."""
    return re.sub(r"[\t\n\r]", "", value).strip(C0_AND_SPACE)


def check_url(tag, name, value, html):
    url = browser_url(value)
    lowered = url.lower()
    for bad in ("javascript:", "vbscript:", "data:"):
        assert not lowered.startswith(bad), f"{bad} in {tag}[{name}] of {html!r}"
    scheme = SCHEME.match(lowered)
    if name == "href":
        assert scheme is None or scheme.group(1) in LINK_SCHEMES, (value, html)
    if name == "src":
        # Images stay on this server: no scheme, and no '//host' (browsers read '\' as '/').
        assert scheme is None, (value, html)
        assert not url.replace("\\", "/").startswith("//"), (value, html)


def check_elements(elements, html):
    for tag, attrs in elements:
        assert tag in ALLOWED_TAGS, f"<{tag}> not allowlisted in {html!r}"
        for name, value in attrs:
            assert not re.match(r"on", name, re.IGNORECASE), f"{name}= in {html!r}"
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()), f"{tag}[{name}] in {html!r}"
            value = value or ""
            if name in {"href", "src"}:
                check_url(tag, name, value, html)
            if name == "id":
                assert re.fullmatch(r"h-[a-z0-9_-]+", value), (value, html)
            if tag == "code" and name == "class":
                assert re.fullmatch(r"language-[A-Za-z0-9_+-]+", value), (value, html)
            if tag == "a" and name == "class":
                assert value == "headerlink", (value, html)


def without_table_regions(html):
    """The scroll region around each table is added after sanitizing, by us alone: exactly
    TABLE_REGION, straight before a <table>, closed straight after it. Take it away to check
    what the author's text became."""
    assert html.count(TABLE_REGION) == html.count(TABLE_REGION + "<table") \
        == html.count("</table></div>"), html
    return html.replace(TABLE_REGION, "").replace("</table></div>", "</table>")


def assert_safe(html):
    assert "<script" not in html.lower()
    html = without_table_regions(html)
    check_elements(elements_by_html_parser(html), html)
    check_elements(elements_by_html5lib(html), html)
    assert sanitize_html(html) == html, "sanitize_html is not idempotent on its own output"


def parsed(html):
    return elements_by_html_parser(html)


def attrs_of(html, tag):
    return [dict(attrs) for name, attrs in parsed(html) if name == tag]


# --- every payload, through both entry points ------------------------------------------------

def test_payload_list_is_large_and_unique():
    names = [name for name, _ in PAYLOADS]
    assert len(PAYLOADS) >= 40
    assert len(names) == len(set(names))


@pytest.mark.parametrize("source", _payload_params())
def test_rendered_markdown_is_safe(source):
    assert_safe(render_markdown(source))


@pytest.mark.parametrize("source", _payload_params())
def test_sanitized_html_is_safe(source):
    assert_safe(sanitize_html(source))


def test_bundled_course_files_render_safely_and_keep_their_content():
    files = sorted(BUNDLED.glob("*/*.md"))
    assert len(files) >= 18
    for path in files:
        html = render_markdown(path.read_text(encoding="utf-8").split("---", 2)[2])
        assert_safe(html)
        assert "<h2 id=\"h-" in html, path


# --- what is removed ------------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<svg><script>alert(1)</script></svg>",
])
def test_script_elements_are_removed(source):
    html = render_markdown(source)
    assert "script" not in [tag for tag, _ in parsed(html)]
    assert "<script" not in html.lower()


@pytest.mark.parametrize("source", [
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x ONERROR=alert(1)>",
    "<img src=x OnErRoR=alert(1)>",
    "<img src=x onload=alert(1) ONCLICK=alert(2)>",
])
def test_event_handlers_are_dropped_from_kept_tags(source):
    html = render_markdown(source)
    assert attrs_of(html, "img") == [{"src": "x"}]
    assert "alert" not in html


def test_quoted_onclick_inside_a_title_stays_a_harmless_title():
    html = render_markdown("<a href=x title='\" onclick=alert(1)'>x</a>")
    assert attrs_of(html, "a") == [{"href": "x", "title": '" onclick=alert(1)'}]


@pytest.mark.parametrize("source", [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](jav&#x61;script:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,hi)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x]\n\n[x]: JAVASCRIPT:alert(1)",
    '<a href="jav&#x61;script:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="javascript&#58;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
])
def test_dangerous_links_keep_their_text_but_lose_the_href(source):
    html = render_markdown(source)
    assert attrs_of(html, "a") == [{}]
    assert ">x</a>" in html


@pytest.mark.parametrize("source", [
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,x>",
])
def test_autolinks_with_dangerous_schemes_make_no_link(source):
    html = render_markdown(source)
    assert attrs_of(html, "a") == []
    assert "alert" not in html and "msgbox" not in html


@pytest.mark.parametrize(("source", "tag"), [
    ("<iframe src=https://evil.example></iframe>", "iframe"),
    ("<style>body { display: none }</style>", "style"),
    ('<form action="https://evil.example"><input name=nip></form>', "form"),
    ("<svg><circle r=1 /></svg>", "svg"),
    ("<math><mi>x</mi></math>", "math"),
    ('<object data="x.swf"></object>', "object"),
    ('<embed src="x.swf">', "embed"),
    ('<link rel=stylesheet href="https://evil.example/x.css">', "link"),
    ('<meta http-equiv=refresh content="0">', "meta"),
    ('<base href="https://evil.example/">', "base"),
])
def test_raw_html_blocks_are_removed(source, tag):
    html = render_markdown(f"Sebelum\n\n{source}\n\nSesudah")
    assert f"<{tag}" not in html.lower()
    assert "<p>Sebelum</p>" in html and "<p>Sesudah</p>" in html


def test_comments_are_removed():
    html = render_markdown("a <!-- rahasia --> b")
    assert "rahasia" not in html and "<!--" not in html


@pytest.mark.parametrize("source", [
    "![x](https://evil.example/x.png)",
    "![x](http://evil.example/x.png)",
    "![x](//evil.example/x.png)",
    "![x](\\\\evil.example/x.png)",
    "![x](/\\evil.example/x.png)",
    "![x](data:image/png;base64,AAAA)",
    "![x](javascript:alert(1))",
    "![x][r]\n\n[r]: https://evil.example/x.png",
    '<img alt="x" src="https://evil.example/x.png">',
    '<img alt="x" src="///evil.example/x.png">',
    '<img alt="x" src="/\\evil.example/x.png">',
    '<img alt="x" src=" \\\\evil.example/x.png">',
    '<img alt="x" src="/&#9;/evil.example/x.png">',
    '<img alt="x" src="&#x20;&#x0A;//evil.example/x.png">',
    '<img alt="x" src="&#47;&#47;evil.example/x.png">',
    '<img alt="x" src="&#x2F;&#x2f;evil.example/x.png">',
    '<img alt="x" src="&#92;&#92;evil.example/x.png">',
    '<img alt="x" src="https&#58;//evil.example/x.png">',
])
def test_external_images_lose_their_source(source):
    html = render_markdown(source)
    assert attrs_of(html, "img") == [{"alt": "x"}]


@pytest.mark.parametrize("src", [
    "/static/img/arsitektur.png",
    "gambar/peta-rencana.png",
    "../gambar/peta.png",
    "/static/img/a.png?v=2",
])
def test_local_images_are_kept(src):
    html = render_markdown(f'![Peta rencana]({src} "Judul")')
    assert attrs_of(html, "img") == [{"alt": "Peta rencana", "src": src, "title": "Judul"}]


# --- what is kept ---------------------------------------------------------------------------

@pytest.mark.parametrize("href", [
    "https://jdih.palukota.go.id/perwali?tahun=2024&no=5",
    "http://palukota.go.id",
    "mailto:bkpsdm@palukota.go.id",
    "/kursus/spbe-101",
    "#h-tujuan-spbe",
])
def test_safe_links_are_kept(href):
    html = render_markdown(f'[tautan]({href} "Judul")')
    assert attrs_of(html, "a") == [{"href": href, "title": "Judul"}]
    assert sanitize_html(html) == html


def test_autolinks_to_web_and_email_are_kept():
    html = render_markdown("<https://palukota.go.id> dan <bkpsdm@palukota.go.id>")
    hrefs = [attrs["href"] for attrs in attrs_of(html, "a")]
    assert hrefs == ["https://palukota.go.id", "mailto:bkpsdm@palukota.go.id"]


def test_headings_get_prefixed_unique_ids():
    html = render_markdown("# Judul\n\n## Tujuan SPBE\n\n## Judul\n\n### csrf_token\n\n## !!!")
    ids = [(tag, attrs["id"]) for tag, attrs in
           ((tag, dict(attrs)) for tag, attrs in parsed(html)) if "id" in attrs]
    assert ids == [("h1", "h-judul"), ("h2", "h-tujuan-spbe"), ("h2", "h-judul_1"),
                   ("h3", "h-csrf_token"), ("h2", "h-bagian")]


def test_heading_ids_do_not_leak_between_renders():
    assert render_markdown("## Judul") == render_markdown("## Judul") == \
        '<h2 id="h-judul">Judul</h2>'


@pytest.mark.parametrize(("source", "expected"), [
    ('<h2 id="csrf_token">x</h2>', "<h2>x</h2>"),
    ('<h2 id="login">x</h2>', "<h2>x</h2>"),
    ('<h2 id="h-aman">x</h2>', '<h2 id="h-aman">x</h2>'),
    ('<p id="h-aman">x</p>', "<p>x</p>"),
])
def test_raw_heading_ids_must_carry_the_prefix(source, expected):
    assert sanitize_html(source) == expected


def test_tables_render_with_alignment():
    html = render_markdown("| Domain | Bobot |\n|:--|--:|\n| Kebijakan | 10 |\n| Layanan | 55 |")
    assert html.startswith(TABLE_REGION + "<table>")  # scrolls sideways, words stay whole
    html = without_table_regions(html)
    tags = [tag for tag, _ in parsed(html)]
    assert tags == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td",
                    "tr", "td", "td"]
    assert attrs_of(html, "th") == [{"align": "left"}, {"align": "right"}]
    assert "<td align=\"left\">Kebijakan</td>" in html


def test_fenced_code_keeps_language_class_and_escapes_content():
    html = render_markdown("```python\nprint('<script>alert(1)</script>')\n```")
    assert html == ('<pre><code class="language-python">print(\'&lt;script&gt;alert(1)'
                    '&lt;/script&gt;\')\n</code></pre>')


@pytest.mark.parametrize("source", [
    '<pre><code class="hljs">x</code></pre>',
    '<pre><code class="language-x onclick">x</code></pre>',
    '<pre><code class="language-python other">x</code></pre>',
])
def test_code_classes_other_than_language_are_dropped(source):
    html = sanitize_html(source)
    assert html == "<pre><code>x</code></pre>"


def test_lists_render():
    html = render_markdown("1. satu\n2. dua\n\n- a\n    - a.1\n- b\n\n3. tiga\n4. empat")
    tags = [tag for tag, _ in parsed(html)]
    assert tags.count("ol") == 2 and tags.count("ul") == 2 and tags.count("li") == 7
    assert attrs_of(html, "ol") == [{}, {"start": "3"}]


def test_blockquote_and_emphasis_render():
    html = render_markdown("> Kutipan **tebal**, *miring* dan `kode`.")
    assert html == ("<blockquote>\n<p>Kutipan <strong>tebal</strong>, <em>miring</em> dan "
                    "<code>kode</code>.</p>\n</blockquote>")


@pytest.mark.parametrize("value", [None, ""])
def test_empty_input_gives_empty_output(value):
    assert render_markdown(value) == ""
    assert sanitize_html(value) == ""


def test_text_that_looks_like_html_is_escaped_not_dropped():
    html = render_markdown("Tulis `a < b` atau 1 &lt; 2 dan &lt;script&gt;")
    assert "<code>a &lt; b</code>" in html
    assert "&lt;script&gt;" in html


# --- the per-process cache of renders ---------------------------------------------------------

def test_the_render_cache_is_bounded_by_characters_and_count():
    from app.content.markdown import _RenderCache

    cache = _RenderCache(max_entries=3, max_chars=20)
    cache.put(("aaaa", 1, None), "<p>a</p>")  # 12 characters
    cache.put(("b", 1, None), "<p>b</p>")  # 21 in all: the oldest goes
    assert cache.get(("aaaa", 1, None)) is None
    assert cache.get(("b", 1, None)) == "<p>b</p>" and cache.chars == 9
    cache.put(("c", 1, None), "c")
    cache.put(("d", 1, None), "d")
    assert cache.get(("b", 1, None)) == "<p>b</p>"  # used: now the most recent
    cache.put(("e", 1, None), "e")  # a fourth entry: the least recently used (c) goes
    assert [key[0] for key in cache.entries] == ["d", "b", "e"]
    assert cache.chars == sum(len(key[0]) + len(html) for key, html in cache.entries.items())


def test_a_cached_render_is_the_same_as_a_fresh_one():
    source = "# Judul\n\nTeks dengan [tautan](https://palukota.go.id)."
    first = render_markdown(source, heading_base=2)
    assert render_markdown(source, heading_base=2) == first
    assert render_markdown(source, heading_base=3) != first


# --- the per-thread renderers --------------------------------------------------------------------

def _uncached(source, heading_base=1, media_url=None):
    """A render through the kept (reset) Markdown instance, bypassing the render cache."""
    from app.content.markdown import _render

    return _render(source, heading_base, media_url)


def test_a_kept_renderer_carries_nothing_from_one_document_to_the_next():
    # Heading ids, link references and stashed HTML belong to one document: the same heading
    # in the next document is "h-tujuan" again, not "h-tujuan_1", and a reference defined in the
    # first is unknown to the second.
    first = _uncached("## Tujuan\n\n[situs][palu]\n\n[palu]: https://palukota.go.id\n\n<b>x</b>")
    second = _uncached("## Tujuan\n\n[situs][palu]")
    assert 'id="h-tujuan"' in first and 'href="https://palukota.go.id"' in first
    assert 'id="h-tujuan"' in second and "tujuan_1" not in second
    assert "palukota" not in second and "<b>" not in second


def test_kept_renderers_are_per_options_and_per_media_address():
    image = "![Skema](media/skema.png)"
    assert '/media/spbe-101/skema.png' in _uncached(image, media_url="/media/spbe-101/")
    assert '/media/tte-101/skema.png' in _uncached(image, media_url="/media/tte-101/")
    assert "<h3" in _uncached("# Judul", heading_base=3)
    assert "<h1" in _uncached("# Judul")


def test_threads_rendering_at_once_get_what_one_thread_gets():
    # bleach's Cleaner and a Markdown instance keep parser state: shared between threads (the
    # job consumer renders in several) they mixed one document into another.
    import threading

    from app.content.markdown import render_post

    sources = [f"## Bagian {n}\n\n" + "Paragraf *{n}* dengan <i>teks</i> & tabel.\n\n" * (n % 7 + 1)
               + "| a | b |\n|---|---|\n| 1 | 2 |\n" for n in range(40)]
    expected = [(_uncached(source), render_post(source)) for source in sources]
    results, errors = {}, []
    barrier = threading.Barrier(8)

    def work(offset):
        try:
            barrier.wait()
            for round_ in range(3):
                for n in range(offset, len(sources), 8):
                    results[(n, round_)] = (_uncached(sources[n]), render_post(sources[n]))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert all(results[(n, round_)] == expected[n] for n in range(40) for round_ in range(3))
