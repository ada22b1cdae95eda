# SPDX-License-Identifier: LGPL-2.1-or-later
# The other image kinds, one per search directory: a directory image in /etc/portables, a GPT
# disk (root partition for this architecture, squashfs inside) in /usr/lib/portables, and naked
# erofs and ext4 file systems in /run/portables and /usr/local/lib/portables.
involve dirsvc.service gptsvc.service erofssvc.service ext4svc.service
place dirsvc /etc/portables
place gptsvc.raw /usr/lib/portables
[[ -e $IMAGES/erofssvc.raw ]] && place erofssvc.raw /run/portables
[[ -e $IMAGES/ext4svc.raw ]] && place ext4svc.raw /usr/local/lib/portables
reload

one() {         # one NAME FILE DIR KEY
        local n="$1" file="$2" dir="$3" key="$4"
        check "$n.service loaded" is_loaded $n.service || return
        check "$n: from the generator, with drop-ins" has_portable_dropins $n.service
        check "$n: $key= is $dir/$file" prop_is $n.service $key "$dir/$file"
        check "$n: PORTABLE=$file" prop_matches $n.service Environment "(^| )PORTABLE=$file( |\$)"
        check "$n: systemd-analyze verify is clean" verify_clean $n.service
        systemctl start $n.service
        check "$n: running" is_running $n.service || return
        check "$n: dynamic user" is_dynamic_uid $n.service
        check "$n: journalctl PORTABLE=$file finds the image's report" \
                journal_has PORTABLE=$file "PTEST tag=$n image_id=ptest .*host_id=debian .*portable=$file"
}
one dirsvc dirsvc /etc/portables RootDirectory
one gptsvc gptsvc.raw /usr/lib/portables RootImage
[[ -e $IMAGES/erofssvc.raw ]] && one erofssvc erofssvc.raw /run/portables RootImage
[[ -e $IMAGES/ext4svc.raw ]] && one ext4svc ext4svc.raw /usr/local/lib/portables RootImage
true
