/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The allowlist of unit settings (unit-rules.h): one row per setting systemd 252 knows in the
 * sections image units may have, and nothing else. A setting without a row is refused. The
 * man page portables-confinement(7) is printed from this table (tools/rules-man.c). */

#include <string.h>

#include "macro.h"
#include "string-util.h"
#include "unit-rules.h"

#define ROW(s, k, t, kd, ...) { .section = (s), .key = (k), .types = (t), .kind = (kd), __VA_ARGS__ }

#define UNIT_ANY(k)                  ROW("Unit", k, RULE_ALL, RULE_ANY)
#define CONDITION(k)                 ROW("Unit", "Condition" k, RULE_ALL, RULE_ANY, .why = CONDITION_WHY), \
                                     ROW("Unit", "Assert" k, RULE_ALL, RULE_ANY, .why = CONDITION_WHY)
#define UNIT_OWN(k)                  ROW("Unit", k, RULE_ALL, RULE_UNITS)
#define UNIT_REFUSED(k, w)           ROW("Unit", k, RULE_ALL, RULE_REFUSED, .why = (w))
#define UNIT_VALUES(k, l)            ROW("Unit", k, RULE_ALL, RULE_VALUES, .words = (l))
#define SERVICE_ANY(k)               ROW("Service", k, RULE_SERVICE, RULE_ANY)
#define SERVICE_EXEC(k)              ROW("Service", k, RULE_SERVICE, RULE_EXEC)
#define SERVICE_KIND(k, kd)          ROW("Service", k, RULE_SERVICE, kd)
#define SERVICE_REFUSED(k, w)        ROW("Service", k, RULE_SERVICE, RULE_REFUSED, .why = (w))
#define SERVICE_VALUES(k, l)         ROW("Service", k, RULE_SERVICE, RULE_VALUES, .words = (l))
#define SERVICE_RANGE(k, a, b, l)    ROW("Service", k, RULE_SERVICE, RULE_NUMBER_RANGE, .min = (a), .max = (b), .words = (l))
#define SOCKET_ANY(k)                ROW("Socket", k, RULE_SOCKET, RULE_ANY)
#define SOCKET_REFUSED(k, w)         ROW("Socket", k, RULE_SOCKET, RULE_REFUSED, .why = (w))
#define TIMER_ANY(k)                 ROW("Timer", k, RULE_TIMER, RULE_ANY)
#define PATH_KIND(k, kd)             ROW("Path", k, RULE_PATH, kd)

#define CONDITION_WHY "evaluated on the host by the service manager, which only looks"
#define HOST_ROOT_WHY "another root or image, from the host"
#define HOST_FILES_WHY "the service manager reads host files for it"
#define HOST_TTY_WHY "the host's terminals"
#define HOST_LIMIT_WHY "raises a limit above what the host's services get"
#define HOST_SHARE_WHY "takes resources from the host's services"
#define SOCKET_EXEC_WHY "commands of socket units run outside the profile's sandbox"
#define KERNEL_IF_WHY "opens host files or kernel interfaces"

/* Passive targets an image's units may pull in, order themselves against or be installed into:
 * they exist to be used so and start nothing of the host's by themselves. */
static const char *const wants_units[] = {
        "network.target", "network-online.target", "network-pre.target", "nss-lookup.target",
        "nss-user-lookup.target", "time-set.target", "time-sync.target", NULL,
};
static const char *const after_units[] = {
        "network.target", "network-online.target", "network-pre.target", "nss-lookup.target",
        "nss-user-lookup.target", "time-set.target", "time-sync.target", "sysinit.target", "basic.target",
        "sockets.target", "timers.target", "paths.target", "local-fs.target", "remote-fs.target",
        "syslog.target", "systemd-journald.socket", "systemd-journald.service", "dbus.socket", "dbus.service",
        "systemd-tmpfiles-setup.service", "systemd-sysusers.service", "systemd-user-sessions.service", NULL,
};
static const char *const before_units[] = {
        "multi-user.target", "graphical.target", "nss-lookup.target", "nss-user-lookup.target",
        "time-sync.target", "network-online.target", "shutdown.target", NULL,
};
static const char *const conflicts_units[] = { "shutdown.target", "umount.target", NULL };
static const char *const install_units[] = {
        "multi-user.target", "graphical.target", "default.target", "sockets.target", "timers.target",
        "paths.target", NULL,
};

static const char *const none_only[] = { "none", NULL };
static const char *const job_modes[] = { "replace", "fail", NULL };
static const char *const stdin_values[] = { "null", "data", "socket", "fd", "fd:", NULL };
static const char *const stdout_values[] = {
        "inherit", "null", "journal", "syslog", "kmsg", "socket", "fd", "fd:", NULL,
};
static const char *const io_classes[] = { "none", "best-effort", "idle", "0", "2", "3", NULL };
static const char *const cpu_policies[] = { "other", "batch", "idle", NULL };
static const char *const mount_flags[] = { "private", "slave", NULL };
static const char *const idle_word[] = { "idle", NULL };
static const char *const false_words[] = { "no", "false", "0", "off", "n", "f", NULL };

const UnitRule unit_rules[] = {
        /* [Unit] */
        UNIT_ANY("Description"), UNIT_ANY("Documentation"), UNIT_ANY("SourcePath"), UNIT_ANY("DefaultDependencies"),
        UNIT_ANY("StopWhenUnneeded"), UNIT_ANY("RefuseManualStart"), UNIT_ANY("RefuseManualStop"), UNIT_ANY("AllowIsolate"),
        UNIT_ANY("IgnoreOnIsolate"), UNIT_ANY("CollectMode"), UNIT_ANY("JobTimeoutSec"), UNIT_ANY("JobRunningTimeoutSec"),
        UNIT_ANY("StartLimitIntervalSec"), UNIT_ANY("StartLimitInterval"), UNIT_ANY("StartLimitBurst"), UNIT_ANY("FailureActionExitStatus"),
        UNIT_ANY("SuccessActionExitStatus"),
        CONDITION("ACPower"), CONDITION("Architecture"), CONDITION("CPUFeature"), CONDITION("CPUPressure"),
        CONDITION("CPUs"), CONDITION("Capability"), CONDITION("ControlGroupController"), CONDITION("Credential"),
        CONDITION("DirectoryNotEmpty"), CONDITION("Environment"), CONDITION("FileIsExecutable"), CONDITION("FileNotEmpty"),
        CONDITION("Firmware"), CONDITION("FirstBoot"), CONDITION("Group"), CONDITION("Host"),
        CONDITION("IOPressure"), CONDITION("KernelCommandLine"), CONDITION("KernelVersion"), CONDITION("Memory"),
        CONDITION("MemoryPressure"), CONDITION("NeedsUpdate"), CONDITION("OSRelease"), CONDITION("PathExists"),
        CONDITION("PathExistsGlob"), CONDITION("PathIsDirectory"), CONDITION("PathIsEncrypted"), CONDITION("PathIsMountPoint"),
        CONDITION("PathIsReadWrite"), CONDITION("PathIsSymbolicLink"), CONDITION("Security"), CONDITION("User"),
        CONDITION("Virtualization"),
        UNIT_OWN("Requisite"), UNIT_OWN("BindsTo"), UNIT_OWN("BindTo"),
        UNIT_OWN("PartOf"), UNIT_OWN("Upholds"), UNIT_OWN("OnFailure"), UNIT_OWN("OnSuccess"),
        UNIT_OWN("PropagatesReloadTo"), UNIT_OWN("PropagateReloadTo"), UNIT_OWN("ReloadPropagatedFrom"), UNIT_OWN("PropagateReloadFrom"),
        UNIT_OWN("PropagatesStopTo"), UNIT_OWN("StopPropagatedFrom"), UNIT_OWN("JoinsNamespaceOf"), UNIT_OWN("RequiresOverridable"),
        UNIT_OWN("RequisiteOverridable"),
        ROW("Unit", "Wants", RULE_ALL, RULE_UNITS, .words = wants_units),
        ROW("Unit", "Requires", RULE_ALL, RULE_UNITS, .words = wants_units),
        ROW("Unit", "After", RULE_ALL, RULE_UNITS, .words = after_units,
            .why = "and units of the host other than targets that are not themselves ordered after a target "
                   "but these (ordering after them cannot close a cycle)"),
        ROW("Unit", "Before", RULE_ALL, RULE_UNITS, .words = before_units),
        ROW("Unit", "Conflicts", RULE_ALL, RULE_UNITS, .words = conflicts_units),
        UNIT_VALUES("FailureAction", none_only), UNIT_VALUES("SuccessAction", none_only),
        UNIT_VALUES("StartLimitAction", none_only), UNIT_VALUES("JobTimeoutAction", none_only),
        UNIT_VALUES("OnFailureJobMode", job_modes), UNIT_VALUES("OnSuccessJobMode", job_modes),
        UNIT_REFUSED("OnFailureIsolate", "isolates the host to another target"),
        UNIT_REFUSED("RebootArgument", "an argument for rebooting the host"),
        UNIT_REFUSED("JobTimeoutRebootArgument", "an argument for rebooting the host"),
        UNIT_REFUSED("RequiresMountsFor", "pulls in the host's mount units"),
        UNIT_REFUSED("IgnoreOnSnapshot", "obsolete"),

        /* [Install] */
        ROW("Install", "WantedBy", RULE_ALL, RULE_UNITS, .words = install_units),
        ROW("Install", "RequiredBy", RULE_ALL, RULE_UNITS),
        ROW("Install", "UpheldBy", RULE_ALL, RULE_UNITS),
        ROW("Install", "Also", RULE_ALL, RULE_UNITS),
        ROW("Install", "DefaultInstance", RULE_ALL, RULE_ANY),
        ROW("Install", "Alias", RULE_ALL, RULE_ANY, .why = "read only by systemctl enable, which does not enable generated units; the generator makes no alias links"),

        /* [Service] */
        SERVICE_ANY("Type"), SERVICE_ANY("ExitType"), SERVICE_ANY("Restart"),
        SERVICE_ANY("RestartSec"), SERVICE_ANY("RestartPreventExitStatus"), SERVICE_ANY("RestartForceExitStatus"),
        SERVICE_ANY("SuccessExitStatus"), SERVICE_ANY("RemainAfterExit"), SERVICE_ANY("GuessMainPID"),
        SERVICE_ANY("TimeoutSec"), SERVICE_ANY("TimeoutStartSec"), SERVICE_ANY("TimeoutStopSec"),
        SERVICE_ANY("TimeoutAbortSec"), SERVICE_ANY("TimeoutCleanSec"), SERVICE_ANY("TimeoutStartFailureMode"),
        SERVICE_ANY("TimeoutStopFailureMode"), SERVICE_ANY("RuntimeMaxSec"), SERVICE_ANY("RuntimeRandomizedExtraSec"),
        SERVICE_ANY("WatchdogSec"), SERVICE_ANY("NotifyAccess"), SERVICE_ANY("FileDescriptorStoreMax"),
        SERVICE_ANY("OOMPolicy"), SERVICE_ANY("StartLimitBurst"),
        SERVICE_ANY("StartLimitInterval"), SERVICE_ANY("KillMode"), SERVICE_ANY("KillSignal"),
        SERVICE_ANY("RestartKillSignal"), SERVICE_ANY("FinalKillSignal"), SERVICE_ANY("SendSIGKILL"),
        SERVICE_ANY("SendSIGHUP"), SERVICE_ANY("WatchdogSignal"), SERVICE_ANY("Environment"),
        SERVICE_ANY("UnsetEnvironment"), SERVICE_ANY("WorkingDirectory"), SERVICE_ANY("UMask"),
        SERVICE_ANY("IOSchedulingPriority"), SERVICE_ANY("CPUSchedulingResetOnFork"), SERVICE_ANY("CPUAffinity"),
        SERVICE_ANY("NUMAPolicy"), SERVICE_ANY("NUMAMask"), SERVICE_ANY("CoredumpFilter"),
        SERVICE_ANY("TimerSlackNSec"), SERVICE_ANY("Personality"), SERVICE_ANY("IgnoreSIGPIPE"),
        SERVICE_ANY("NonBlocking"), SERVICE_ANY("LimitNOFILE"), SERVICE_ANY("LimitNPROC"),
        SERVICE_ANY("LimitCORE"), SERVICE_ANY("LimitSTACK"), SERVICE_ANY("LimitAS"),
        SERVICE_ANY("LimitDATA"), SERVICE_ANY("LimitFSIZE"), SERVICE_ANY("LimitRSS"),
        SERVICE_ANY("LimitCPU"), SERVICE_ANY("LimitLOCKS"), SERVICE_ANY("LimitSIGPENDING"),
        SERVICE_ANY("LimitMSGQUEUE"), SERVICE_ANY("SyslogIdentifier"), SERVICE_ANY("SyslogFacility"),
        SERVICE_ANY("SyslogLevel"), SERVICE_ANY("SyslogLevelPrefix"), SERVICE_ANY("LogLevelMax"),
        SERVICE_ANY("LogRateLimitIntervalSec"), SERVICE_ANY("LogRateLimitBurst"),
        SERVICE_ANY("StandardInputText"), SERVICE_ANY("StandardInputData"), SERVICE_ANY("DynamicUser"),
        SERVICE_ANY("NoNewPrivileges"), SERVICE_ANY("LockPersonality"), SERVICE_ANY("MemoryDenyWriteExecute"),
        SERVICE_ANY("RestrictRealtime"), SERVICE_ANY("RestrictSUIDSGID"), SERVICE_ANY("RestrictNamespaces"),
        SERVICE_ANY("ProtectSystem"), SERVICE_ANY("ProtectHome"), SERVICE_ANY("PrivateTmp"),
        SERVICE_ANY("PrivateDevices"), SERVICE_ANY("PrivateNetwork"), SERVICE_ANY("PrivateUsers"),
        SERVICE_ANY("PrivateMounts"), SERVICE_ANY("PrivateIPC"), SERVICE_ANY("ProtectKernelTunables"),
        SERVICE_ANY("ProtectKernelModules"), SERVICE_ANY("ProtectKernelLogs"), SERVICE_ANY("ProtectControlGroups"),
        SERVICE_ANY("ProtectClock"), SERVICE_ANY("ProtectHostname"), SERVICE_ANY("ProtectProc"),
        SERVICE_ANY("ProcSubset"), SERVICE_ANY("MountAPIVFS"), SERVICE_ANY("RemoveIPC"),
        SERVICE_ANY("KeyringMode"), SERVICE_ANY("CapabilityBoundingSet"), SERVICE_ANY("RestrictAddressFamilies"),
        SERVICE_ANY("SystemCallFilter"), SERVICE_ANY("SystemCallErrorNumber"), SERVICE_ANY("SystemCallLog"),
        SERVICE_ANY("SystemCallArchitectures"), SERVICE_ANY("RestrictFileSystems"), SERVICE_ANY("RestrictNetworkInterfaces"),
        SERVICE_ANY("IPAddressDeny"), SERVICE_ANY("SocketBindAllow"), SERVICE_ANY("SocketBindDeny"),
        SERVICE_ANY("ReadOnlyPaths"), SERVICE_ANY("ReadOnlyDirectories"), SERVICE_ANY("InaccessiblePaths"),
        SERVICE_ANY("InaccessibleDirectories"), SERVICE_ANY("ExecPaths"), SERVICE_ANY("NoExecPaths"),
        SERVICE_ANY("TemporaryFileSystem"), SERVICE_ANY("ExecSearchPath"), SERVICE_ANY("DevicePolicy"),
        SERVICE_ANY("CPUAccounting"), SERVICE_ANY("MemoryAccounting"), SERVICE_ANY("IOAccounting"),
        SERVICE_ANY("BlockIOAccounting"), SERVICE_ANY("TasksAccounting"), SERVICE_ANY("IPAccounting"),
        SERVICE_ANY("CPUQuota"), SERVICE_ANY("CPUQuotaPeriodSec"), SERVICE_ANY("MemoryMax"),
        SERVICE_ANY("MemoryHigh"), SERVICE_ANY("MemorySwapMax"), SERVICE_ANY("MemoryLimit"),
        SERVICE_ANY("TasksMax"), SERVICE_ANY("AllowedCPUs"), SERVICE_ANY("AllowedMemoryNodes"),
        SERVICE_ANY("StartupAllowedCPUs"), SERVICE_ANY("StartupAllowedMemoryNodes"), SERVICE_ANY("IOReadBandwidthMax"),
        SERVICE_ANY("IOWriteBandwidthMax"), SERVICE_ANY("IOReadIOPSMax"), SERVICE_ANY("IOWriteIOPSMax"),
        SERVICE_ANY("BlockIOReadBandwidth"), SERVICE_ANY("BlockIOWriteBandwidth"), SERVICE_ANY("DisableControllers"),
        SERVICE_ANY("ManagedOOMSwap"), SERVICE_ANY("ManagedOOMMemoryPressure"), SERVICE_ANY("ManagedOOMMemoryPressureLimit"),
        SERVICE_ANY("SetCredential"), SERVICE_ANY("RuntimeDirectoryPreserve"), SERVICE_ANY("RuntimeDirectoryMode"),
        SERVICE_ANY("StateDirectoryMode"), SERVICE_ANY("CacheDirectoryMode"), SERVICE_ANY("LogsDirectoryMode"),
        SERVICE_ANY("ConfigurationDirectoryMode"),
        SERVICE_EXEC("ExecStart"), SERVICE_EXEC("ExecStartPre"), SERVICE_EXEC("ExecStartPost"),
        SERVICE_EXEC("ExecReload"), SERVICE_EXEC("ExecStop"), SERVICE_EXEC("ExecStopPost"),
        SERVICE_EXEC("ExecCondition"),
        SERVICE_KIND("User", RULE_USER), SERVICE_KIND("Group", RULE_USER),
        SERVICE_KIND("SupplementaryGroups", RULE_GROUPS),
        SERVICE_KIND("ReadWritePaths", RULE_RW_PATHS), SERVICE_KIND("ReadWriteDirectories", RULE_RW_PATHS),
        SERVICE_KIND("BindReadOnlyPaths", RULE_BIND_RO),
        SERVICE_KIND("AmbientCapabilities", RULE_CAPS),
        SERVICE_KIND("StateDirectory", RULE_EXEC_DIR), SERVICE_KIND("CacheDirectory", RULE_EXEC_DIR),
        SERVICE_KIND("LogsDirectory", RULE_EXEC_DIR), SERVICE_KIND("RuntimeDirectory", RULE_EXEC_DIR),
        SERVICE_KIND("PIDFile", RULE_PID_FILE),
        SERVICE_KIND("LogExtraFields", RULE_LOG_FIELDS),
        ROW("Service", "Sockets", RULE_SERVICE, RULE_UNITS),
        SERVICE_KIND("PermissionsStartOnly", RULE_NEUTRALIZED),
        SERVICE_KIND("RootDirectoryStartOnly", RULE_NEUTRALIZED),
        SERVICE_VALUES("StandardInput", stdin_values),
        SERVICE_VALUES("StandardOutput", stdout_values), SERVICE_VALUES("StandardError", stdout_values),
        SERVICE_VALUES("IOSchedulingClass", io_classes),
        SERVICE_VALUES("CPUSchedulingPolicy", cpu_policies),
        SERVICE_VALUES("MountFlags", mount_flags),
        SERVICE_VALUES("ManagedOOMPreference", none_only),
        SERVICE_VALUES("FailureAction", none_only), SERVICE_VALUES("SuccessAction", none_only),
        SERVICE_VALUES("StartLimitAction", none_only),
        SERVICE_RANGE("CPUSchedulingPriority", 0, 0, NULL),
        SERVICE_RANGE("Nice", 0, 19, NULL),
        SERVICE_RANGE("OOMScoreAdjust", 0, 1000, NULL),
        SERVICE_RANGE("CPUWeight", 1, 100, idle_word), SERVICE_RANGE("StartupCPUWeight", 1, 100, idle_word),
        SERVICE_RANGE("IOWeight", 1, 100, NULL), SERVICE_RANGE("StartupIOWeight", 1, 100, NULL),
        SERVICE_RANGE("CPUShares", 2, 1024, NULL), SERVICE_RANGE("StartupCPUShares", 2, 1024, NULL),
        SERVICE_RANGE("BlockIOWeight", 10, 500, NULL), SERVICE_RANGE("StartupBlockIOWeight", 10, 500, NULL),
        ROW("Service", "Capabilities", RULE_SERVICE, RULE_IGNORED),
        ROW("Service", "SysVStartPriority", RULE_SERVICE, RULE_IGNORED),
        ROW("Service", "NetClass", RULE_SERVICE, RULE_IGNORED),
        ROW("Service", "BusPolicy", RULE_SERVICE, RULE_IGNORED),
        SERVICE_REFUSED("BindPaths", "binds a host path into the sandbox, writable"),
        SERVICE_KIND("DeviceAllow", RULE_DEVICES),
        SERVICE_REFUSED("PAMName", "runs the host's PAM stack, as root"),
        SERVICE_REFUSED("TTYPath", HOST_TTY_WHY), SERVICE_REFUSED("TTYReset", HOST_TTY_WHY),
        SERVICE_REFUSED("TTYVHangup", HOST_TTY_WHY), SERVICE_REFUSED("TTYVTDisallocate", HOST_TTY_WHY),
        SERVICE_REFUSED("TTYRows", HOST_TTY_WHY), SERVICE_REFUSED("TTYColumns", HOST_TTY_WHY),
        SERVICE_REFUSED("UtmpIdentifier", "writes the host's utmp"),
        SERVICE_REFUSED("UtmpMode", "writes the host's utmp"),
        SERVICE_REFUSED("RootDirectory", HOST_ROOT_WHY), SERVICE_REFUSED("RootImage", HOST_ROOT_WHY),
        SERVICE_REFUSED("RootImageOptions", HOST_ROOT_WHY), SERVICE_REFUSED("RootHash", HOST_ROOT_WHY),
        SERVICE_REFUSED("RootHashSignature", HOST_ROOT_WHY), SERVICE_REFUSED("RootVerity", HOST_ROOT_WHY),
        SERVICE_REFUSED("MountImages", HOST_ROOT_WHY), SERVICE_REFUSED("ExtensionImages", HOST_ROOT_WHY),
        SERVICE_REFUSED("ExtensionDirectories", HOST_ROOT_WHY),
        SERVICE_REFUSED("NetworkNamespacePath", "joins a namespace of the host"),
        SERVICE_REFUSED("IPCNamespacePath", "joins a namespace of the host"),
        SERVICE_KIND("EnvironmentFile", RULE_ENV_FILE),
        SERVICE_REFUSED("LoadCredential", HOST_FILES_WHY),
        SERVICE_REFUSED("LoadCredentialEncrypted", HOST_FILES_WHY),
        SERVICE_REFUSED("SetCredentialEncrypted", "decrypted with the host's credential key"),
        SERVICE_REFUSED("PassEnvironment", "passes on the service manager's environment"),
        SERVICE_REFUSED("IPAddressAllow", "makes exceptions to the profile's IPAddressDeny="),
        SERVICE_REFUSED("SecureBits", "keeps capabilities across user changes"),
        SERVICE_REFUSED("SELinuxContext", "another security label"),
        SERVICE_REFUSED("AppArmorProfile", "another security label"),
        SERVICE_REFUSED("SmackProcessLabel", "another security label"),
        SERVICE_REFUSED("BPFProgram", "attaches the host's BPF programs"),
        SERVICE_REFUSED("IPIngressFilterPath", "attaches the host's BPF programs"),
        SERVICE_REFUSED("IPEgressFilterPath", "attaches the host's BPF programs"),
        SERVICE_REFUSED("USBFunctionDescriptors", HOST_FILES_WHY),
        SERVICE_REFUSED("USBFunctionStrings", HOST_FILES_WHY),
        SERVICE_REFUSED("LogNamespace", "starts a journal daemon instance on the host"),
        SERVICE_REFUSED("Slice", "places the service into a slice of the host"),
        SERVICE_REFUSED("BusName", "the service manager adopts whoever owns the name on the host's bus as the "
                        "service's main process (and kills it with the service), and refuses the host's service of that name"),
        SERVICE_REFUSED("Delegate", "hands the service its cgroup subtree"),
        SERVICE_REFUSED("ConfigurationDirectory", "creates or binds a directory in the host's /etc"),
        ROW("Service", "LimitMEMLOCK", RULE_SERVICE, RULE_LIMIT, .max = 8 * 1024 * 1024,
            .why = "at most systemd 252's default of 8M, soft and hard"),
        SERVICE_REFUSED("LimitRTPRIO", HOST_LIMIT_WHY),
        SERVICE_REFUSED("LimitRTTIME", HOST_LIMIT_WHY), SERVICE_REFUSED("LimitNICE", HOST_LIMIT_WHY),
        SERVICE_REFUSED("MemoryMin", HOST_SHARE_WHY), SERVICE_REFUSED("MemoryLow", HOST_SHARE_WHY),
        SERVICE_REFUSED("DefaultMemoryMin", HOST_SHARE_WHY), SERVICE_REFUSED("DefaultMemoryLow", HOST_SHARE_WHY),
        SERVICE_REFUSED("IODeviceWeight", HOST_SHARE_WHY), SERVICE_REFUSED("BlockIODeviceWeight", HOST_SHARE_WHY),
        SERVICE_REFUSED("IODeviceLatencyTargetSec", HOST_SHARE_WHY),
        SERVICE_REFUSED("RebootArgument", "an argument for rebooting the host"),

        /* [Socket]: opened by the service manager on the host, before the service runs. */
        SOCKET_ANY("Accept"), SOCKET_ANY("Backlog"), SOCKET_ANY("BindIPv6Only"),
        SOCKET_ANY("BindToDevice"), SOCKET_ANY("Broadcast"), SOCKET_ANY("DeferAcceptSec"),
        SOCKET_ANY("FileDescriptorName"), SOCKET_ANY("FlushPending"), SOCKET_ANY("FreeBind"),
        SOCKET_ANY("IPTOS"), SOCKET_ANY("IPTTL"), SOCKET_ANY("KeepAlive"),
        SOCKET_ANY("KeepAliveTimeSec"), SOCKET_ANY("KeepAliveIntervalSec"), SOCKET_ANY("KeepAliveProbes"),
        SOCKET_ANY("MaxConnections"), SOCKET_ANY("MaxConnectionsPerSource"), SOCKET_ANY("NoDelay"),
        SOCKET_ANY("PassCredentials"), SOCKET_ANY("PassPacketInfo"), SOCKET_ANY("PassSecurity"),
        SOCKET_ANY("PipeSize"), SOCKET_ANY("ReceiveBuffer"), SOCKET_ANY("SendBuffer"),
        SOCKET_ANY("RemoveOnStop"), SOCKET_ANY("SocketMode"), SOCKET_ANY("DirectoryMode"),
        SOCKET_ANY("SocketProtocol"), SOCKET_ANY("Timestamping"),
        SOCKET_ANY("TriggerLimitBurst"), SOCKET_ANY("TriggerLimitIntervalSec"), SOCKET_ANY("Writable"),
        SOCKET_ANY("MessageQueueMaxMessages"),
        SOCKET_ANY("MessageQueueMessageSize"), SOCKET_ANY("TimeoutSec"),
        ROW("Socket", "ListenStream", RULE_SOCKET, RULE_LISTEN),
        ROW("Socket", "ListenDatagram", RULE_SOCKET, RULE_LISTEN),
        ROW("Socket", "ListenSequentialPacket", RULE_SOCKET, RULE_LISTEN),
        ROW("Socket", "Service", RULE_SOCKET, RULE_UNITS),
        ROW("Socket", "Priority", RULE_SOCKET, RULE_NUMBER_RANGE, .min = 0, .max = 6),
        SOCKET_REFUSED("ListenFIFO", KERNEL_IF_WHY), SOCKET_REFUSED("ListenSpecial", KERNEL_IF_WHY),
        SOCKET_REFUSED("ListenNetlink", KERNEL_IF_WHY), SOCKET_REFUSED("ListenMessageQueue", KERNEL_IF_WHY),
        SOCKET_REFUSED("ListenUSBFunction", KERNEL_IF_WHY),
        SOCKET_REFUSED("Symlinks", "creates symlinks on the host"),
        SOCKET_REFUSED("SocketUser", "the service manager chowns the socket's path, which the service could have swapped for a symlink"),
        SOCKET_REFUSED("SocketGroup", "the service manager chowns the socket's path, which the service could have swapped for a symlink"),
        SOCKET_REFUSED("TCPCongestion", "may load a kernel module on the host"),
        SOCKET_REFUSED("ExecStartPre", SOCKET_EXEC_WHY), SOCKET_REFUSED("ExecStartPost", SOCKET_EXEC_WHY),
        SOCKET_REFUSED("ExecStopPre", SOCKET_EXEC_WHY), SOCKET_REFUSED("ExecStopPost", SOCKET_EXEC_WHY),
        SOCKET_REFUSED("Mark", "marks packets for the host's firewall and routing"),
        SOCKET_REFUSED("Transparent", "binds addresses that are not the host's"),
        SOCKET_REFUSED("ReusePort", "shares a port with the host's own listeners"),
        SOCKET_REFUSED("SELinuxContextFromNet", "another security label"),
        SOCKET_REFUSED("SmackLabel", "another security label"),
        SOCKET_REFUSED("SmackLabelIPIn", "another security label"),
        SOCKET_REFUSED("SmackLabelIPOut", "another security label"),

        /* [Timer] */
        TIMER_ANY("OnActiveSec"), TIMER_ANY("OnBootSec"), TIMER_ANY("OnStartupSec"),
        TIMER_ANY("OnUnitActiveSec"), TIMER_ANY("OnUnitInactiveSec"), TIMER_ANY("OnCalendar"),
        TIMER_ANY("AccuracySec"), TIMER_ANY("RandomizedDelaySec"), TIMER_ANY("FixedRandomDelay"),
        TIMER_ANY("OnClockChange"), TIMER_ANY("OnTimezoneChange"),
        TIMER_ANY("RemainAfterElapse"),
        ROW("Timer", "Unit", RULE_TIMER, RULE_UNITS),
        ROW("Timer", "Persistent", RULE_TIMER, RULE_ANY,
            .why = "the service manager keeps the unit's time stamp in /var/lib/systemd/timers/stamp-UNIT on the host, "
                   "and leaves it there when the image goes"),
        ROW("Timer", "WakeSystem", RULE_TIMER, RULE_REFUSED, .why = "wakes the host from suspend"),

        /* [Path]: watched by the service manager on the host. */
        PATH_KIND("PathExists", RULE_PATH_WATCH), PATH_KIND("PathExistsGlob", RULE_PATH_WATCH),
        PATH_KIND("PathChanged", RULE_PATH_WATCH), PATH_KIND("PathModified", RULE_PATH_WATCH),
        PATH_KIND("DirectoryNotEmpty", RULE_PATH_WATCH),
        ROW("Path", "MakeDirectory", RULE_PATH, RULE_VALUES, .words = false_words,
            .why = "the service manager would create directories on the host, through symlinks the service may plant"),
        PATH_KIND("DirectoryMode", RULE_ANY),
        PATH_KIND("TriggerLimitBurst", RULE_ANY), PATH_KIND("TriggerLimitIntervalSec", RULE_ANY),
        ROW("Path", "Unit", RULE_PATH, RULE_UNITS),
};

const size_t n_unit_rules = ELEMENTSOF(unit_rules);

/* The order the passive targets come in at boot (unit-rules.h). */
static const struct {
        const char *name;
        int level;
} target_levels[] = {
        { "sysinit.target", 0 }, { "basic.target", 0 }, { "sockets.target", 0 }, { "timers.target", 0 },
        { "paths.target", 0 }, { "local-fs.target", 0 }, { "syslog.target", 0 }, { "network-pre.target", 0 },
        { "systemd-journald.socket", 0 }, { "systemd-journald.service", 0 }, { "dbus.socket", 0 },
        { "dbus.service", 0 }, { "systemd-tmpfiles-setup.service", 0 }, { "systemd-sysusers.service", 0 },
        { "network.target", 1 },
        { "nss-lookup.target", 2 }, { "nss-user-lookup.target", 2 }, { "time-set.target", 2 }, { "time-sync.target", 2 },
        { "network-online.target", 3 }, { "remote-fs.target", 3 }, { "systemd-user-sessions.service", 3 },
        { "multi-user.target", 4 }, { "graphical.target", 4 },
        { "shutdown.target", 5 }, { "umount.target", 5 },
};

int unit_rule_target_level(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(target_levels); i++)
                if (streq(target_levels[i].name, name))
                        return target_levels[i].level;
        return -1;
}

const char *unit_rule_target_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(target_levels); i++)
                if (streq(target_levels[i].name, name))
                        return target_levels[i].name;
        return NULL;
}

const char unit_rules_neutralize_text[] =
        "# Run every command in the sandbox, whatever the image's units say:\n"
        "PermissionsStartOnly=no\n"
        "RootDirectoryStartOnly=no\n";

static const char *const unit_rule_kind_table[_RULE_KIND_MAX] = {
        [RULE_ANY]          = "Any value",
        [RULE_IGNORED]      = "Ignored by systemd",
        [RULE_NEUTRALIZED]  = "Any value; the profile drop-in sets it back to no, so that every command runs in the sandbox",
        [RULE_REFUSED]      = "Refused",
        [RULE_VALUES]       = "Only",
        [RULE_NUMBER_RANGE] = "Only a decimal number from",
        [RULE_EXEC]         = "Commands without the '+', '!' and '!!' prefixes, which would run them outside the profile; every command of a line separated by ';' counts",
        [RULE_USER]         = "A plain name (letters, digits, '_' and '-') that is not root, not a number, and not a user or group of the host: it names the dynamic user",
        [RULE_GROUPS]       = "Plain names of groups that are not root and not the host's",
        [RULE_UNITS]        = "Only the image's own units",
        [RULE_RW_PATHS]     = "Paths in the image, but not the host files the sandbox binds in",
        [RULE_BIND_RO]      = "Only sources the profile already binds read-only, onto paths in the image",
        [RULE_CAPS]         = "Only CAP_NET_BIND_SERVICE and CAP_NET_BROADCAST, and only if the profile's CapabilityBoundingSet= has them",
        [RULE_EXEC_DIR]     = "One directory name (not 'private', no '/'), whose directory on the host is missing or the image's",
        [RULE_PID_FILE]     = "A file in a directory of the image in /run, or one directly in /run that the image claimed (systemd reads it on the host and removes it)",
        [RULE_LISTEN]       = "A file in a directory of the image in /run, or one directly in /run that the image claimed; an IP address and port only where the profile has network; no abstract or VSOCK sockets",
        [RULE_PATH_WATCH]   = "A path below a directory of the image in /run, or below a StateDirectory=, CacheDirectory= or LogsDirectory= of its services",
        [RULE_LIMIT]        = "Only a limit",
        [RULE_DEVICES]      = "Only where the profile has PrivateDevices=yes, which leaves no host device in the sandbox to open",
        [RULE_ENV_FILE]     = "Only files directly in the image's /etc/default or /etc/sysconfig: the generator reads them from the image and passes their assignments as Environment=, and no host file is read",
        [RULE_LOG_FIELDS]   = "Fields whose names do not start with PORTABLE, which the generator sets",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(unit_rule_kind, UnitRuleKind);

const UnitRule *unit_rule_find(UnitType type, const char *section, const char *key) {
        assert(section);
        assert(key);

        /* The first row that matches, as before; the keys' first letters tell most rows apart
         * without a call (this runs for every assignment of every unit). */
        for (size_t i = 0; i < n_unit_rules; i++)
                if (unit_rules[i].key[0] == key[0] && (unit_rules[i].types & (1U << type)) &&
                    streq(unit_rules[i].key, key) && streq(unit_rules[i].section, section))
                        return unit_rules + i;
        return NULL;
}

bool unit_rule_section_known(UnitType type, const char *section) {
        static const char *const typed[_UNIT_TYPE_MAX] = {
                [UNIT_SERVICE] = "Service",
                [UNIT_SOCKET] = "Socket",
                [UNIT_TARGET] = NULL,
                [UNIT_TIMER] = "Timer",
                [UNIT_PATH] = "Path",
        };

        assert(section);

        return streq(section, "Unit") || streq(section, "Install") || (typed[type] && streq(section, typed[type]));
}
