# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Images of scenario 26 (confinement: a hostile image gets what its profile grants and nothing
# else). Sourced by mkimages.sh, with its helpers (new, mk_root, unit, squash) and $OUT.
# Each unit carries one idea; the scenario starts it and looks at the host.
#
# ptpath.raw     ptpath.path: DirectoryNotEmpty=/etc/ptest-x with MakeDirectory=yes (PID 1 mkdirs)
# ptsockets.raw  ptsockets-devlog.service: Sockets=systemd-journald-dev-log.socket;
#                ptsockets-quoted.service: Sockets=systemd\-journald.socket (a backslash-quoted
#                host socket unit). Both print LISTEN_FDS to the journal.
# ptnet.raw      ptnet.socket: ListenStream=127.0.0.1:2222, for Profile=nonetwork
# ptfsock.raw    ptfsock.socket: ListenStream=/run/ptest-hostsock, a path the host has a file at
# ptpso.raw      ptpso.service: PermissionsStartOnly=yes, ExecStartPre= writes the host's /etc
#                through /proc/1/root; ptpso-rdso.service: RootDirectoryStartOnly=yes too, the
#                ExecStartPre= writes /etc directly
# ptplus.raw     ExecStartPre=+ hidden from a naive reader: "+/bin/sh" (quoted),
#                \x2b/bin/sh (C escape), after a UTF-8 byte order mark, after a lone CR
# ptuser.raw     User=%U (resolves to 0 in the system manager) and User=0
# ptcaps.raw     ptcaps.service: AmbientCapabilities=CAP_SETUID (in the default profile's bounding
#                set; setuid(0) is host uid 0); ptcaps-bind.service: a BindReadOnlyPaths= target
#                below its own StateDirectory=, where it plants a symlink to /etc
# ptstate.raw    StateDirectory=ptest-hostdir (the host has /var/lib/ptest-hostdir, root's)
# ptrun.raw      RuntimeDirectory=ptest-hostrun (the host has /run/ptest-hostrun, root's)
# ptpid.raw      Type=forking, PIDFile=/run/ptest-host.pid (the host's, naming a host process)
# ptdeps.raw     dependencies on host units (test/integration/run installs them): Wants=,
#                Upholds=, [Install] RequiredBy=, OnFailure= with OnFailureJobMode=isolate,
#                OnFailure= a host unit named with the image's prefix, Requires=, Requires= a host
#                alias, Conflicts= a running host unit named with the prefix, a timer's Unit=
# ptpx.raw       ptpx-.service (with a drop-in): its drop-in directory ptpx-.service.d is a
#                prefix drop-in directory for every ptpx-*.service, the host's ptpx-host.service too
# ptenv.raw      EnvironmentFile=/etc/default/ptenv: read from the image, not from the host
# ptclaim.raw    PORTABLE_PREFIXES=ptesthost: the namespace of the host's ptesthost-a.service;
#                ships ptesthost-a.service and ptesthost-.service (each with a drop-in), and
#                ptesthost-b.service that Conflicts= ptesthost-a.service

# escape_cmd TAG HOSTPATH: a shell command line that leaves HOSTPATH on the host when it runs with
# the host's root privileges: directly (no RootImage=) or through /proc/1/root (RootImage=, with
# /proc mounted by itself if the sandbox did not). Sandboxed (dynamic user, own user namespace) it
# can do neither. It prints "PTEST tag=TAG uid=N" either way. No '%' (specifiers) and '$$' for '$'.
# No redirection to /dev/null either: without the sandbox there is no MountAPIVFS=, /dev is the
# image's, and a shell that cannot open a redirection skips the command.
escape_cmd() {
        printf "/bin/sh -c '[ -d /proc/1 ] || mount -t proc proc /proc; touch %s /proc/1/root%s; echo PTEST tag=%s uid=\$\$(id -u)'" \
                "$2" "$2" "$1"
}

# bind_points DIR: the mount points of the bind mounts of host files (the profile's /dev/log and
# journal sockets, the generator's /run/host/os-release, systemd's /run/systemd/incoming), which an
# image may ship like any other file. systemd 252 applies those bind mounts (and RootImage=) also
# to a command that runs without the sandbox ("+", PermissionsStartOnly=), but without
# MountAPIVFS=, so nothing is mounted on /dev, /run or /proc: without the mount points such a
# command fails at NAMESPACE before it runs, and the test would prove nothing.
bind_points() {
        mkdir -p "$1/dev" "$1/run/systemd/journal" "$1/run/systemd/incoming" "$1/run/dbus" "$1/run/host"
        : >"$1/run/host/os-release"
        : >"$1/dev/log"
        : >"$1/run/systemd/journal/socket"
        : >"$1/run/systemd/journal/stdout"
        : >"$1/run/dbus/system_bus_socket"
}

# A unit that starts, runs one thing and stays active.
oneshot_unit() {        # oneshot_unit DIR NAME [EXTRA-LINES] (EXTRA-LINES go into [Service])
        unit "$1" "$2" <<EOS
[Service]
Type=oneshot
RemainAfterExit=yes
${3:-}
ExecStart=/usr/bin/true
EOS
}

# dep_unit DIR NAME UNIT-SECTION-LINES [TRAILER]: a oneshot service with those [Unit] lines.
dep_unit() {
        unit "$1" "$2" <<EOS
[Unit]
${3:-}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/true
${4:-}
EOS
}

# --- 1: a path unit makes PID 1 create a directory on the host
d=$(new ptpath); mk_root "$d" ptpath 1
unit "$d" ptpath.path <<'EOS'
[Path]
DirectoryNotEmpty=/etc/ptest-x
MakeDirectory=yes
DirectoryMode=0777
EOS
oneshot_unit "$d" ptpath.service
squash "$d" "$OUT/ptpath.raw"

# --- 2: a service takes the host's journal sockets
d=$(new ptsockets); mk_root "$d" ptsockets 1
for spec in 'devlog:systemd-journald-dev-log.socket' 'quoted:systemd\-journald.socket'; do
        unit "$d" "ptsockets-${spec%%:*}.service" <<EOS
[Service]
Type=oneshot
RemainAfterExit=yes
Sockets=${spec#*:}
ExecStart=/bin/sh -c 'echo PTEST tag=ptsockets-${spec%%:*} LISTEN_FDS=\$\${LISTEN_FDS:-none} LISTEN_FDNAMES=\$\${LISTEN_FDNAMES:-none}'
EOS
done
squash "$d" "$OUT/ptsockets.raw"

# --- 3: a listener on the host's network for an image whose profile has no network
d=$(new ptnet); mk_root "$d" ptnet 1
unit "$d" ptnet.socket <<'EOS'
[Socket]
ListenStream=127.0.0.1:2222
EOS
unit "$d" ptnet.service <<'EOS'
[Service]
Type=exec
ExecStart=/usr/bin/sleep 100000
EOS
squash "$d" "$OUT/ptnet.raw"

# --- 3b: a socket path where the host already has a file
d=$(new ptfsock); mk_root "$d" ptfsock 1
unit "$d" ptfsock.socket <<'EOS'
[Socket]
ListenStream=/run/ptest-hostsock
EOS
unit "$d" ptfsock.service <<'EOS'
[Service]
Type=exec
ExecStart=/usr/bin/sleep 100000
EOS
squash "$d" "$OUT/ptfsock.raw"

# --- 4: control commands without the sandbox
d=$(new ptpso); mk_root "$d" ptpso 1; bind_points "$d"
oneshot_unit "$d" ptpso.service "PermissionsStartOnly=yes
ExecStartPre=$(escape_cmd pso /etc/ptest-pso)"
oneshot_unit "$d" ptpso-rdso.service "PermissionsStartOnly=yes
RootDirectoryStartOnly=yes
ExecStartPre=$(escape_cmd rdso /etc/ptest-rdso)"
squash "$d" "$OUT/ptpso.raw"

# --- 5: the "+" prefix, written so that a reader that is not systemd's misses it
d=$(new ptplus); mk_root "$d" ptplus 1; bind_points "$d"
S="$d/usr/lib/systemd/system"
oneshot_unit "$d" ptplus-quoted.service "ExecStartPre=\"+/bin/sh\" $(escape_cmd quoted /run/ptest-escape-quoted | cut -d' ' -f2-)"
oneshot_unit "$d" ptplus-cesc.service "ExecStartPre=\\x2b$(escape_cmd cesc /run/ptest-escape-cesc)"
# A UTF-8 byte order mark before the section header (systemd skips it).
printf '\357\273\277[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStartPre=+%s\nExecStart=/usr/bin/true\n' \
        "$(escape_cmd bom /run/ptest-escape-bom)" >"$S/ptplus-bom.service"
# A lone CR ends a line for systemd (read_line()): "Type=oneshot\rExecStartPre=+..." is two lines.
printf '[Service]\nRemainAfterExit=yes\nType=oneshot\rExecStartPre=+%s\nExecStart=/usr/bin/true\n' \
        "$(escape_cmd cr /run/ptest-escape-cr)" >"$S/ptplus-cr.service"
squash "$d" "$OUT/ptplus.raw"

# --- 6: users that resolve to root
d=$(new ptuser); mk_root "$d" ptuser 1
for spec in 'spec:%U' 'zero:0'; do
        unit "$d" "ptuser-${spec%%:*}.service" <<EOS
[Service]
Type=exec
User=${spec#*:}
ExecStart=/bin/sh -c 'echo PTEST tag=ptuser-${spec%%:*} uid=\$\$(id -u); exec sleep 100000'
EOS
done
squash "$d" "$OUT/ptuser.raw"

# --- 6b: an ambient capability in the profile's bounding set that is setuid(0)
d=$(new ptcaps); mk_root "$d" ptcaps 1
unit "$d" ptcaps.service <<'EOS'
[Service]
Type=oneshot
RemainAfterExit=yes
AmbientCapabilities=CAP_SETUID CAP_SETGID
ExecStart=/usr/bin/setpriv --reuid=0 --regid=0 --clear-groups /bin/sh -c 'echo PTEST tag=ptcaps uid=$$(id -u)'
EOS
# 6c: a bind mount below the service's own StateDirectory=, where it plants a symlink
mkdir -p "$d/var/lib/ptcaps-bind"
unit "$d" ptcaps-bind.service <<'EOS'
[Service]
Type=exec
StateDirectory=ptcaps-bind
BindReadOnlyPaths=/run/systemd/journal/socket:/var/lib/ptcaps-bind/sub/ptest-bind-escape
ExecStartPre=/bin/sh -c 'rm -rf /var/lib/ptcaps-bind/sub; ln -s /etc /var/lib/ptcaps-bind/sub'
ExecStart=/bin/sleep 100000
ExecReload=/bin/true
EOS
squash "$d" "$OUT/ptcaps.raw"

# --- 7, 8: exec directories named like existing host directories
d=$(new ptstate); mk_root "$d" ptstate 1
mkdir -p "$d/var/lib/ptest-hostdir"
oneshot_unit "$d" ptstate.service "StateDirectory=ptest-hostdir
ExecStartPre=/bin/sh -c 'echo PTEST tag=ptstate sees=\$\$(cat /var/lib/ptest-hostdir/secret 2>&1)'"
squash "$d" "$OUT/ptstate.raw"
d=$(new ptrun); mk_root "$d" ptrun 1
oneshot_unit "$d" ptrun.service "RuntimeDirectory=ptest-hostrun"
squash "$d" "$OUT/ptrun.raw"

# --- 9: the host's PID file
d=$(new ptpid); mk_root "$d" ptpid 1
unit "$d" ptpid.service <<'EOS'
[Service]
Type=forking
PIDFile=/run/ptest-host.pid
ExecStart=/usr/bin/true
TimeoutStartSec=10
EOS
squash "$d" "$OUT/ptpid.raw"

# --- 10: dependencies on host units
d=$(new ptdeps); mk_root "$d" ptdeps 1
for spec in 'wants:Wants=ptest-host-wants.service' 'upholds:Upholds=ptest-host-upholds.service' \
            'requires:Requires=ptest-hostunit2.service' 'alias:Requires=ptest-host-alias.service' \
            'conflicts:Conflicts=ptdeps-hostrun.service'; do
        dep_unit "$d" "ptdeps-${spec%%:*}.service" "${spec#*:}"
done
dep_unit "$d" ptdeps-reqby.service "" "[Install]
RequiredBy=ptest-host-reqby.service"
unit "$d" ptdeps-onfail.service <<'EOS'
[Unit]
OnFailure=ptest-host-onfail.service
OnFailureJobMode=isolate

[Service]
Type=oneshot
ExecStart=/usr/bin/false
EOS
unit "$d" ptdeps-onfail2.service <<'EOS'
[Unit]
OnFailure=ptdeps-hostfail.service

[Service]
Type=oneshot
ExecStart=/usr/bin/false
EOS
unit "$d" ptdeps-trig.timer <<'EOS'
[Timer]
OnActiveSec=1s
AccuracySec=1ms
Unit=ptdeps-hosttimer.service
EOS
squash "$d" "$OUT/ptdeps.raw"

# --- 11: a unit whose drop-in directory is a prefix drop-in directory
d=$(new ptpx); mk_root "$d" ptpx 1
unit "$d" ptpx-.service <<'EOS'
[Service]
Type=exec
ExecStart=/usr/bin/sleep 100000
EOS
mkdir -p "$d/usr/lib/systemd/system/ptpx-.service.d"
printf '[Service]\nEnvironment=PTEST_PTPX=from-the-image\n' >"$d/usr/lib/systemd/system/ptpx-.service.d/50-env.conf"
squash "$d" "$OUT/ptpx.raw"

# --- 12: an image that claims a host namespace through PORTABLE_PREFIXES=
d=$(new ptclaim); mk_root "$d" ptclaim 1 'PORTABLE_PREFIXES=ptesthost'
for n in ptesthost-a ptesthost-; do
        unit "$d" "$n.service" <<'EOS'
[Service]
Type=exec
ExecStart=/usr/bin/sleep 100000
EOS
        mkdir -p "$d/usr/lib/systemd/system/$n.service.d"
        printf '[Service]\nEnvironment=PTEST_CLAIM=from-the-image\n' >"$d/usr/lib/systemd/system/$n.service.d/50-env.conf"
done
dep_unit "$d" ptesthost-b.service Conflicts=ptesthost-a.service
squash "$d" "$OUT/ptclaim.raw"

# --- 13: EnvironmentFile= names the image's own defaults file, which the host also has
d=$(new ptenv); mk_root "$d" ptenv 1
mkdir -p "$d/etc/default"
printf 'PTENV_VALUE="from the image, 100%%n"\n' >"$d/etc/default/ptenv"
unit "$d" ptenv.service <<'EOS'
[Service]
Type=oneshot
RemainAfterExit=yes
EnvironmentFile=/etc/default/ptenv
ExecStart=/bin/sh -c 'echo "PTEST tag=ptenv value=$${PTENV_VALUE:-none}"'
EOS
squash "$d" "$OUT/ptenv.raw"
