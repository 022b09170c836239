"""The one place that picks the font of every PDF the platform writes (the printable opinion form, the
bulletin): a subset of an installed CJK font, embedded, so a page reads the same in any PDF reader.

reportlab embeds TrueType (glyf) outlines only. Debian's Noto Sans CJK (fonts-noto-cjk) has PostScript
(CFF) outlines, so the characters a document uses are cut out of it with fontTools and their outlines
converted to quadratic curves, giving a small TrueType font per set of characters (0.8 s for the demo
town's bulletin, 0.03 s when the same characters come again). A TrueType CJK font (wqy-microhei, or
`MINSHENG_PDF_FONT`) goes the same way. Only when no CJK font is installed at all does the PDF fall back
to reportlab's `STSong-Light`, which is not embedded — logged as a warning, since readers without
Adobe's Chinese pack then show blank pages.
"""

from __future__ import annotations

import hashlib
import io
import logging
import string
import threading
from collections import OrderedDict
from pathlib import Path

from django.conf import settings

log = logging.getLogger("minsheng.pdf")

# (path, face in a collection): the first present one is used.
INSTALLED = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Noto Sans CJK SC
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
]
NOT_EMBEDDED = "STSong-Light"
# Characters reportlab may draw on its own (page numbers, chart axes and labels).
ALWAYS = string.printable + "，。：；、（）《》“”—·%"
KEEP = 32  # subset fonts kept registered; older ones are dropped from reportlab's registry

_lock = threading.Lock()
_registered: OrderedDict = OrderedDict()  # name → reportlab TTFont


def font_file() -> tuple[str, int] | None:
    """The CJK font file every PDF uses: `MINSHENG_PDF_FONT` (face `MINSHENG_PDF_FONT_INDEX`), else
    the first installed one of INSTALLED."""
    if settings.MINSHENG_PDF_FONT:
        return settings.MINSHENG_PDF_FONT, settings.MINSHENG_PDF_FONT_INDEX
    return next(((p, i) for p, i in INSTALLED if Path(p).exists()), None)


def _truetype_subset(path: str, index: int, text: str) -> bytes:
    """The glyphs of `text` from the font, as a TrueType (glyf) font file."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features, options.hinting, options.notdef_outline = [], False, True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if "glyf" not in font:
        _cff_to_glyf(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _cff_to_glyf(font) -> None:
    """Replace the font's PostScript (CFF) outlines by TrueType (glyf) ones, in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        # CFF contours run the other way round from TrueType's; 1 unit of 1000 is invisible.
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion, maxp.numGlyphs = 0x00010000, len(order)
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"


def font_for(text: str) -> str:
    """The reportlab font name to draw `text` with: registered on first use, embedded in the PDF.

    Pass every string the document will draw; characters outside it have no glyph."""
    from reportlab.pdfbase import pdfmetrics

    found = font_file()
    if found is None:
        log.warning("no CJK font installed (fonts-noto-cjk); PDF text uses %s, not embedded", NOT_EMBEDDED)
        if NOT_EMBEDDED not in pdfmetrics.getRegisteredFontNames():
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            pdfmetrics.registerFont(UnicodeCIDFont(NOT_EMBEDDED))
        return NOT_EMBEDDED
    path, index = found
    chars = "".join(sorted(set(text + ALWAYS) - {"\n", "\r", "\t", "\x0b", "\x0c"}))
    name = "MinshengCJK-" + hashlib.sha1(f"{path}:{index}:{chars}".encode()).hexdigest()[:12]
    with _lock:
        if name in _registered:
            _registered.move_to_end(name)
            return name
        from reportlab.pdfbase.ttfonts import TTFont

        font = TTFont(name, io.BytesIO(_truetype_subset(path, index, chars)))
        # reportlab shares one font object per face name: each subset needs its own.
        font.face.name = name.encode()
        pdfmetrics.registerFont(font)
        _registered[name] = font
        while len(_registered) > KEEP:  # else every distinct document's font stays in memory
            _old, dropped = _registered.popitem(last=False)
            dropped.unregister()
    return name
