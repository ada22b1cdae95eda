# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo (tools/demo): drop a squashfs image into /var/lib/portables, reload, start, and show
# what systemd says about the service. Asserts that it runs, like every scenario.
involve hello.service
echo "# cp hello_1.raw /var/lib/portables/ && systemctl daemon-reload && systemctl start hello.service"
place hello_1.raw /var/lib/portables
reload
systemctl start hello.service
require "hello.service running" is_running hello.service
echo "# systemctl status hello.service"
SYSTEMD_COLORS=0 systemctl status --no-pager hello.service || :
echo "# systemctl cat hello.service (the generated unit and drop-ins)"
systemctl cat --no-pager hello.service || :
echo "# journalctl PORTABLE=hello_1.raw"
journalctl --no-pager -q PORTABLE=hello_1.raw -n 5 || :
