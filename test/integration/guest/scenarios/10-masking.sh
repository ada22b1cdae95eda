# SPDX-License-Identifier: LGPL-2.1-or-later
# Masking: /etc/portables/foo.raw -> /dev/null hides /usr/lib/portables/foo.raw; a mask named
# just "foo" hides a versioned foo_1.raw in a later directory too. Removing the mask brings it back.
involve foo.service
place foo_1.raw /usr/lib/portables foo.raw
ln -s /dev/null /etc/portables/foo.raw
reload
check "foo.raw masked by /etc/portables/foo.raw -> /dev/null" not_loaded foo.service
check "no generator output for foo" test ! -e $GEN_DIR/foo.service
rm /etc/portables/foo.raw
reload
check "mask removed: foo.service attached from /usr/lib/portables/foo.raw" prop_is foo.service RootImage /usr/lib/portables/foo.raw

rm /usr/lib/portables/foo.raw
place foo_1.raw /var/lib/portables
ln -s /dev/null /etc/portables/foo
reload
check "foo_1.raw in /var/lib/portables masked by /etc/portables/foo -> /dev/null" not_loaded foo.service
rm /etc/portables/foo
ln -s /dev/null /run/portables/foo.raw
reload
check "a mask in /run/portables hides /var/lib/portables/foo_1.raw" not_loaded foo.service
rm /run/portables/foo.raw
reload
check "mask removed: foo.service attached from foo_1.raw" prop_is foo.service RootImage /var/lib/portables/foo_1.raw
