/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "extract-word.h"
#include "host-claims.h"
#include "host-names.h"
#include "ini.h"
#include "log.h"
#include "plan-host.h"
#include "string-util.h"
#include "strv.h"

/* Names below /run (and /var/lib, ...) that belong to the host even before they exist: the base
 * system's, and those of services the host has units for (they create /run/NAME when they start,
 * maybe later than the image's units). */
static const char *const host_run_names[] = {
        "systemd", "user", "lock", "log", "mount", "host", "credentials", "udev", "initramfs", "nologin",
        "utmp", "shm", "motd", "motd.d", "dbus", "sshd", "sudo", "console-setup", "blkid", "cryptsetup", "lvm",
        "portables", "resolvconf", "network", "NetworkManager", "netns", "screen", "agetty.reload",
        /* What host programs connect to even where the service is not installed (NSS, PAM, auth). */
        "nscd", "nslcd", "sssd", "winbindd", "samba", "avahi-daemon", "gssproxy", "pcscd", "saslauthd", "munge",
        "krb5kdc", "cups", "docker", "docker.sock", "containerd", "libvirt", "podman", "snapd.socket", "chrony",
        "mysqld", "postgresql", "rpcbind", "rpcbind.sock", "uuidd", "polkit-1", "systemd-userdbd", NULL,
};

static const HostNames *planner_host_names(Planner *p) {
        if (!p->host_names_loaded) {
                int r = host_names_load(p->ctx, &p->host_names);
                if (r < 0)
                        log_debug_errno(r, "Failed to read the host's units and tmpfiles.d for the names they use: %m");
                p->host_names_loaded = true;
        }
        return &p->host_names;
}

static bool host_owns_name(Planner *p, const char *name, bool run) {
        const HostNames *h;
        size_t n = strcspn(name, ".");

        if (run && strv_contains((char **) host_run_names, name))
                return true;
        /* "NAME", "NAME.pid", "NAME.sock": the host's if it has a NAME.service, .socket or template. */
        for (const char *const *suffix = (const char *const[]) { ".service", ".socket", "@.service", NULL }; *suffix; suffix++) {
                _cleanup_free_ char *u = strndup(name, n);

                if (!u || !strextend(&u, *suffix))
                        return true;    /* OOM: the safe answer */
                if (planner_host_has_unit(p, u))
                        return true;
        }
        /* Those the host's units and tmpfiles.d name. */
        h = planner_host_names(p);
        return strv_contains(run ? h->run : h->var, name);
}

typedef struct AfterCheck {
        bool late;
} AfterCheck;

static int collect_after(const char *section, const char *key, const char *value, const char *filename,
                         unsigned line, void *userdata) {
        AfterCheck *a = userdata;
        const char *p = value;

        if (!section || !streq(section, "Unit") || !streq(key, "After"))
                return 0;
        for (;;) {
                _cleanup_free_ char *w = NULL;
                int r = extract_first_word_full(&p, &w, /* separators= */ NULL, EXTRACT_RETAIN_ESCAPE);

                if (r == -ENOMEM)
                        return r;
                if (r <= 0)
                        return 0;
                /* A target that is not a passive one (or a specifier we cannot read): late. */
                if ((endswith(w, ".target") && unit_rule_target_level(w) < 0) || strchr(w, '%') ||
                    unit_rule_target_level(w) >= 4)
                        a->late = true;
        }
}

/* Whether host unit name is ordered after a late target (multi-user.target, ...): then an image's
 * unit installed into that target and ordered after it would close a cycle. The unit's file is read
 * where systemd would find it first; its drop-ins are not. Answers are kept for the run. */
static int host_after_usable(void *userdata, const char *name) {
        PlanHost *h = userdata;
        Planner *p = h->p;
        AfterCheck a = {};
        char *entry;

        STRV_FOREACH(k, p->after_checked)
                if (streq(*k + 1, name))
                        return (*k)[0] == '+';

        if (planner_host_has_unit(p, name))
                for (const char *const *d = host_unit_dirs; *d; d++) {
                        _cleanup_free_ char *path = strjoin(*d, "/", name), *text = NULL;
                        int r;

                        if (!path)
                                return -ENOMEM;
                        r = host_read_file(p->ctx, path, 256U * 1024U, &text, /* ret_size= */ NULL);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                continue;
                        r = ini_parse(text, path, collect_after, ini_garbage_ignore, &a);
                        if (r == -ENOMEM)
                                return r;
                        break;
                }

        entry = strjoin(a.late ? "-" : "+", name);
        if (!entry || strv_consume(&p->after_checked, entry) < 0)
                return -ENOMEM;
        return !a.late;
}

static int host_identity_usable(void *userdata, const char *name) {
        PlanHost *h = userdata;

        /* A dynamic user of that name would be the host service's, with its directories. */
        return !strv_contains(planner_host_names(h->p)->identities, name);
}

/* A name below /run or /var/lib belongs to the image only in its own name space: the name is one
 * of its prefixes or a leading "-" separated part of one, alone or followed by "-", ".", "_" or
 * "@" (as its units' names do).
 * Anything else may be what some host program looks for, whether it exists yet or not (a socket
 * in /run/nscd answers every user lookup on the host). */
static bool name_in_image_namespace(char *const *prefixes, const char *name) {
        STRV_FOREACH(pfx, prefixes)
                /* The prefix, and each of its leading "-" separated parts: an image named
                 * redis-server may have /run/redis, the name Debian's redis-server.service uses. */
                for (size_t n = strlen(*pfx); n > 0; ) {
                        if (strneq(name, *pfx, n) && (name[n] == 0 || strchr("-._@", name[n])))
                                return true;
                        while (n > 0 && (*pfx)[--n] != '-')
                                ;
                }
        return false;
}

static int host_run_dir_usable(void *userdata, const char *name) {
        PlanHost *h = userdata;
        HostClaims c = {
                .ctx = h->p->ctx,
                .cache = h->p->cache,
                .record = h->p->record_claims,
                .images = h->p->image_names,
                .claimed = &h->p->run_claims,
        };

        if (!name_in_image_namespace(h->prefixes, name))
                return UNIT_RULE_HOST_FOREIGN_NAME;
        if (host_owns_name(h->p, name, /* run= */ true))
                return 0;
        return host_claim_run_dir(&c, h->image, name);
}

static int host_var_dir_usable(void *userdata, const char *base, const char *name) {
        PlanHost *h = userdata;

        if (!name_in_image_namespace(h->prefixes, name))
                return UNIT_RULE_HOST_FOREIGN_NAME;
        if (host_owns_name(h->p, name, /* run= */ false))
                return 0;
        return host_state_dir_usable(h->p->ctx, base, name);
}

UnitRuleHost plan_host_callbacks(PlanHost *h) {
        return (UnitRuleHost) {
                .run_dir_usable = host_run_dir_usable,
                .state_dir_usable = host_var_dir_usable,
                .identity_usable = host_identity_usable,
                .after_usable = host_after_usable,
                .userdata = h,
        };
}
