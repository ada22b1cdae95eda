# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Images of scenarios 37, 38 and 39 (Extensions=). Sourced by mkimages.sh, with its helpers (new,
# mk_root, unit, squash) and $OUT.
#
# xbase.raw            squashfs, ID=ptest VERSION_ID=1: xbase.service runs /usr/bin/xbase-tool,
#                      which it does not have; xbase-web.service reports "web from the base"
# xbase-tool.raw       squashfs extension: /usr/bin/xbase-tool (reports, then sleeps) and its
#                      extension-release.xbase-tool (ID=ptest VERSION_ID=1, SYSEXT_ID=)
# xbase-tool_2.raw     its next version: the tool reports TOOL=from-extension-2
# xbase-bad.raw        the same tool, extension-release.xbase-bad with ID=ptest VERSION_ID=7
# xbase-l1/, xbase-l2/ directory extensions (ID=_any): each ships xbase-web.service reporting
#                      its own layer, and a file /usr/share/xbase/layer naming it

d=$(new xbase); mk_root "$d" xbase 1
unit "$d" xbase.service <<'EOS'
[Unit]
Description=ptest xbase, its tool from an extension

[Service]
Type=exec
ExecStart=/usr/bin/xbase-tool

[Install]
WantedBy=multi-user.target
EOS
unit "$d" xbase-web.service <<'EOS'
[Unit]
Description=ptest xbase-web from the base

[Service]
Type=exec
ExecStart=/usr/bin/sh -c 'echo "PTEST tag=xbase-web LAYER=base"; exec sleep 100000'
EOS
squash "$d" "$OUT/xbase.raw"

# xtool DIR NAME VERSION_ID [TAG]: an extension tree with the tool and its extension-release.
xtool() {
        mkdir -p "$1/usr/bin" "$1/usr/lib/extension-release.d"
        cat >"$1/usr/bin/xbase-tool" <<EOS
#!/usr/bin/sh
echo "PTEST tag=xbase-tool TOOL=${4:-from-extension}"
/usr/bin/ptest-report xbase-tool
# The shell running this script stays the main process (scenario 37 looks at its command line).
sleep 100000 &
wait \$!
EOS
        chmod 0755 "$1/usr/bin/xbase-tool"
        printf 'ID=ptest\nVERSION_ID=%s\nSYSEXT_ID=xtool\nSYSEXT_VERSION_ID=%s\n' "$3" "$3" \
                >"$1/usr/lib/extension-release.d/extension-release.$2"
}
d=$(new xbase-tool); xtool "$d" xbase-tool 1; squash "$d" "$OUT/xbase-tool.raw"
d=$(new xbase-tool_2); xtool "$d" xbase-tool_2 1 from-extension-2; squash "$d" "$OUT/xbase-tool_2.raw"
d=$(new xbase-bad); xtool "$d" xbase-bad 7; squash "$d" "$OUT/xbase-bad.raw"

for l in l1 l2; do
        d=$(new "xbase-$l")
        mkdir -p "$d/usr/lib/extension-release.d" "$d/usr/lib/systemd/system" "$d/usr/share/xbase"
        printf 'ID=_any\n' >"$d/usr/lib/extension-release.d/extension-release.xbase-$l"
        echo "$l" >"$d/usr/share/xbase/layer"
        cat >"$d/usr/lib/systemd/system/xbase-web.service" <<EOS
[Unit]
Description=ptest xbase-web from $l

[Service]
Type=exec
ExecStart=/usr/bin/sh -c 'echo "PTEST tag=xbase-web LAYER=$l FILE=\$\$(cat /usr/share/xbase/layer)"; exec sleep 100000'
EOS
        rm -rf "$OUT/xbase-$l"; cp -a "$d" "$OUT/xbase-$l"
done

# xverity/: copies of xbase.raw and xbase-tool.raw, each with its hash tree NAME.verity and its
# NAME.roothash, for scenario 39 (Extensions= under Verity=yes). Apart, since sidecars beside
# the plain ones would make scenario 37 verify them too. Without veritysetup: none, 39 skips.
if command -v veritysetup >/dev/null; then
        rm -rf "$OUT/xverity"; mkdir -p "$OUT/xverity"
        for n in xbase xbase-tool; do
                cp "$OUT/$n.raw" "$OUT/xverity/$n.raw"
                veritysetup format "$OUT/xverity/$n.raw" "$OUT/xverity/$n.verity" \
                        --root-hash-file="$OUT/xverity/$n.hex" >/dev/null
                printf '%s\n' "$(cat "$OUT/xverity/$n.hex")" >"$OUT/xverity/$n.roothash"
                rm -f "$OUT/xverity/$n.hex"
        done
fi
