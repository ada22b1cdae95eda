/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>

#include "ini.h"
#include "names.h"
#include "string-util.h"
#include "strv.h"
#include "unit-rules.h"

typedef struct RuleCheck {
        const ImageUnit *unit;
        const UnitRuleContext *rc;
        char *violation;
} RuleCheck;

static const char *const refused_settings[] = {
        "BindPaths", "BindReadOnlyPaths", "DeviceAllow", "AmbientCapabilities",
        "PAMName", "TTYPath", "IPAddressAllow",
        "RootDirectory", "RootImage", "RootImageOptions", "RootHash", "RootHashSignature", "RootVerity",
        "MountImages", "ExtensionImages", "ExtensionDirectories", "NetworkNamespacePath", "IPCNamespacePath",
        "EnvironmentFile", "LoadCredential", "LoadCredentialEncrypted",
        NULL,
};

static const char *const refused_socket_settings[] = {
        "ListenSpecial", "ListenFIFO", "ListenMessageQueue", "ListenUSBFunction", "ListenNetlink", "Symlinks",
        NULL,
};

static const char *const action_settings[] = {
        "SuccessAction", "FailureAction", "StartLimitAction", "JobTimeoutAction", NULL,
};

/* Dependencies that only make sense on the image's own units. */
static const char *const own_unit_settings[] = {
        "Conflicts", "OnFailure", "OnSuccess", "PropagatesStopTo", "PropagatesReloadTo",
        "StopPropagatedFrom", "ReloadPropagatedFrom", "Unit", "Service", NULL,
};

/* Dependencies that must not name the host's shutdown and emergency units. */
static const char *const dependency_settings[] = {
        "Wants", "Requires", "Requisite", "BindsTo", "Upholds", "PartOf", "OnFailure", "OnSuccess", NULL,
};

static const char *const host_power_units[] = {
        "poweroff.target", "reboot.target", "halt.target", "kexec.target", "soft-reboot.target",
        "rescue.target", "emergency.target", "shutdown.target", "exit.target", "final.target",
        "ctrl-alt-del.target", "systemd-poweroff.service", "systemd-reboot.service",
        "systemd-halt.service", "systemd-kexec.service", "systemd-soft-reboot.service",
        "systemd-exit.service", "rescue.service", "emergency.service", NULL,
};

static bool in_list(const char *const *l, const char *s) {
        for (; *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

static int violation(RuleCheck *c, const char *filename, unsigned line, const char *key, const char *value,
                     const char *why) {
        if (asprintf(&c->violation, "%s:%u: %s=%s: %s", filename, line, key, value, why) < 0) {
                c->violation = NULL;
                return -ENOMEM;
        }
        return 1;       /* stops the parse; the caller looks at c->violation */
}

static bool is_image_unit(const RuleCheck *c, const char *name) {
        STRV_FOREACH(p, c->rc->prefixes)
                if (unit_name_matches_prefix(name, *p))
                        return true;
        return false;
}

static bool host_has(const RuleCheck *c, bool user, const char *name) {
        if (!c->rc->host)
                return false;
        /* Specifiers are resolved by systemd later; a name with one cannot be checked here and is
         * not a plain host name either. */
        return strv_contains(user ? c->rc->host->users : c->rc->host->groups, name);
}

/* a equals b, or one is below the other. */
static bool path_overlaps(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b), n;

        while (la > 1 && a[la - 1] == '/')
                la--;
        while (lb > 1 && b[lb - 1] == '/')
                lb--;
        n = MIN(la, lb);
        if (strncmp(a, b, n) != 0)
                return false;
        if (la == lb || n == 1)         /* the same, or one of them is "/" */
                return true;
        return (la > lb ? a[n] : b[n]) == '/';
}

static bool is_root(const char *v) {
        return streq(v, "root") || streq(v, "0");
}

/* Command prefixes: any of "-@:+!|" before the path; "+" and "!" escape the sandbox. */
static bool exec_escapes_sandbox(const char *v) {
        for (; *v && strchr("-@:+!|", *v); v++)
                if (*v == '+' || *v == '!')
                        return true;
        return false;
}

static int check_assignment(const char *section, const char *key, const char *value, const char *filename,
                            unsigned line, void *userdata) {
        RuleCheck *c = userdata;
        const char *p;
        int r;

        if (!section || streq(section, "Install"))
                return 0;

        if (startswith(key, "Exec")) {
                if (c->unit->type == UNIT_SOCKET && !isempty(value))
                        return violation(c, filename, line, key, value,
                                         "commands of socket units run outside the service's sandbox");
                if (exec_escapes_sandbox(value))
                        return violation(c, filename, line, key, value,
                                         "the '+', '!' and '!!' prefixes run commands without the profile's restrictions");
                return 0;
        }

        if (in_list(refused_settings, key) && !isempty(value))
                return violation(c, filename, line, key, value, "reaches host paths, privileges or another root");

        if (c->unit->type == UNIT_SOCKET) {
                if (in_list(refused_socket_settings, key) && !isempty(value))
                        return violation(c, filename, line, key, value, "makes the service manager open host files");
                if (IN_SET(0, strcmp(key, "ListenStream"), strcmp(key, "ListenDatagram"),
                           strcmp(key, "ListenSequentialPacket")) &&
                    value[0] == '/' && (!startswith(value, "/run/") || strstr(value, "/../")))
                        return violation(c, filename, line, key, value,
                                         "file system sockets are created on the host, only below /run/");
        }

        if (streq(key, "User") || streq(key, "Group")) {
                if (is_root(value))
                        return violation(c, filename, line, key, value, "runs as root");
                if (host_has(c, streq(key, "User"), value))
                        return violation(c, filename, line, key, value,
                                         "names a user or group of the host: the service would run as that "
                                         "static host identity, not as a dynamic user");
                return 0;
        }

        if (streq(key, "ReadWritePaths") || streq(key, "ReadWriteDirectories")) {
                /* Inside the image root these name the image's own paths, made writable where the
                 * image's file system allows it; only the host files the sandbox binds in must
                 * stay read-only. */
                p = value;
                for (;;) {
                        _cleanup_free_ char *w = NULL;
                        const char *path;

                        r = extract_first_word(&p, &w);
                        if (r < 0)
                                return violation(c, filename, line, key, value, "cannot be parsed");
                        if (r == 0)
                                break;
                        path = w + strspn(w, "-+");
                        STRV_FOREACH(b, c->rc->protected_paths)
                                if (path_overlaps(path, *b))
                                        return violation(c, filename, line, key, value,
                                                         "would make a host file bound into the sandbox writable");
                }
                return 0;
        }

        if (streq(key, "SupplementaryGroups") || in_list(own_unit_settings, key) || in_list(dependency_settings, key)) {
                p = value;
                for (;;) {
                        _cleanup_free_ char *w = NULL;

                        r = extract_first_word(&p, &w);
                        if (r < 0)
                                return violation(c, filename, line, key, value, "cannot be parsed");
                        if (r == 0)
                                break;

                        if (streq(key, "SupplementaryGroups") && is_root(w))
                                return violation(c, filename, line, key, value, "adds the root group");
                        if (streq(key, "SupplementaryGroups") && host_has(c, false, w))
                                return violation(c, filename, line, key, value, "adds a group of the host");

                        if (in_list(dependency_settings, key) && in_list(host_power_units, w))
                                return violation(c, filename, line, key, value,
                                                 "pulls in the host's shutdown or emergency units");

                        if (in_list(own_unit_settings, key) && !is_image_unit(c, w))
                                return violation(c, filename, line, key, value,
                                                 "acts on a unit that is not from this image");
                }
                return 0;
        }

        if (in_list(action_settings, key) && !isempty(value) && !streq(value, "none"))
                return violation(c, filename, line, key, value, "acts on the whole host");

        if (IN_SET(0, strcmp(key, "StandardInput"), strcmp(key, "StandardOutput"), strcmp(key, "StandardError")) &&
            (startswith(value, "file:") || startswith(value, "append:") || startswith(value, "truncate:")))
                return violation(c, filename, line, key, value, "makes the service manager open a host file");

        return 0;
}

static int check_garbage(const char *text, const char *filename, unsigned line, void *userdata) {
        return 0;
}

int unit_check_rules(const ImageUnit *u, const UnitRuleContext *rc, char **ret_violation) {
        RuleCheck c = { .unit = u, .rc = rc };
        int r;

        r = ini_parse(u->content, u->source, check_assignment, check_garbage, &c);
        for (size_t k = 0; r == 0 && k < u->n_dropins; k++)
                r = ini_parse(u->dropins[k].content, u->dropins[k].source, check_assignment, check_garbage, &c);
        if (r < 0) {
                free(c.violation);
                return r;
        }

        if (!c.violation)
                return 0;
        *ret_violation = c.violation;
        return 1;
}
