# escape_units DIR: an image with one unit per rule of lib/unit-rules.h.
escape_units() {
        local d=$1 n=0
        image_tree "$d"
        service "$d" esc
        # A host user and group the image may not name (the golden runner's fake /etc/passwd has root).
        printf 'hostuser:x:1000:1000::/home/hostuser:/bin/sh\n' >>"$ROOT/etc/passwd"
        printf 'hostgroup:x:1001:\n' >>"$ROOT/etc/group"
        while IFS= read -r line; do
                [ -n "$line" ] || continue
                n=$((n + 1))
                service "$d" "esc-$(printf %02d $n)" "$line"
        done <<'RULES'
ExecStartPre=+/usr/bin/esc-bin
ExecStop=!/usr/bin/esc-bin
ExecStartPost=-!!/usr/bin/esc-bin
BindPaths=/etc
BindReadOnlyPaths=/etc/shadow:/x
DeviceAllow=/dev/sda rw
AmbientCapabilities=CAP_SYS_MODULE
ReadWritePaths=/etc/machine-id
ReadWriteDirectories=/run/host
User=root
Group=0
SupplementaryGroups=wheel root
User=hostuser
SupplementaryGroups=hostgroup
PAMName=login
TTYPath=/dev/tty1
IPAddressAllow=any
RootDirectory=/
RootImage=/dev/sda
MountImages=/x.raw:/y
ExtensionImages=/x.raw
NetworkNamespacePath=/proc/1/ns/net
EnvironmentFile=/etc/shadow
LoadCredential=pw:/etc/shadow
StandardInput=file:/etc/shadow
StandardOutput=append:/etc/motd
RULES
        # Emergency actions on the whole host.
        for l in 'FailureAction=reboot' 'SuccessAction=poweroff-force'; do
                n=$((n + 1))
                printf '[Unit]\n%s\n[Service]\nExecStart=/usr/bin/esc-bin\n' "$l" \
                        >"$d/usr/lib/systemd/system/esc-$(printf %02d $n).service"
        done
        # Socket units: commands and host files are the service manager's, outside any sandbox.
        for l in 'ExecStartPre=/bin/true' 'ListenSpecial=/dev/null' 'ListenFIFO=/etc/fifo' \
                 'ListenStream=/etc/evil.sock' 'Symlinks=/etc/evil'; do
                n=$((n + 1))
                service "$d" "esc-$(printf %02d $n)"
                if [ "${l%%=*}" = Symlinks ]; then
                        printf '[Socket]\nListenStream=/run/esc-%02d.sock\n%s\n' "$n" "$l"
                else
                        printf '[Socket]\nListenStream=127.0.0.1:%s\n%s\n' "$((9000 + n))" "$l"
                fi >"$d/usr/lib/systemd/system/esc-$(printf %02d $n).socket"
        done
        # Acting on the host and on units not from the image.
        n=$((n + 1)); printf '[Unit]\nWants=reboot.target\n[Service]\nExecStart=/usr/bin/esc-bin\n' \
                >"$d/usr/lib/systemd/system/esc-$(printf %02d $n).service"
        n=$((n + 1)); printf '[Unit]\nConflicts=sshd.service\n[Service]\nExecStart=/usr/bin/esc-bin\n' \
                >"$d/usr/lib/systemd/system/esc-$(printf %02d $n).service"
        n=$((n + 1)); printf '[Unit]\nOnFailure=emergency.target\n[Service]\nExecStart=/usr/bin/esc-bin\n' \
                >"$d/usr/lib/systemd/system/esc-$(printf %02d $n).service"
        n=$((n + 1)); printf '[Unit]\nPropagatesStopTo=sshd.service\n[Service]\nExecStart=/usr/bin/esc-bin\n' \
                >"$d/usr/lib/systemd/system/esc-$(printf %02d $n).service"
        n=$((n + 1)); printf '[Timer]\nOnCalendar=daily\nUnit=systemd-poweroff.service\n' \
                >"$d/usr/lib/systemd/system/esc-$(printf %02d $n).timer"
        # The same through one of the image's own drop-ins.
        mkdir -p "$d/usr/lib/systemd/system/esc.service.d"
        n=$((n + 1)); service "$d" "esc-$(printf %02d $n)"
        mkdir -p "$d/usr/lib/systemd/system/esc-$(printf %02d $n).service.d"
        printf '[Service]\nExecStartPre=+/usr/bin/esc-bin\n' \
                >"$d/usr/lib/systemd/system/esc-$(printf %02d $n).service.d/loosen.conf"
}
