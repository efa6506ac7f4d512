#!/usr/bin/env bash
# Refresh the vendored front-end assets of kitaplan.
#
# kitaplan runs offline and without a JavaScript build step, so the few
# third-party front-end files it needs are committed under
#   src/kitaplan/web/core/static/vendor/{kern,htmx,leaflet}/
# together with their licence texts and vendor/VERSIONS.txt.
#
# This script fetches the pinned npm tarballs with `npm pack` (no
# node_modules, no install scripts), checks them against the pinned
# sha512 integrity, and copies only the distributable files:
#
#   kern/     @kern-ux/native  kern.min.css, fonts/fira-sans.css and the
#                              woff2 files it references (KERN's icons are
#                              inline SVG data URIs in the CSS), LICENSE.md
#                              (EUPL-1.2), fonts/OFL.txt (Fira Sans)
#   htmx/     htmx.org         htmx.min.js, LICENSE (0BSD)
#   leaflet/  leaflet          leaflet.js, leaflet.css, images/*.png,
#                              LICENSE (BSD-2-Clause)
#
# Source maps are not vendored; `sourceMappingURL` comments are removed so
# that Django's ManifestStaticFilesStorage (collectstatic) does not look
# for the missing .map files.
#
# To update: change a version below, run the script once with the new
# version and an empty integrity ("") to print the tarball's integrity,
# pin that value, run again, review `git diff`, and update
# docs/decisions/0004-kern-ux-leaflet-htmx.md if anything noteworthy changed.
#
# Requires: bash, npm (and thus node), tar.
set -euo pipefail

KERN_VERSION="2.7.2"
KERN_INTEGRITY="sha512-TN0Mqbasp7S1IOqurXickde8MDj5hIcgT4s3f1i33wyv2iVgA1dTO/FoQyi6rgM9KYTYkIthl9k72g7fBUUvHg=="
HTMX_VERSION="2.0.11"
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
LEAFLET_VERSION="1.9.4"
LEAFLET_INTEGRITY="sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
# @kern-ux/native ships the Fira Sans fonts (SIL OFL 1.1) without the
# licence text; the OFL text is taken from the Fontsource package.
FONTSOURCE_VERSION="5.3.0"
FONTSOURCE_INTEGRITY="sha512-z1SKSG7eRhm3srlb7rQ3j77QP4TP7OFxCZ4wUWhCdt+3hOF9K0AyvybpAsz6+JWNcCVV7AqC7dbOT3e67P2r5A=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/src/kitaplan/web/core/static/vendor"

command -v npm >/dev/null || { echo "npm is required" >&2; exit 1; }
command -v node >/dev/null || { echo "node is required" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch <package> <version> <integrity> <dir>: npm pack, verify, extract.
fetch() {
    local name="$1" version="$2" integrity="$3" dir="$4" tarball actual
    tarball="$(cd "$WORK" && npm pack --silent "$name@$version" | tail -n 1)"
    actual="sha512-$(node -e 'const c=require("crypto"),f=require("fs");
        process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' \
        "$WORK/$tarball")"
    if [[ "$actual" != "$integrity" ]]; then
        echo "Integrity mismatch for $name@$version" >&2
        echo "  expected: ${integrity:-<not pinned>}" >&2
        echo "  actual:   $actual" >&2
        exit 1
    fi
    mkdir -p "$WORK/$dir"
    tar -xzf "$WORK/$tarball" -C "$WORK/$dir" --strip-components=1
    echo "fetched $name@$version"
}

# copy <src> <dst>: copy one file, dropping sourceMappingURL comments from JS/CSS.
copy() {
    local src="$1" dst="$2"
    mkdir -p "$(dirname "$dst")"
    case "$src" in
        *.js | *.css)
            sed -E -e '/^[[:space:]]*\/\/[#@] sourceMappingURL=/d' \
                   -e 's#/\*[#@] sourceMappingURL=[^*]*\*/##' "$src" >"$dst" ;;
        *) cp "$src" "$dst" ;;
    esac
}

fetch "@kern-ux/native" "$KERN_VERSION" "$KERN_INTEGRITY" kern
fetch "htmx.org" "$HTMX_VERSION" "$HTMX_INTEGRITY" htmx
fetch "leaflet" "$LEAFLET_VERSION" "$LEAFLET_INTEGRITY" leaflet
fetch "@fontsource/fira-sans" "$FONTSOURCE_VERSION" "$FONTSOURCE_INTEGRITY" fontsource

rm -rf "$DEST/kern" "$DEST/htmx" "$DEST/leaflet" "$DEST/VERSIONS.txt"
mkdir -p "$DEST"

# --- KERN UX -----------------------------------------------------------------
K="$WORK/kern"
copy "$K/dist/kern.min.css" "$DEST/kern/kern.min.css"
copy "$K/dist/fonts/fira-sans.css" "$DEST/kern/fonts/fira-sans.css"
# Only the font files that fira-sans.css actually references.
grep -oE 'url\("?\./[^")]+' "$K/dist/fonts/fira-sans.css" | sed -E 's#url\("?\./##' | sort -u |
    while read -r font; do
        copy "$K/dist/fonts/$font" "$DEST/kern/fonts/$font"
    done
# Anything else kern.min.css references must be a data: URI (icons).
if grep -oE 'url\([^)]*\)' "$DEST/kern/kern.min.css" | grep -vqE '^url\(["'"'"']?data:'; then
    echo "kern.min.css references files that are not vendored:" >&2
    grep -oE 'url\([^)]*\)' "$DEST/kern/kern.min.css" | grep -vE '^url\(["'"'"']?data:' | sort -u >&2
    exit 1
fi
copy "$K/LICENSE.md" "$DEST/kern/LICENSE.md"
{
    echo "Fira Sans (fonts/fira-sans/*.woff2), as shipped in @kern-ux/native $KERN_VERSION."
    echo "Digitized data copyright (c) 2012-2015, The Mozilla Foundation and Telefonica S.A."
    echo "with Reserved Font Name < Fira >."
    echo
    # The OFL text without Fontsource's copyright header line(s).
    sed -n '/^This Font Software is licensed under the SIL Open Font License/,$p' \
        "$WORK/fontsource/LICENSE"
} >"$DEST/kern/fonts/OFL.txt"

# --- htmx --------------------------------------------------------------------
H="$WORK/htmx"
copy "$H/dist/htmx.min.js" "$DEST/htmx/htmx.min.js"
copy "$H/LICENSE" "$DEST/htmx/LICENSE"

# --- Leaflet -----------------------------------------------------------------
L="$WORK/leaflet"
copy "$L/dist/leaflet.js" "$DEST/leaflet/leaflet.js"
copy "$L/dist/leaflet.css" "$DEST/leaflet/leaflet.css"
for img in "$L"/dist/images/*.png; do
    copy "$img" "$DEST/leaflet/images/$(basename "$img")"
done
copy "$L/LICENSE" "$DEST/leaflet/LICENSE"

# --- VERSIONS.txt ------------------------------------------------------------
{
    echo "# Vendored front-end assets. Generated by scripts/vendor_static.sh; do not edit."
    echo "# package	version	licence	directory	integrity"
    echo "@kern-ux/native	$KERN_VERSION	EUPL-1.2	kern/	$KERN_INTEGRITY"
    echo "Fira Sans (inside @kern-ux/native)	4.106	OFL-1.1	kern/fonts/	-"
    echo "htmx.org	$HTMX_VERSION	0BSD	htmx/	$HTMX_INTEGRITY"
    echo "leaflet	$LEAFLET_VERSION	BSD-2-Clause	leaflet/	$LEAFLET_INTEGRITY"
    echo "# OFL licence text taken from @fontsource/fira-sans $FONTSOURCE_VERSION ($FONTSOURCE_INTEGRITY)"
} >"$DEST/VERSIONS.txt"

echo "Vendored into ${DEST#"$ROOT"/}:"
(cd "$DEST" && find kern htmx leaflet VERSIONS.txt -type f -print0 | sort -z | xargs -0 du -b | awk '{printf "  %9d  %s\n", $1, $2; s += $1} END {printf "  %9d  total\n", s}')
