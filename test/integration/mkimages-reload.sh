# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Images of scenarios 20-22 (reloads: slow files, the time budget, the extraction cache). Sourced
# by mkimages.sh, with its helpers (new, mk_root, unit, daemon_unit, squash, gpt) and $OUT.
#
# rl1.raw .. rl5.raw   squashfs, one enabled daemon rlN.service each; rl5.raw is a GPT disk
# swap.raw.a           squashfs "swap": swap.service (reports SWAP=a) and swap-old.service
# swap.raw.b           the same name, new content: swap.service (SWAP=b) and swap-new.service
#                      (.a and .b have the same size, so that overwriting one with the other in
#                      place changes neither the inode nor the size: only the content and ctime)

for i in 1 2 3 4; do
        d=$(new "rl$i"); mk_root "$d" "rl$i" 1; daemon_unit "$d" "rl$i"; squash "$d" "$OUT/rl$i.raw"
done
d=$(new rl5); mk_root "$d" rl5 1; daemon_unit "$d" rl5; gpt "$d" "$OUT/rl5.raw"

for v in a b; do
        d=$(new "swap$v"); mk_root "$d" swap "$v"
        other=old; [[ $v == b ]] && other=new
        unit "$d" swap.service <<EOS
[Unit]
Description=ptest swap, content $v

[Service]
Type=exec
ExecStart=/usr/bin/sh -c 'echo "PTEST tag=swap SWAP=$v"; /usr/bin/ptest-report swap; exec sleep 100000'

[Install]
WantedBy=multi-user.target
EOS
        daemon_unit "$d" "swap-$other"
        squash "$d" "$OUT/swap.raw.$v"
done
size=$(stat -c %s "$OUT/swap.raw.a")
(( $(stat -c %s "$OUT/swap.raw.b") > size )) && size=$(stat -c %s "$OUT/swap.raw.b")
size=$(( (size + 4095) / 4096 * 4096 ))
truncate -s "$size" "$OUT/swap.raw.a" "$OUT/swap.raw.b"
