#!/bin/sh
# render_html.sh: renders an HTML report to PNG with headless Chromium and
# checks that the picture is not blank (at least MIN_COLOURS distinct pixel
# colours, default 50). For looking at reports by eye and for CI smoke
# tests; not a pixel comparison (fonts differ between machines).
#
# usage: tests/render_html.sh REPORT.html OUT.png [WIDTH HEIGHT]
# Exit 0 when rendered and non-blank, 1 when blank, 2 on usage or a missing
# tool (chromium or python3), 3 when Chromium produced no PNG.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 REPORT.html OUT.png [WIDTH HEIGHT]" >&2
    exit 2
fi
html=$1
out=$2
width=${3:-1200}
height=${4:-3000}
min_colours=${MIN_COLOURS:-50}

browser=
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then
        browser=$b
        break
    fi
done
if [ -z "$browser" ]; then
    echo "$0: chromium not found (apt-get install chromium)" >&2
    exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "$0: python3 not found" >&2; exit 2; }

case $html in
/*) abs=$html ;;
*) abs=$(pwd)/$html ;;
esac
case $out in
/*) ;;
*) out=$(pwd)/$out ;;
esac

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT INT TERM
rm -f "$out"
# The report makes no requests; the flags keep Chromium itself off the
# network too, so rendering works offline and in sandboxed CI.
"$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" \
    --screenshot="$out" --window-size="$width,$height" "file://$abs" \
    >/dev/null 2>&1 || true
if [ ! -s "$out" ]; then
    echo "$0: chromium wrote no screenshot" >&2
    exit 3
fi

# Count distinct colours with the standard library only: inflate the IDAT
# chunks and undo the PNG row filters (8-bit RGB or RGBA, non-interlaced,
# which is what Chromium writes).
python3 - "$out" "$min_colours" <<'EOF'
import struct, sys, zlib

path, need = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("not a PNG: " + path)
pos, idat, hdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit("unsupported PNG layout: depth %d colour type %d" % (depth, ctype))
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = set()
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1:
            line[i] = (line[i] + a) & 255
        elif f == 2:
            line[i] = (line[i] + b) & 255
        elif f == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:  # a sample of rows is plenty to tell blank from drawn
        colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp * 2))
    prev = line
print("%s: %dx%d, %d distinct colours" % (path, w, h, len(colours)))
sys.exit(0 if len(colours) >= need else 1)
EOF
