#!/usr/bin/env python3
"""Rebuild the CJK font shipped with the report templates (a subset of WenQuanYi Micro Hei).

Usage (from the project root, with the project's venv)::

    .venv/bin/python scripts/build-font.py            # writes templates/reports/fonts/
    .venv/bin/python scripts/build-font.py --check    # exit 1 if a needed character is missing

Source: ``/usr/share/fonts/truetype/wqy/wqy-microhei.ttc`` from Debian's ``fonts-wqy-microhei``
(0.2.0-beta; installed by ``make``'s set-up), face 0 ("WenQuanYi Micro Hei"). Licence: Apache-2.0
or GPL-3+ with font exception, at the user's choice; we use it under Apache-2.0 (see
``templates/reports/fonts/LICENSE`` and ``NOTICE``, which records the changes made here).

The subset holds what a county's scorecards print:

* every character of GB 2312 (levels 1 and 2: 6,763 hanzi, plus its punctuation, fullwidth
  forms, Greek, Cyrillic, kana and box-drawing rows);
* printable ASCII, Latin-1 punctuation, general punctuation, CJK symbols and punctuation
  (U+3000–303F), halfwidth and fullwidth forms (U+FF00–FFEF), circled numbers, arrows, the
  comparison signs and the stars the cards use;
* rare characters seen in Chinese personal names outside GB 2312 (喆 堃 珺 玥 昇 …);
* every character of the demo county's data files (``tenants/demo/``), the plugins' rubric and
  plugin files (``plugins/``) and the report templates; and, where the source has them, of the
  core's Python sources (explanations and alerts are written there) and the translations.

Characters the source font lacks are listed and skipped; ``--check`` turns that into an error
for the demo, plugin and template characters, so a new rare name in the demo data is caught
before it prints as a fallback glyph.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
SOURCE_FACE = 0
OUT_DIR = ROOT / "templates" / "reports" / "fonts"
OUT_FILE = OUT_DIR / "BranchmarkSansCJK-Regular.ttf"
CHARSET_FILE = OUT_DIR / "charset.txt"
FAMILY = "Branchmark Sans CJK"
POSTSCRIPT = "BranchmarkSansCJK-Regular"

#: Characters found in Chinese personal names but not in GB 2312 (GB 18030 / 通用规范汉字表).
RARE_NAME_CHARACTERS = (
    "喆堃珺玥昇垚淼犇骉赟昉旻晔暄琛瑄瑾璟煜焱婧婕妍雯玮炜珏钰祎禕韡颢昊皓翀骞彧懿嫣芃芊"
    "茜镕鋆燚昕晗晞曦琰琬瑀璇璐瑶珈玙瑢珩璠璘琮砚琨琇瑭祺禛禧翊翌翎羿翾蕊薇蓁萱蔚菁钊铖铎"
    "锴锟锘镕镛镝鑫沅沣洺浛淏湉澍澔滢潆濛灏烨焜熠燊炘炅炆焕烜煊暐昶晟晁晖晢暘曈曜旸昱"
    "堉埕垲墉坤坶婷媛嫚姝妤娉娅婳嫱倢偲儇俣佺侃佾伃仝亓彬彦彪杉枫栎栩桉梓楠槿橦樾檀"
    "䶮㛃㐱𠇔"
)

EXTRA_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement: × · ° ± §
    (0x2000, 0x206F),  # general punctuation: — … ‘ ’ “ ” ‰ ※
    (0x2100, 0x214F),  # letterlike symbols: № ℃
    (0x2150, 0x218F),  # number forms: Ⅰ Ⅱ Ⅲ
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators: ≥ ≤ ≠ √
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ②
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes: ■ □ ● ○ ▲
    (0x2600, 0x26FF),  # miscellaneous symbols: ★ ☆ ⚠
    (0x2700, 0x27BF),  # dingbats: ✓ ✗
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x32FF),  # enclosed CJK: ㈠ ㊀
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
)

#: Files whose every character the font must cover (globs relative to the project root):
#: the demo county, the plugins' rubrics and code, the report templates. ``--check`` fails when
#: the source font lacks one of these.
REQUIRED_GLOBS = (
    "tenants/demo/*",
    "plugins/**/*.py",
    "plugins/**/*.yaml",
    "templates/reports/**/*.html",
    "templates/reports/**/*.yaml",
)
#: Files whose characters are added when the source has them: the core writes explanations,
#: alerts and messages; a symbol only the command line prints (⚠) need not be on a card.
EXTRA_GLOBS = (
    "core/**/*.py",
    "core/translations/**/*.po",
    "tenants/README.md",
)


def gb2312_characters() -> set[str]:
    """Every character GB 2312 encodes (rows 1–9 symbols, 16–55 level 1, 56–87 level 2)."""
    chars: set[str] = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def range_characters() -> set[str]:
    """The fixed Unicode ranges above."""
    return {chr(code) for start, end in EXTRA_RANGES for code in range(start, end + 1)}


def data_characters(root: Path = ROOT, globs: tuple[str, ...] = REQUIRED_GLOBS) -> set[str]:
    """Every printable character of the files the globs match."""
    chars: set[str] = set()
    for pattern in globs:
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                chars.update(path.read_text(encoding="utf-8", errors="ignore"))
    return {ch for ch in chars if ord(ch) >= 0x20 and not ch.isspace()}


def load_source(path: Path = SOURCE, face: int = SOURCE_FACE) -> TTFont:
    """The source face; a clear message when fonts-wqy-microhei is not installed."""
    if not path.exists():
        sys.exit(f"{path} not found: install Debian's fonts-wqy-microhei (make demo does)")
    if path.suffix.lower() == ".ttc":
        return TTCollection(str(path)).fonts[face]
    return TTFont(str(path))


def rename(font: TTFont) -> None:
    """Give the subset its own names so it never clashes with an installed WenQuanYi font."""
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 3:
            names.setName(
                f"{POSTSCRIPT};subset", 3, record.platformID, record.platEncID, record.langID
            )
        elif record.nameID == 6:
            names.setName(POSTSCRIPT, 6, record.platformID, record.platEncID, record.langID)
    names.setName(
        "Subset of WenQuanYi Micro Hei 0.2.0-beta made by Branchmark scripts/build-font.py",
        10,
        3,
        1,
        0x409,
    )


def build(out: Path = OUT_FILE, *, check: bool = False) -> int:
    """Write the subset font and its character list.

    :returns: 0, or 1 when ``check`` is set and a data character is missing from the source.
    """
    source = load_source()
    cmap = source.getBestCmap()
    wanted = gb2312_characters() | range_characters() | set(RARE_NAME_CHARACTERS)
    from_data = data_characters()
    wanted |= from_data | data_characters(globs=EXTRA_GLOBS)
    available = sorted(ch for ch in wanted if ord(ch) in cmap)
    missing_data = sorted(ch for ch in from_data if ord(ch) not in cmap)
    missing_other = sorted(ch for ch in wanted - from_data if ord(ch) not in cmap)
    if check:
        if missing_data:
            print(
                "missing from the source font: "
                + " ".join(f"{c} U+{ord(c):04X}" for c in missing_data)
            )
            return 1
        print(f"ok: the source covers all {len(from_data)} characters of the data files")
        return 0

    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # hints double the size and PDF viewers ignore them
    options.glyph_names = False
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: nothing a renderer reads
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=[ord(ch) for ch in available])
    subsetter.subset(source)
    rename(source)
    source.recalcTimestamp = False  # same input, same bytes: keep the source's dates
    out.parent.mkdir(parents=True, exist_ok=True)
    source.save(str(out))
    CHARSET_FILE.write_text(
        "# Characters in "
        + out.name
        + " (one line, generated by scripts/build-font.py)\n"
        + "".join(available)
        + "\n",
        encoding="utf-8",
    )
    size = out.stat().st_size
    print(
        f"wrote {out.relative_to(ROOT)}: {len(available)} characters, {size / 1024 / 1024:.2f} MB"
    )
    if missing_data:
        print(
            "data characters the source lacks (a system font must supply them): "
            + "".join(missing_data)
        )
    if missing_other:
        print(f"{len(missing_other)} range/rare characters absent from the source were skipped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=OUT_FILE, help="output .ttf (default: %(default)s)"
    )
    parser.add_argument(
        "--check", action="store_true", help="only check the source covers the data"
    )
    args = parser.parse_args(argv)
    return build(args.out, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
