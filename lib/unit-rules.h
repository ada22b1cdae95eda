/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "host-users.h"
#include "unit-extract.h"

/* What an image's unit may not ask for, under every profile except "trusted".
 *
 * systemd runs some settings outside the service's sandbox, with the host's root and full
 * privileges, and a portable service's profile cannot take them back: a later drop-in cannot
 * remove list entries or command prefixes. These are refused (the image is not attached), so that
 * the profile is what an image gets:
 *
 *  - commands prefixed with "+", "!" or "!!" (run without the profile's user or restrictions);
 *  - host paths and privileges: BindPaths=, BindReadOnlyPaths=, DeviceAllow=,
 *    AmbientCapabilities=, User=/Group=/SupplementaryGroups= of root, PAMName=, TTYPath=,
 *    IPAddressAllow=; ReadWritePaths= (and ReadWriteDirectories=) on a host file the sandbox binds
 *    in (elsewhere they name the image's own paths and are fine);
 *  - host identities: User=, Group= or SupplementaryGroups= naming a user or group that exists in
 *    the host's /etc/passwd or /etc/group (systemd then runs the service as that static host user
 *    instead of a dynamic one, with whatever that user may do on the host);
 *  - another root or namespace: RootDirectory=, RootImage=, RootImageOptions=, RootHash=,
 *    RootVerity=, MountImages=, ExtensionImages=, ExtensionDirectories=,
 *    NetworkNamespacePath=, IPCNamespacePath=;
 *  - host files read or written by the service manager: EnvironmentFile=, LoadCredential=,
 *    LoadCredentialEncrypted=, StandardInput=/StandardOutput=/StandardError= with file:,
 *    append: or truncate:;
 *  - socket units: any Exec*= (socket commands are not sandboxed), ListenSpecial=,
 *    ListenFIFO=, ListenMessageQueue=, ListenUSBFunction=, ListenNetlink=, Symlinks=, and
 *    file system sockets outside /run;
 *  - acting on the host: SuccessAction=, FailureAction=, StartLimitAction=, JobTimeoutAction=
 *    other than "none"; dependencies on poweroff, reboot, halt, kexec, rescue, emergency and
 *    other shutdown targets; Conflicts=, OnFailure=, OnSuccess=, PropagatesStopTo=,
 *    PropagatesReloadTo=, StopPropagatedFrom=, ReloadPropagatedFrom= on units not from the image;
 *    Unit= (timers, paths) and Service= (sockets) naming units not from the image.
 *
 * List settings that add up (SystemCallFilter=, CapabilityBoundingSet=, ...) are not refused but
 * neutralised: see sandbox-lists.h.
 *
 * Returns 0 if the unit and its drop-ins are acceptable, 1 with *ret_violation describing the
 * first offending setting ("file:line: Setting=value: why"), <0 on errors. */
typedef struct UnitRuleContext {
        char *const *prefixes;          /* the image's unit name prefixes: which units are its own */
        const HostUsers *host;          /* may be NULL: no host identities are known */
        char *const *protected_paths;   /* host files bound into the sandbox (profile, /run/host) */
} UnitRuleContext;

int unit_check_rules(const ImageUnit *u, const UnitRuleContext *rc, char **ret_violation);
