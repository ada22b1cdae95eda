# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Images of scenarios 18 and 19 (verified images, issue 4). Sourced by mkimages.sh, with its
# helpers (new, mk_root, daemon_unit, squash, root_part_type) and $OUT, $SCRATCH.
#
# Every image is a busybox squashfs with one daemon unit named like the image, its dm-verity hash
# tree made by `veritysetup format` beside it (NAME.verity) and its root hash in NAME.roothash:
#
#   vok.raw           intact, unsigned (scenario 18 flips bytes in copies of it)
#   vsig.raw          + NAME.roothash.p7s signed by the test signing key (certificate issued by the
#                     test CA); verity-test.crt is that certificate, for /etc/verity.d
#   vunsigned.raw     no signature
#   vstranger.raw     signed by a key nobody trusts (its own CA, other names)
#   vimpostor.raw     signed by a key whose certificate has the same issuer name and serial number as
#                     the trusted one (what a PKCS#7 without certificates names its signer by)
#   vshort.raw        NAME.roothash too short (10 hex digits)
#   vnothex.raw       NAME.roothash of the right length with non-hex characters
#   vgpt.raw          GPT by systemd-repart: root (squashfs) + root-verity + root-verity-sig, signed by
#                     the test signing key; vgpt.raw.root-offset holds the root partition's byte
#                     offset, vgpt.raw.roothash its root hash (for the scenario, not a sidecar: it is
#                     named so the generator does not take it for one)
#
# Without veritysetup or openssl nothing is built and the scenarios skip; without systemd-repart
# only vgpt.raw is missing.

verity_build() {
        local sign="$SCRATCH/verity-keys" n hex

        if ! command -v veritysetup >/dev/null || ! command -v openssl >/dev/null; then
                echo "mkimages-verity.sh: veritysetup or openssl missing: no verity images" >&2
                return 0
        fi

        # The test CA, the signing certificate it issues (installed into /etc/verity.d by the
        # scenarios), a stranger under its own CA, and an impostor: another CA with the same name,
        # issuing a certificate with the same subject and serial number for another key.
        rm -rf "$sign"; mkdir -p "$sign"
        (
                cd "$sign"
                openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ptest verity CA" \
                        -keyout ca.key -out ca.crt 2>/dev/null
                openssl req -newkey rsa:2048 -nodes -subj "/CN=ptest verity signing" \
                        -keyout signing.key -out signing.csr 2>/dev/null
                openssl x509 -req -in signing.csr -CA ca.crt -CAkey ca.key -set_serial 4242 -days 3650 \
                        -out signing.crt 2>/dev/null
                openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ptest stranger CA" \
                        -keyout sca.key -out sca.crt 2>/dev/null
                openssl req -newkey rsa:2048 -nodes -subj "/CN=ptest stranger signing" \
                        -keyout stranger.key -out stranger.csr 2>/dev/null
                openssl x509 -req -in stranger.csr -CA sca.crt -CAkey sca.key -set_serial 77 -days 3650 \
                        -out stranger.crt 2>/dev/null
                openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ptest verity CA" \
                        -keyout ica.key -out ica.crt 2>/dev/null
                openssl req -newkey rsa:2048 -nodes -subj "/CN=ptest verity signing" \
                        -keyout impostor.key -out impostor.csr 2>/dev/null
                openssl x509 -req -in impostor.csr -CA ica.crt -CAkey ica.key -set_serial 4242 -days 3650 \
                        -out impostor.crt 2>/dev/null
        )
        [[ -s "$sign/signing.crt" && -s "$sign/stranger.crt" && -s "$sign/impostor.crt" ]] || die "openssl: no test certificates"
        install -m 0644 "$sign/signing.crt" "$OUT/verity-test.crt"
        install -m 0644 "$sign/ca.crt" "$OUT/verity-test-ca.crt"

        # verity_image NAME: squashfs + NAME.verity + NAME.roothash; prints the root hash.
        verity_image() {
                local d
                d=$(new "$1"); mk_root "$d" "$1" 1; daemon_unit "$d" "$1"
                squash "$d" "$OUT/$1.raw"
                rm -f "$OUT/$1.verity"
                veritysetup format "$OUT/$1.raw" "$OUT/$1.verity" --root-hash-file="$SCRATCH/$1.hex" >/dev/null
                printf '%s\n' "$(cat "$SCRATCH/$1.hex")" >"$OUT/$1.roothash"
                cat "$SCRATCH/$1.hex"
        }
        # verity_sign NAME KEY: NAME.roothash.p7s over the hex root hash, no newline, as systemd wants it.
        verity_sign() {
                printf '%s' "$(cat "$SCRATCH/$1.hex")" | openssl smime -sign -binary -noattr -nocerts -outform der \
                        -inkey "$sign/$2.key" -signer "$sign/$2.crt" -out "$OUT/$1.roothash.p7s"
                [[ -s "$OUT/$1.roothash.p7s" ]] || die "openssl smime: no signature for $1"
        }

        for n in vok vsig vunsigned vstranger vimpostor vshort vnothex; do
                verity_image "$n" >/dev/null
        done
        verity_sign vsig signing
        verity_sign vstranger stranger
        verity_sign vimpostor impostor
        hex=$(cat "$SCRATCH/vshort.hex"); printf '%s\n' "${hex:0:10}" >"$OUT/vshort.roothash"
        hex=$(cat "$SCRATCH/vnothex.hex"); printf 'zz%s\n' "${hex:2}" >"$OUT/vnothex.roothash"

        # The GPT image, as examples/repart-verity builds it.
        if command -v systemd-repart >/dev/null; then
                local d defs="$SCRATCH/vgpt-repart.d"
                d=$(new vgpt); mk_root "$d" vgpt 1; daemon_unit "$d" vgpt
                rm -rf "$defs"; mkdir -p "$defs"
                printf '[Partition]\nType=root\nLabel=vgpt_1\nFormat=squashfs\nCopyFiles=/:/\nVerity=data\nVerityMatchKey=root\n' \
                        >"$defs/10-root.conf"
                printf '[Partition]\nType=root-verity\nLabel=vgpt_1-verity\nVerity=hash\nVerityMatchKey=root\n' \
                        >"$defs/20-root-verity.conf"
                printf '[Partition]\nType=root-verity-sig\nLabel=vgpt_1-verity-sig\nVerity=signature\nVerityMatchKey=root\n' \
                        >"$defs/30-root-verity-sig.conf"
                rm -f "$OUT/vgpt.raw"
                systemd-repart --empty=create --size=auto --dry-run=no --no-pager --json=short \
                        --definitions="$defs" --root="$d" --seed=random \
                        --private-key="$sign/signing.key" --certificate="$sign/signing.crt" \
                        "$OUT/vgpt.raw" >"$SCRATCH/vgpt.json" 2>"$SCRATCH/vgpt.log" \
                        || { cat "$SCRATCH/vgpt.log" >&2; die "systemd-repart failed"; }
                sed -n 's/.*"roothash":"\([0-9a-f]\{64\}\)".*/\1/p' "$SCRATCH/vgpt.json" >"$OUT/vgpt.raw.roothash"
                [[ -s "$OUT/vgpt.raw.roothash" ]] || { cat "$SCRATCH/vgpt.json" >&2; die "no root hash from systemd-repart"; }
                sfdisk -d "$OUT/vgpt.raw" | awk -v t="$(root_part_type)" '
                        tolower($0) ~ "type= *" t { sub(/.*start= */, ""); sub(/,.*/, ""); print $0 * 512 }' \
                        >"$OUT/vgpt.raw.root-offset"
                [[ -s "$OUT/vgpt.raw.root-offset" ]] || die "vgpt.raw: no root partition found"
        else
                echo "mkimages-verity.sh: systemd-repart missing: no vgpt.raw" >&2
        fi
}
verity_build
