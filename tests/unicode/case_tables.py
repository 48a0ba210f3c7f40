#!/usr/bin/env python3
"""Write the case tables of lib/case.c from the Unicode Character Database.

Go's unicode.ToLower and ToUpper are the simple case mappings of
UnicodeData.txt (fields 12 and 13), and unicode.SimpleFold walks the classes
of CaseFolding.txt's common and simple foldings (status C and S); BuildKit's
strings.ToLower, ToUpper and EqualFold are built on them. Go's tables are
Unicode 15.0.0, and so are these.

usage: case_tables.py [UCD_DIR]   (default /usr/share/unicode, Debian's
unicode-data package) > tables.txt, then paste over the tables in
lib/case.c. tests/test_unicode.c checks every code point of the result
against the same files.
"""
import os
import sys

VERSION = "15.0.0"


def read_mappings(ucd):
    """code point -> (simple uppercase, simple lowercase), where either differs."""
    maps = {}
    with open(os.path.join(ucd, "UnicodeData.txt"), encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(";")
            r = int(fields[0], 16)
            upper = int(fields[12], 16) if fields[12] else r
            lower = int(fields[13], 16) if fields[13] else r
            if upper != r or lower != r:
                maps[r] = (upper, lower)
    return maps


def read_folds(ucd):
    """code point -> the rune its C or S folding names."""
    folds = {}
    path = os.path.join(ucd, "CaseFolding.txt")
    with open(path, encoding="utf-8") as f:
        head = f.readline()
        if VERSION not in head:
            sys.exit(f"{path}: {head.strip()!r}, expected version {VERSION}")
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            code, status, mapping = [x.strip() for x in line.split(";")[:3]]
            if status in ("C", "S"):
                folds[int(code, 16)] = int(mapping, 16)
    return folds


def runs(deltas):
    """Consecutive code points with the same value, as (lo, hi, value)."""
    out = []
    for r in sorted(deltas):
        v = deltas[r]
        if out and out[-1][1] == r - 1 and out[-1][2] == v:
            out[-1][1] = r
        else:
            out.append([r, r, v])
    return out


def alternate(items):
    """Merge runs of single code points that alternate upper (+1 lower) and
    lower (-1 upper), starting with an upper one, into ALT ranges."""
    out = []
    i = 0
    while i < len(items):
        lo, hi, v = items[i]
        j = i
        # an upper-lower pair: lo maps down to lo+1, lo+1 maps up to lo
        while (j + 1 < len(items) and items[j][0] == items[j][1] and
               items[j + 1][0] == items[j + 1][1] == items[j][0] + 1 and
               items[j][2] == (0, 1) and items[j + 1][2] == (-1, 0) and
               (j == i or items[j][0] == items[j - 1][0] + 1)):
            j += 2
        if j - i >= 4:  # two pairs or more
            out.append([lo, items[j - 1][1], "ALT"])
            i = j
        else:
            out.append(items[i])
            i += 1
    return out


def packed(items):
    """The items, comma-separated, in lines of at most 100 columns."""
    line = " "
    for item in items:
        if len(line) + len(item) + 2 > 100:
            print(line)
            line = " "
        line += " " + item + ","
    print(line)


def main():
    ucd = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"
    maps = read_mappings(ucd)
    folds = read_folds(ucd)
    deltas = {r: (u - r, l - r) for r, (u, l) in maps.items()}
    ranges = alternate(runs(deltas))
    print(f"/* {len(ranges)} ranges of UnicodeData.txt {VERSION}'s simple case mappings:")
    print(" * {lo, hi, upper delta, lower delta}; ALT: upper at even offsets from lo,")
    print(" * lower at odd ones (tests/unicode/case_tables.py) */")
    print(f"static const case_range case_ranges[{len(ranges)}] = {{")
    packed([f"{{0x{lo:X}, 0x{hi:X}, " + ("ALT, ALT}" if v == "ALT" else f"{v[0]}, {v[1]}}}")
            for lo, hi, v in ranges])
    print("};")
    print()
    # A rune folds to what its C or S folding names, or to itself when it has
    # none; for most that is its lowercase mapping. The others, with what
    # they fold to (themselves, for an uppercase rune with no folding):
    extra = []
    for r in range(0x110000):
        fold, lower = folds.get(r, r), maps.get(r, (r, r))[1]
        if fold != lower:
            extra.append((r, fold))
    print(f"/* {len(extra)} runes that CaseFolding.txt {VERSION}'s C and S foldings fold other")
    print(" * than to their simple lowercase mapping: {rune, what it folds to} */")
    print(f"static const uint32_t fold_extra[{len(extra)}][2] = {{")
    packed([f"{{0x{r:X}, 0x{t:X}}}" for r, t in extra])
    print("};")


if __name__ == "__main__":
    main()
