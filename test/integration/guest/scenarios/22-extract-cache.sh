# SPDX-License-Identifier: LGPL-2.1-or-later
# The extraction cache (/run/systemd/portables-cache): after a complete reload its bundle
# (lib/extract-cache-bundle.h) holds one entry per raw image (directory images need none), each
# keyed by the file's identity; an unchanged image is not extracted again; an image overwritten in
# place with new content (same inode, same size, mtime set back: only the content and the ctime
# change) gives its new units on the next reload; the entry of a removed image is pruned. The
# generator writes its entries into the bundle only; an entry has a file of its own when a child
# read the image for it (one that is mounted), and then the bundle has it too.
CACHE=/run/systemd/portables-cache
RAW=(rl1 rl2 rl3 rl5 swap)      # rl5 is a GPT disk image
involve swap.service swap-old.service swap-new.service

# Claims of /run directories (claim-*, host-claims.h) live there too; they are not entries.
files() { find "$CACHE" -mindepth 1 -maxdepth 1 ! -name '.*' ! -name 'claim-*' ! -name bundle -printf '%f\n' 2>/dev/null | sort; }
# entries: the keys of the entries in the bundle ("KEY SIZE" lines before each entry).
entries() { grep -aE '^[0-9a-f.-]+ [0-9]+$' "$CACHE/bundle" 2>/dev/null | cut -d' ' -f1 | sort; }

# entries_with UNIT: the entries holding UNIT. An entry is a packed tree (lib/image-fs.h): each
# of its paths stands on a line of its own.
entries_with() {
        awk -v u="/usr/lib/systemd/system/$1" '/^[0-9a-f.-]+ [0-9]+$/ { k = $1; next } $0 == u { print k }' \
                "$CACHE/bundle" 2>/dev/null | sort -u
}

one_entry_with() {
        local got; got=$(entries_with "$1" | wc -l)
        [[ $got -eq 1 ]] && return 0
        say "$got cache entries hold $1 (expected 1); entries: $(entries | tr '\n' ' ')"
        return 1
}

no_entry_with() {
        local got; got=$(entries_with "$1")
        [[ -z "$got" ]] && return 0
        say "cache entries $got hold $1 (expected none)"
        return 1
}

n_entries_is() {
        local got; got=$(entries | wc -l)
        [[ $got -eq $1 ]] && return 0
        say "$got cache entries (expected $1): $(entries | tr '\n' ' ')"
        return 1
}

in_bundle() { entries | grep -qxF "$1"; }

# Every entry file is one of the bundle's.
files_in_bundle() {
        local f
        for f in $(files); do
                in_bundle "$f" || { say "entry file $f is not in the bundle"; return 1; }
        done
}

# key_of FILE: the entry name for FILE's identity (lib/extract-cache.c cache_key()).
key_of() {
        local dev ino size m c
        read -r dev ino size m c < <(stat -L -c '%d %i %s %.9Y %.9Z' "$1")
        printf '%x-%x-%x-%x.%s-%x.%s\n' "$dev" "$ino" "$size" "${m%.*}" "${m#*.}" "${c%.*}" "${c#*.}"
}

for n in rl1 rl2 rl3 rl5; do place "$n.raw" /var/lib/portables; done
place swap.raw.a /var/lib/portables swap.raw
place dirsvc /var/lib/portables
require "daemon-reload succeeds" reload
check "the cache directory exists, root only" test "$(stat -c '%a %U' "$CACHE")" = "700 root"
check "one entry per raw image (${#RAW[@]}), none for the directory image" n_entries_is "${#RAW[@]}"
for n in "${RAW[@]}"; do
        check "$n.raw: exactly one entry holds $n.service" one_entry_with "$n.service"
        check "$n.raw: its entry is named after the file's identity" in_bundle "$(key_of "/var/lib/portables/$n.raw")"
done
check "dirsvc (a directory image): not cached" no_entry_with dirsvc.service
check "swap.raw (content a): its entry holds swap-old.service" one_entry_with swap-old.service
check "swap-old.service attached" from_generator swap-old.service
systemctl start swap.service
check "swap.service running content a" journal_has _SYSTEMD_UNIT=swap.service 'SWAP=a'
check "entry files only for entries of the bundle" files_in_bundle

# Unchanged images: the next reload uses the entries as they are (none rewritten: a rewrite
# replaces the entry file by a new one).
before=$(for e in $(files) bundle; do stat -c '%n %i' "$CACHE/$e"; done)
require "second daemon-reload succeeds" reload
after=$(for e in $(files) bundle; do stat -c '%n %i' "$CACHE/$e"; done)
check "unchanged images' entries are reused: the bundle is not rewritten, nor an entry file" test "$before" = "$after"

# Overwrite swap.raw in place: same inode, same size, the old mtime put back.
systemctl stop swap.service
img=/var/lib/portables/swap.raw
old_key=$(key_of "$img")
read -r ino0 size0 < <(stat -c '%i %s' "$img")
touch -r "$img" /run/ptest-swap-mtime
dd if="$IMAGES/swap.raw.b" of="$img" bs=64K conv=notrunc,fsync status=none
touch -r /run/ptest-swap-mtime "$img"
rm -f /run/ptest-swap-mtime
read -r ino1 size1 < <(stat -c '%i %s' "$img")
check "overwritten in place: same inode and size" test "$ino0 $size0" = "$ino1 $size1"
check "content changed: only the ctime part of the key differs" \
        test "$(key_of "$img" | cut -d- -f1-4)" = "$(cut -d- -f1-4 <<<"$old_key")" -a "$(key_of "$img")" != "$old_key"

mark
require "daemon-reload after the overwrite succeeds" reload
check "swap.service has the new content's description" prop_is swap.service Description "ptest swap, content b"
check "swap-new.service (new content) attached" from_generator swap-new.service
check "swap-old.service (old content) gone" not_loaded swap-old.service
systemctl start swap.service
check "swap.service runs content b" journal_has _SYSTEMD_UNIT=swap.service 'SWAP=b'
check "the old entry of swap.raw is pruned" bash -c "! { test -e '$CACHE/$old_key' || grep -qaF '$old_key' '$CACHE/bundle'; }"
check "the new entry of swap.raw is there" in_bundle "$(key_of "$img")"
check "no entry holds swap-old.service any more" no_entry_with swap-old.service
check "one entry holds swap-new.service" one_entry_with swap-new.service
check "still one entry per raw image" n_entries_is "${#RAW[@]}"
check "entry files only for entries of the bundle, after the overwrite" files_in_bundle

# Remove an image: its entry goes with the next reload.
rl2_key=$(key_of /var/lib/portables/rl2.raw)
rm -f /var/lib/portables/rl2.raw
require "daemon-reload after removing rl2.raw succeeds" reload
check "rl2.service gone" not_loaded rl2.service
check "rl2.raw's entry pruned" bash -c "! { test -e '$CACHE/$rl2_key' || grep -qaF '$rl2_key' '$CACHE/bundle'; }"
check "no entry holds rl2.service" no_entry_with rl2.service
check "one entry per remaining raw image ($(( ${#RAW[@]} - 1 )))" n_entries_is $(( ${#RAW[@]} - 1 ))
check "entry files only for entries of the bundle, after the removal" files_in_bundle

# With the entry files gone, the bundle alone serves the next reload: no image is read again (that
# would rewrite the bundle), the units stay attached.
for e in $(files); do rm -f "$CACHE/$e"; done
ino=$(stat -c %i "$CACHE/bundle")
require "daemon-reload with only the bundle succeeds" reload
check "rl1.service still attached from the bundle" from_generator rl1.service
check "swap-new.service still attached from the bundle" from_generator swap-new.service
check "no image was read again: the bundle is not rewritten" test "$(stat -c %i "$CACHE/bundle")" = "$ino"
check "no image was read again: no entry file written" test -z "$(files)"
