"""Private: the web libraries of the maps, online (CDN links) or embedded (offline).

Offline maps carry Leaflet, jQuery, Bootstrap and Font Awesome inline, read from the XStatic
packages installed with parakou_geo (same versions as the CDN links), with every image and
font turned into a ``data:`` URI, so a saved map needs no network at all. The map runtime
(search, legend, fullscreen and measure controls) is parakou_geo's own code and is always
inline.
"""

from __future__ import annotations

import base64
import importlib
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from parakou_geo._errors import ParakouGeoError

__all__ = ["LIBRARIES", "Library", "local_file_for_url", "no_network_fallback",
           "offline_assets", "online_links", "runtime_css", "runtime_js"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

_STATIC = Path(__file__).resolve().parent / "_static"


@dataclass(frozen=True)
class Library:
    """One web library: its CDN base URL, files, and the XStatic package carrying them."""

    name: str
    package: str
    pip_name: str
    cdn_base: str
    js: tuple[str, ...]
    css: tuple[str, ...]
    required: bool = True


#: The libraries every map loads, in load order (versions match folium 0.20 / XStatic).
LIBRARIES: tuple[Library, ...] = (
    Library("leaflet", "xstatic.pkg.leaflet", "XStatic-Leaflet==1.9.3.0",
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/", ("leaflet.js",),
            ("leaflet.css",)),
    Library("jquery", "xstatic.pkg.jquery", "XStatic-jQuery==3.7.1.1",
            "https://code.jquery.com/", ("jquery-3.7.1.min.js",), ()),
    Library("bootstrap", "xstatic.pkg.bootstrap", "XStatic-Bootstrap==5.3.8.0",
            "https://cdn.jsdelivr.net/npm/bootstrap@5.3.8/dist/",
            ("js/bootstrap.bundle.min.js",), ("css/bootstrap.min.css",), required=False),
    Library("fontawesome", "xstatic.pkg.font_awesome", "XStatic-Font-Awesome==6.2.1.2",
            "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.1/", (),
            ("css/all.min.css",)),
)

#: Files whose CDN name differs from the packaged one.
_RENAMED = {"jquery-3.7.1.min.js": "jquery.min.js"}

_MIME = {".png": "image/png", ".woff2": "font/woff2", ".ttf": "font/ttf", ".svg": "image/svg+xml"}


def online_links() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return folium-style ``(name, url)`` lists of the CDN scripts and stylesheets.

    Optional libraries (Bootstrap: no map uses it) are not linked.
    """
    libs = [lib for lib in LIBRARIES if lib.required]
    js = [(f"{lib.name}_{i}", lib.cdn_base + f) for lib in libs for i, f in enumerate(lib.js)]
    css = [(f"{lib.name}_css_{i}", lib.cdn_base + f) for lib in libs
           for i, f in enumerate(lib.css)]
    return js, css


def _package_dir(lib: Library) -> Path | None:
    """Return the data folder of the library's XStatic package (None: optional, absent)."""
    try:
        module = importlib.import_module(lib.package)
    except ImportError as exc:
        if not lib.required:
            return None
        raise ParakouGeoError(
            f"offline maps need the Python package {lib.pip_name.split('==')[0]} (it carries "
            f"{lib.name}); install it: pip install '{lib.pip_name}'"
        ) from exc
    return Path(module.BASE_DIR)


def local_file_for_url(url: str) -> Path | None:
    """Return the packaged file behind a CDN URL of :data:`LIBRARIES`, or ``None``.

    Used by the browser tests to serve online maps without a network.
    """
    clean = url.split("?", 1)[0].split("#", 1)[0]
    for lib in LIBRARIES:
        if clean.startswith(lib.cdn_base):
            rel = clean[len(lib.cdn_base):]
            base = _package_dir(lib)
            if base is None:
                return None
            path = base / _RENAMED.get(rel, rel)
            return path if path.is_file() else None
    return None


def _data_uri(path: Path) -> str:
    mime = _MIME.get(path.suffix, "application/octet-stream")
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


_FONT_SRC = re.compile(r'url\(([^)]+\.woff2)\) format\("woff2"\),url\([^)]+\.ttf\) '
                       r'format\("truetype"\)')
#: Font faces of the Font Awesome 5 and 4 compatibility families: they repeat the same font
#: files (which would be embedded two or three times); Font Awesome 6 names are used instead.
_LEGACY_FACES = re.compile(r'@font-face\{font-family:"(?:Font Awesome 5 [^"]*|FontAwesome)"[^}]*\}')
_URL = re.compile(r"url\((?!['\"]?(?:data:|#))['\"]?([^)'\"]+)['\"]?\)")


def _inline_css(css_file: Path) -> str:
    text = _LEGACY_FACES.sub("", css_file.read_text(encoding="utf-8"))
    # Keep only the woff2 fonts (every browser that runs Leaflet 1.9 reads woff2).
    text = _FONT_SRC.sub(lambda m: f'url({m.group(1)}) format("woff2")', text)

    def embed(match: re.Match[str]) -> str:
        target = (css_file.parent / match.group(1)).resolve()
        if not target.is_file():
            return "url()"
        return f"url({_data_uri(target)})"

    return _URL.sub(embed, text).replace("</style", "<\\/style")


def _safe_js(text: str) -> str:
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


@cache
def offline_assets() -> tuple[str, ...]:
    """Return the ``<script>``/``<style>`` elements embedding every library, in load order.

    Bootstrap is optional (the maps do not use it; its XStatic package has no wheel): it is
    embedded when XStatic-Bootstrap is installed and left out otherwise.

    Raises
    ------
    ParakouGeoError
        When a required XStatic package is missing (the message names the package to
        install).
    """
    out: list[str] = []
    for lib in LIBRARIES:
        base = _package_dir(lib)
        if base is None:
            logger.info("%s left out of the offline page: %s is not installed", lib.name,
                        lib.pip_name)
            continue
        out += [f"<style>{_inline_css(base / f)}</style>" for f in lib.css]
        for f in lib.js:
            text = (base / _RENAMED.get(f, f)).read_text(encoding="utf-8")
            out.append(f"<script>{_safe_js(text)}</script>")
    return tuple(out)


_FALLBACK_JS = """(function () {
  var note = %s;
  function show() {
    if (document.getElementById("pk-no-network")) { return; }
    document.body.classList.add("pk-no-network");
    var div = document.createElement("div");
    div.id = "pk-no-network";
    div.setAttribute("role", "status");
    div.textContent = note;
    document.body.appendChild(div);
  }
  if (!window.L) {
    var js = document.createElement("script");
    js.text = document.getElementById("pk-leaflet-js").textContent;
    document.head.appendChild(js);
    var css = document.createElement("style");
    css.textContent = document.getElementById("pk-leaflet-css").textContent;
    document.head.appendChild(css);
    show();
  }
  L.TileLayer.addInitHook(function () { this.once("tileerror", show); });
})();"""

_FALLBACK_CSS = (
    "body.pk-no-network .leaflet-container{background:#f2efe9}"
    "body.pk-no-network .leaflet-tile{visibility:hidden}"
    "#pk-no-network{position:absolute;z-index:1001;bottom:34px;left:10px;"
    "max-width:45%;background:#fff8e1;border:1px solid #e0a800;border-radius:4px;"
    "padding:6px 10px;font:13px/1.35 system-ui,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)}"
)


@cache
def no_network_fallback(message: str) -> tuple[str, ...]:
    """Return the elements that keep an online map usable without internet.

    Leaflet (about 160 kB) rides along as inert text: when the CDN copy could not load, it is
    started from that text, so the data is still drawn; the map then sits on a plain
    background under a short note (``message``), which also appears when the tiles fail.
    Place the elements after the CDN scripts (in the body), before the map script.
    """
    import json

    lib = LIBRARIES[0]
    base = _package_dir(lib)
    assert base is not None  # Leaflet is required
    js = (base / lib.js[0]).read_text(encoding="utf-8")
    css = _inline_css(base / lib.css[0])
    return (
        f"<style>{_FALLBACK_CSS}</style>",
        f'<script type="text/plain" id="pk-leaflet-js">{_safe_js(js)}</script>',
        f'<script type="text/plain" id="pk-leaflet-css">{_safe_js(css)}</script>',
        f"<script>{_safe_js(_FALLBACK_JS % json.dumps(message))}</script>",
    )


@cache
def runtime_js() -> str:
    """Return the map runtime script (search, legend, controls, layer decoding)."""
    return _safe_js((_STATIC / "runtime.js").read_text(encoding="utf-8"))


@cache
def runtime_css() -> str:
    """Return the map runtime stylesheet."""
    return (_STATIC / "runtime.css").read_text(encoding="utf-8")
