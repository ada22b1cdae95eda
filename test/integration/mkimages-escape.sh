# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Images of scenario 23 (units that try to leave their sandbox). Sourced by mkimages.sh, with its
# helpers (new, mk_root, unit, daemon_unit, squash) and $OUT.
#
# escape.raw   escape.service (clean, runs) and units that each break one rule of
#              lib/unit-rules.h: escape-plus (ExecStartPre=+), escape-envfile
#              (EnvironmentFile=/etc/shadow), escape-root (User=root), escape-bind (BindPaths=/etc),
#              escape-sock.socket (ListenSpecial=/dev/null), escape-power (FailureAction=reboot),
#              and escape-dropin, clean itself but loosened by its drop-in (ExecStartPre=!)

d=$(new escape); mk_root "$d" escape 1; daemon_unit "$d" escape
for spec in 'plus:ExecStartPre=+/usr/bin/true' 'envfile:EnvironmentFile=/etc/shadow' 'root:User=root' \
            'bind:BindPaths=/etc'; do
        name=escape-${spec%%:*}
        unit "$d" "$name.service" <<EOS
[Service]
Type=exec
${spec#*:}
ExecStart=/usr/bin/sh -c '/usr/bin/ptest-report $name; exec sleep 100000'
EOS
done
unit "$d" escape-power.service <<'EOS'
[Unit]
FailureAction=reboot

[Service]
Type=exec
ExecStart=/usr/bin/sh -c 'exec sleep 100000'
EOS
unit "$d" escape-sock.socket <<'EOS'
[Socket]
ListenStream=127.0.0.1:8199
ListenSpecial=/dev/null
EOS
daemon_unit "$d" escape-sock
daemon_unit "$d" escape-dropin
mkdir -p "$d/usr/lib/systemd/system/escape-dropin.service.d"
printf '[Service]\nExecStartPre=!/usr/bin/true\n' >"$d/usr/lib/systemd/system/escape-dropin.service.d/loosen.conf"
squash "$d" "$OUT/escape.raw"
