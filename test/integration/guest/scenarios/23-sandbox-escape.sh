# SPDX-License-Identifier: LGPL-2.1-or-later
# Units that try to leave their sandbox (lib/unit-rules.h): under the default profile each is not
# attached, with a journal line naming the file, line and setting, and its image's clean unit
# runs; systemd never sees the others (not-found). Under Profile=trusted they are attached.
involve escape.service escape-plus.service escape-envfile.service escape-root.service \
        escape-bind.service escape-sock.socket escape-power.service escape-dropin.service
place escape.raw /var/lib/portables
mark
reload
check "escape.service (clean) attached" has_portable_dropins escape.service
systemctl start escape.service
check "escape.service runs" is_running escape.service
for spec in 'escape-plus.service:ExecStartPre=\+/usr/bin/true' \
            'escape-envfile.service:EnvironmentFile=/etc/shadow' \
            'escape-root.service:User=root' \
            'escape-bind.service:BindPaths=/etc' \
            'escape-sock.socket:ListenSpecial=/dev/null' \
            'escape-power.service:FailureAction=reboot' \
            'escape-dropin.service:escape-dropin.service.d/loosen.conf:2: ExecStartPre=!/usr/bin/true'; do
        u=${spec%%:*} what=${spec#*:}
        check "$u: not attached (LoadState=not-found)" prop_is "$u" LoadState not-found
        check "$u: the journal names it and $what" gen_log_has "unit ${u//./\\.} not attached, .*$what"
done
check "nothing of the refused units in the generator dir" \
        sh -c "! ls $GEN_DIR | grep -E '^escape-(plus|envfile|root|bind|power|dropin)\.service|^escape-sock\.socket'"
check "/etc/shadow's content is nowhere in the generator dir" sh -c "! grep -rqF \"\$(head -c 20 /etc/shadow)\" $GEN_DIR"
check "the clean socket's service attached" has_portable_dropins escape-sock.service

# The same image under Profile=trusted: everything attached (and nothing started).
systemctl stop escape.service
settings /var/lib/portables escape Profile=trusted
mark
reload
for u in escape-plus.service escape-envfile.service escape-root.service escape-bind.service \
         escape-sock.socket escape-power.service escape-dropin.service; do
        check "$u: attached under trusted" has_portable_dropins "$u"
done
rm -f /var/lib/portables/escape.portable
