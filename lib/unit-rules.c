/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <strings.h>

#include "extract-word.h"
#include "ini.h"
#include "install-section.h"
#include "names.h"
#include "string-util.h"
#include "strv.h"
#include "unit-env.h"
#include "unit-printf.h"
#include "unit-rules.h"

typedef struct RuleCheck {
        const ImageUnit *unit;
        const UnitRuleContext *rc;
        char **violations;
        char *bad_section;      /* the last unknown section reported, to report it once */
        const char *filename;
        unsigned line;
        const char *key;
        const char *value;
        const UnitRule *rule;
        char *install_name;     /* what [Install] is read for: the unit, or for a template its
                                 * DefaultInstance= (NULL: the generator installs no instance) */
        bool trigger_set;       /* Unit= or Service= named the unit this one triggers */
        int accept;             /* Accept= of a socket: 1, 0 (last assignment wins) */
        int after_level;        /* the latest passive target in After= (-1: none) */
        int before_level;       /* the earliest passive target in Before= (INT_MAX: none) */
        const char *before_what, *after_what;
        char **referenced;      /* own units it names (to pass refusals along, plan_units()) */
        unsigned n_dropped;     /* violations past UNIT_VIOLATIONS_MAX */
} RuleCheck;

/* What UNIT_RULE_HOST_FOREIGN_NAME means. */
#define NAME_SPACE_WHAT "its name and its settings' Prefixes= and their leading '-' separated parts, alone or " \
        "followed by '-', '.', '_' or '@'"

/* What one unit's list of violations may hold; values quoted in it are cut. */
#define UNIT_VIOLATIONS_MAX 32U
#define VIOLATION_VALUE_MAX 256U

/* Records "file:line: Key=value: why" for the assignment being checked. Returns 0 (the parse goes
 * on: every violation is listed) or -ENOMEM. */
_printf_(2, 3) static int violation(RuleCheck *c, const char *fmt, ...) {
        _cleanup_free_ char *why = NULL, *v = NULL, *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = free_and_vasprintf(&why, fmt, ap);
        va_end(ap);
        if (r < 0)
                return r;

        if (strv_length(c->violations) >= UNIT_VIOLATIONS_MAX) {
                c->n_dropped++;
                return 0;
        }
        {
                _cleanup_free_ char *cut = strndup(c->value, VIOLATION_VALUE_MAX);
                if (!cut)
                        return -ENOMEM;
                v = log_escape(cut);
        }
        if (!v || asprintf(&s, "%s:%u: %s=%s%s: %s", c->filename, c->line, c->key, v,
                           strlen(c->value) > VIOLATION_VALUE_MAX ? "..." : "", why) < 0)
                return -ENOMEM;
        return strv_consume(&c->violations, TAKE_PTR(s));
}

bool unit_name_is_prefix_dropin(const char *name) {
        const char *end = strchr(name, '@') ?: strrchr(name, '.');

        return end && end > name && end[-1] == '-';
}

/* Resolves the specifiers of format for this unit. For a template, whose instance whoever starts
 * it chooses, resolves it for two probe instances: *ret_b differs from *ret_a if the value
 * depends on the instance (NULL for other units). -EBADSLT: a specifier that depends on the
 * host. */
static int resolve(const RuleCheck *c, const char *format, bool full, char **ret_a, char **ret_b) {
        _cleanup_free_ char *a = NULL, *b = NULL, *na = NULL, *nb = NULL;
        int r;

        if (!unit_name_is_template(c->unit->name)) {
                *ret_b = NULL;
                return unit_printf(c->unit->name, format, full, ret_a);
        }

        r = unit_name_replace_instance(c->unit->name, UNIT_PRINTF_PROBE_INSTANCE_A, &na);
        if (r < 0)
                return r;
        r = unit_name_replace_instance(c->unit->name, UNIT_PRINTF_PROBE_INSTANCE_B, &nb);
        if (r < 0)
                return r;
        r = unit_printf(na, format, full, &a);
        if (r < 0)
                return r;
        r = unit_printf(nb, format, full, &b);
        if (r < 0)
                return r;
        *ret_a = TAKE_PTR(a);
        *ret_b = TAKE_PTR(b);
        return 0;
}

static int resolve_error(RuleCheck *c, int r) {
        if (r == -EBADSLT)
                return violation(c, "a specifier in it depends on the host, it cannot be checked");
        return r;
}

/* The value resolved, when the rule needs one value whatever the instance: returns 1 with
 * *ret, or 0 after recording why not. */
static int resolve_fixed(RuleCheck *c, const char *format, bool full, char **ret) {
        _cleanup_free_ char *a = NULL, *b = NULL;
        int r;

        r = resolve(c, format, full, &a, &b);
        if (r < 0) {
                r = resolve_error(c, r);
                return r < 0 ? r : 0;
        }
        if (b && !streq(a, b)) {
                r = violation(c, "depends on the instance name, which whoever starts the unit chooses");
                return r < 0 ? r : 0;
        }
        *ret = TAKE_PTR(a);
        return 1;
}

/* In place: "//" and "/./" collapsed, trailing "/" removed. Returns false for paths systemd
 * refuses or that could leave their directory ("..", relative where absolute is wanted). */
static bool path_simplify_check(char *p, bool absolute) {
        char *t = p;

        if (isempty(p) || (absolute != (p[0] == '/')))
                return false;

        for (const char *s = p; *s; ) {
                if (*s == '/') {
                        s += strspn(s, "/");
                        if (t == p || t[-1] != '/')
                                *t++ = '/';
                        continue;
                }
                size_t n = strcspn(s, "/");
                if (n == 1 && s[0] == '.') {
                        s += 1;
                        s += strspn(s, "/");
                        continue;
                }
                if (n == 2 && s[0] == '.' && s[1] == '.')
                        return false;
                memmove(t, s, n);
                t += n;
                s += n;
        }
        if (t > p + 1 && t[-1] == '/')
                t--;
        *t = 0;
        return *p != 0;
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

static int run_dir_usable(const RuleCheck *c, const char *name) {
        const UnitRuleHost *h = c->rc->host_state;

        if (!h || !h->run_dir_usable)
                return 0;
        return h->run_dir_usable(h->userdata, name);
}

/* A /run path the service manager creates, binds or removes for the unit: below a /run directory
 * of the image. */
/* "/run/NAME..." (or /var/run, the host's symlink to /run): the first component, or NULL; with
 * *ret_depth the number of components below /run. */
static const char *run_path_split(const char *path, size_t *ret_len, size_t *ret_depth) {
        const char *s = startswith(path, "/run/") ?: startswith(path, "/var/run/");
        size_t depth = 0;

        if (isempty(s))
                return NULL;
        for (const char *q = s; q; q = strchr(q, '/'))
                depth++, q += *q == '/';
        *ret_len = strcspn(s, "/");
        *ret_depth = depth;
        return s;
}

/* A /run path the service manager creates, binds, chowns or removes on the host for the unit:
 * in a directory of the image in /run. With direct, only a file directly in it (or directly in
 * /run, claimed like a directory): the service owns that directory and could plant symlinks
 * in it, which the service manager would follow in every component but the last. */
static int check_run_path(RuleCheck *c, const char *path, bool direct, const char *what) {
        _cleanup_free_ char *d = NULL;
        size_t len, depth;
        const char *s = run_path_split(path, &len, &depth);
        int r;

        if (!s)
                return violation(c, "%s must be in a directory of the image in /run", what);
        if (direct && depth > 2)
                return violation(c, "%s must be a file directly in a directory of the image in /run, which "
                                 "has no symlinks the service could plant", what);
        d = strndup(s, len);
        if (!d)
                return -ENOMEM;
        r = run_dir_usable(c, d);
        if (r < 0)
                return r;
        if (r == UNIT_RULE_HOST_FOREIGN_NAME)
                return violation(c, "/run/%s is not in the image's name space (%s): %s must be in a directory of "
                                 "the image in /run", d, NAME_SPACE_WHAT, what);
        if (r == 0)
                return violation(c, "/run/%s is the host's or another image's: %s must be in a directory of the "
                                 "image in /run", d, what);
        return 0;
}

static bool user_name_is_plain(const char *n) {
        size_t k = strlen(n);

        if (k == 0 || k > 31 || !(ascii_isalpha(n[0]) || n[0] == '_'))
                return false;
        for (size_t i = 1; i < k; i++)
                if (!ascii_isalpha(n[i]) && !ascii_isdigit(n[i]) && !strchr("_-", n[i]))
                        return false;
        return true;
}

static bool host_has_identity(const RuleCheck *c, const char *name) {
        const HostUsers *h = c->rc->host;

        return h && (strv_contains(h->users, name) || strv_contains(h->groups, name));
}

static int check_identity(RuleCheck *c, const char *format, const char *what) {
        _cleanup_free_ char *n = NULL;
        int r;

        r = resolve_fixed(c, format, /* full= */ true, &n);
        if (r <= 0)
                return r;
        if (streq(n, "root") || streq(n, "0"))
                return violation(c, "runs as root");
        if (n[strspn(n, DIGITS)] == 0)
                return violation(c, "a numeric id is a host account, not a dynamic user");
        if (!user_name_is_plain(n))
                return violation(c, "'%s' is not a plain %s name", n, what);
        if (host_has_identity(c, n))
                return violation(c, "names a user or group of the host: the service would run as that "
                                 "static host identity, not as a dynamic user");
        if (c->rc->host_state && c->rc->host_state->identity_usable) {
                r = c->rc->host_state->identity_usable(c->rc->host_state->userdata, n);
                if (r < 0)
                        return r;
                if (r == 0)
                        return violation(c, "a unit of the host runs as or is named '%s': the dynamic user, and "
                                         "its directories, would be shared with it", n);
        }
        return 0;
}

/* Words of the value, split as systemd splits this setting. A word that systemd cannot split is
 * one violation, and ends the list. */
typedef int (*word_check_t)(RuleCheck *c, const char *word);

static int for_each_word(RuleCheck *c, ExtractFlags flags, word_check_t check) {
        const char *p = c->value;
        int r;

        for (;;) {
                _cleanup_free_ char *w = NULL;

                r = extract_first_word_full(&p, &w, /* separators= */ NULL, flags);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return violation(c, "cannot be split into words as systemd splits it");
                if (r == 0)
                        return 0;
                r = check(c, w);
                if (r < 0)
                        return r;
        }
}

static int check_group_word(RuleCheck *c, const char *w) {
        return check_identity(c, w, "group");
}

/* Prefix characters of a command, as systemd reads them: '+' and '!' (once, and not after each
 * other) run it without the profile. */
static bool command_escapes(const char *f) {
        bool ignore = false, argv0 = false, noenv = false, plus = false, bang = false, bangbang = false;

        for (;; f++) {
                if (*f == '-' && !ignore)
                        ignore = true;
                else if (*f == '@' && !argv0)
                        argv0 = true;
                else if (*f == ':' && !noenv)
                        noenv = true;
                else if (*f == '+' && !(plus || bang || bangbang))
                        plus = true;
                else if (*f == '!' && !(plus || bang || bangbang))
                        bang = true;
                else if (*f == '!' && !(plus || bangbang)) {
                        bang = false;
                        bangbang = true;
                } else
                        break;
        }
        return plus || bang || bangbang;
}

/* As config_parse_exec(): commands separated by a lone ";", each one's first word unquoted and
 * unescaped before its prefix is read. */
static int check_exec(RuleCheck *c) {
        const char *p = c->value;
        bool semicolon;
        int r;

        do {
                _cleanup_free_ char *first = NULL;

                semicolon = false;
                r = extract_first_word_full(&p, &first, /* separators= */ NULL, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return violation(c, "cannot be split into words as systemd splits it");
                if (r == 0)
                        return 0;
                if (streq(first, ";")) {
                        semicolon = true;
                        continue;
                }
                if (command_escapes(first))
                        return violation(c, "the '+', '!' and '!!' prefixes run commands without the profile's restrictions");

                while (!isempty(p)) {
                        _cleanup_free_ char *w = NULL;

                        if (p[0] == ';' && (!p[1] || strchr(WHITESPACE, p[1]))) {
                                p++;
                                p += strspn(p, WHITESPACE);
                                semicolon = true;
                                break;
                        }
                        if (p[0] == '\\' && p[1] == ';' && (!p[2] || strchr(WHITESPACE, p[2]))) {
                                p += 2;
                                p += strspn(p, WHITESPACE);
                                continue;
                        }
                        r = extract_first_word_full(&p, &w, /* separators= */ NULL, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return violation(c, "cannot be split into words as systemd splits it");
                        if (r == 0)
                                break;
                }
        } while (semicolon);

        return 0;
}

/* Whether name is one of the image's own units (or an instance of one of its templates); if so it
 * is recorded in c->referenced. <0 on OOM. */
static int unit_is_own(RuleCheck *c, const char *name) {
        _cleanup_free_ char *t = NULL;
        const char *own = NULL;

        if (strv_contains(c->rc->own_units, name))
                own = name;
        else if (unit_name_is_instance(name) && unit_name_template(name, &t) >= 0 && strv_contains(c->rc->own_units, t))
                own = t;
        if (!own)
                return 0;
        if (!strv_contains(c->referenced, own) && strv_extend(&c->referenced, own) < 0)
                return -ENOMEM;
        return 1;
}

/* Where a passive target comes in the boot, for ordering (unit-rules-table.c): a unit may not be
 * ordered after one target and before an earlier or the same one, which would be a cycle that
 * systemd breaks by dropping some unit's job, maybe the host's. */
static void note_order(RuleCheck *c, const UnitRule *rule, const char *n) {
        int level = unit_rule_target_level(n);

        if (level < 0)
                return;
        if (streq(rule->key, "After") && level > c->after_level) {
                c->after_level = level;
                c->after_what = unit_rule_target_name(n);
        }
        if (streq(rule->key, "Before") && level < c->before_level) {
                c->before_level = level;
                c->before_what = unit_rule_target_name(n);
        }
}

static const char *type_target(UnitType t) {
        return t == UNIT_SOCKET ? "sockets.target" : t == UNIT_TIMER ? "timers.target" :
               t == UNIT_PATH ? "paths.target" : "";
}

static int check_unit_name(RuleCheck *c, const char *word) {
        const UnitRule *rule = c->rule;
        _cleanup_free_ char *a = NULL, *b = NULL;
        int r;

        /* The generator reads [Install] for the name it installs (install-section.h); a template
         * without DefaultInstance= it does not install at all. */
        if (streq(rule->section, "Install")) {
                if (!c->install_name)
                        return 0;
                r = unit_printf(c->install_name, word, /* full= */ false, &a);
        } else
                r = resolve(c, word, /* full= */ false, &a, &b);
        if (r < 0)
                return resolve_error(c, r);

        for (const char *n = a; n; n = n == a ? b : NULL) {
                /* What this reader does not take for a unit name, systemd might (its rules are
                 * looser in places): refused rather than skipped. */
                if (!unit_name_is_valid_any(n))
                        return violation(c, "'%s' is not a unit name this check understands", n);
                r = unit_is_own(c, n);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (rule->words && strv_contains((char **) rule->words, n)) {
                        note_order(c, rule, n);
                        continue;
                }
                /* A socket, timer or path unit is ordered before its own type's target anyway. */
                if (streq(rule->key, "Before") && streq(n, type_target(c->unit->type)))
                        continue;
                /* After= only orders: after a host service that is not ordered after the late
                 * targets it cannot close a cycle (After=rsyslog.service, After=postgresql.service). */
                if (streq(rule->key, "After") && !endswith(n, ".target") && (!b || streq(a, b)) &&
                    c->rc->host_state && c->rc->host_state->after_usable) {
                        r = c->rc->host_state->after_usable(c->rc->host_state->userdata, n);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                continue;
                }
                if (b && !streq(a, b))
                        return violation(c, "names a unit that depends on the instance name, which whoever "
                                         "starts the unit chooses; only instances of the image's own templates can be");
                return violation(c, "%s is not an attached unit of this image%s", n,
                                 rule->words ? ", nor one this setting may name" : "");
        }
        return 0;
}

/* Unit= (timers, paths), Service= (sockets): what systemd takes is the unit triggered instead of
 * the one of the same name; what it ignores leaves that one (check_unit_wide()). */
static int check_trigger(RuleCheck *c) {
        _cleanup_free_ char *n = NULL;
        int r;

        r = resolve_fixed(c, c->value, /* full= */ false, &n);
        if (r <= 0)
                return r;
        /* systemd ignores a unit triggering itself (and then triggers its namesake service), and
         * takes only a service, not a template, from a socket's Service=. */
        if (streq(n, c->unit->name))
                return violation(c, "systemd ignores a unit that triggers itself, and triggers the service of "
                                 "its name instead");
        if (streq(c->rule->key, "Service") && (!endswith(n, ".service") || unit_name_is_template(n)))
                return violation(c, "systemd takes only a service that is not a template here, and triggers the "
                                 "service of the socket's name instead");
        r = check_unit_name(c, c->value);
        if (r < 0)
                return r;
        c->trigger_set = true;
        return 0;
}

static int check_units(RuleCheck *c, const UnitRule *rule) {
        ExtractFlags flags;

        /* Unit= (timers, paths) and Service= (sockets) are one name each; the rest are lists,
         * split as systemd splits each. */
        if (streq(rule->key, "Unit") || streq(rule->key, "Service"))
                return check_trigger(c);
        if (streq(rule->section, "Install"))
                flags = EXTRACT_UNQUOTE | EXTRACT_RETAIN_ESCAPE;
        else if (streq(rule->key, "Sockets"))
                flags = 0;
        else
                flags = EXTRACT_RETAIN_ESCAPE;
        return for_each_word(c, flags, check_unit_name);
}

static int check_rw_path_word(RuleCheck *c, const char *w) {
        _cleanup_free_ char *path = NULL;
        int r;

        /* Inside the image root these name the image's own paths; only the host files the sandbox
         * binds in must stay read-only. */
        w += *w == '-';
        w += *w == '+';
        r = resolve_fixed(c, w, /* full= */ true, &path);
        if (r <= 0)
                return r;
        if (!path_simplify_check(path, /* absolute= */ true))
                return violation(c, "'%s' is not a normalized absolute path", path);
        /* A parent may be writable: the bind mounts below it stay read-only mounts of their own. */
        STRV_FOREACH(b, c->rc->protected_paths)
                if (path_overlaps(path, *b) && strlen(path) >= strlen(*b))
                        return violation(c, "would make a host file bound into the sandbox writable");
        return 0;
}

/* As config_parse_bind_paths(): [-]SOURCE[:DEST[:OPTIONS]] entries. The source is a host path. */
/* A bind mount's destination: never below a directory the service can write that outlives one of
 * its commands (its /tmp and /var/tmp, its StateDirectory= and friends on the host). The service
 * manager makes a missing mount point as root, following symlinks in the directories above it
 * (systemd 252's apply_one_mount(): mkdir_parents()), while another command of the service runs
 * and can plant them there. */
static int check_mount_point(RuleCheck *c, const char *dest) {
        _cleanup_free_ char *resolved = NULL;
        int r;

        r = resolve_fixed(c, dest, /* full= */ true, &resolved);
        if (r <= 0)
                return r;       /* the violation is recorded */
        if (!path_simplify_check(resolved, /* absolute= */ true))
                return violation(c, "'%s' is not a normalized absolute path", resolved);

        for (const char *const *d = (const char *const[]) { "/tmp", "/var/tmp", NULL }; *d; d++)
                if (path_overlaps(resolved, *d) && strlen(resolved) > strlen(*d))
                        return violation(c, "mounts onto %s, below %s, which the service can write: the service "
                                         "manager would make the mount point following symlinks the service planted",
                                         resolved, *d);
        STRV_FOREACH(d, c->rc->writable_dirs)
                if (path_overlaps(resolved, *d) && strlen(resolved) > strlen(*d))
                        return violation(c, "mounts onto %s, below %s, a directory of the image's services: the "
                                         "service manager would make the mount point following symlinks a service "
                                         "planted", resolved, *d);
        return 0;
}

static int check_bind_ro(RuleCheck *c) {
        const char *p = c->value;
        int r;

        for (;;) {
                _cleanup_free_ char *source = NULL, *resolved = NULL, *dest = NULL, *options = NULL;
                const char *s;

                r = extract_first_word_full(&p, &source, ":" WHITESPACE, EXTRACT_UNQUOTE | EXTRACT_DONT_COALESCE_SEPARATORS);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return violation(c, "cannot be split into words as systemd splits it");
                if (r == 0)
                        return 0;

                s = source + (source[0] == '-');
                r = resolve_fixed(c, s, /* full= */ true, &resolved);
                if (r <= 0)
                        return r;
                if (!path_simplify_check(resolved, /* absolute= */ true) ||
                    !strv_contains(c->rc->profile_ro_binds, resolved))
                        return violation(c, "binds %s of the host: only what the profile binds read-only may be "
                                         "bound again", resolved);

                if (p && p[-1] == ':') {
                        r = extract_first_word_full(&p, &dest, ":" WHITESPACE,
                                                    EXTRACT_UNQUOTE | EXTRACT_DONT_COALESCE_SEPARATORS);
                        if (r == -ENOMEM)
                                return r;
                        if (r <= 0)
                                return violation(c, "cannot be split into words as systemd splits it");
                        if (p && p[-1] == ':') {
                                r = extract_first_word_full(&p, &options, /* separators= */ NULL, EXTRACT_UNQUOTE);
                                if (r == -ENOMEM)
                                        return r;
                                if (r < 0)
                                        return violation(c, "cannot be split into words as systemd splits it");
                        }
                }

                r = check_mount_point(c, dest ?: s);
                if (r < 0)
                        return r;
        }
}

/* Capabilities a dynamic user may hold in its effective set: those that act on nothing but the
 * service's own sockets. Any other in the profile's bounding set is there for processes that
 * never get it: CAP_SETUID raised as ambient is setuid(0), host uid 0 (PrivateUsers= maps 0 to 0),
 * and CAP_DAC_OVERRIDE, CAP_CHOWN, CAP_FOWNER act on the host's files. */
static const char *const ambient_caps_allowed[] = { "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", NULL };

static int check_caps_word(RuleCheck *c, const char *w) {
        bool allowed = false;

        if (w[0] == '~')
                return violation(c, "an inverted list grants every capability but these");
        for (size_t k = 0; ambient_caps_allowed[k]; k++)
                allowed = allowed || strcasecmp(ambient_caps_allowed[k], w) == 0;
        if (!allowed)
                return violation(c, "%s acts beyond the service's own sockets (CAP_SETUID is setuid(0), uid 0 "
                                 "on the host): only CAP_NET_BIND_SERVICE and CAP_NET_BROADCAST", w);
        STRV_FOREACH(k, c->rc->profile_caps)
                if (strcasecmp(*k, w) == 0)
                        return 0;
        return violation(c, "%s is not in the profile's CapabilityBoundingSet=", w);
}

static const char *exec_dir_base(const char *key) {
        if (streq(key, "StateDirectory"))
                return "/var/lib";
        if (streq(key, "CacheDirectory"))
                return "/var/cache";
        if (streq(key, "LogsDirectory"))
                return "/var/log";
        return "/run";
}

/* One exec directory, as config_parse_exec_directories() reads it; returns 1 with the name in
 * *ret if it is one plain directory name, 0 after recording why not (if c is not NULL). */
static int exec_dir_name(RuleCheck *c, const char *unit_name, const char *word, char **ret) {
        _cleanup_free_ char *n = NULL;
        int r;

        if (strchr(word, ':'))
                return c ? violation(c, "symlinks to exec directories are not supported here") : 0;
        if (c) {
                r = resolve_fixed(c, word, /* full= */ true, &n);
                if (r <= 0)
                        return r;
        } else if (unit_printf(unit_name, word, /* full= */ true, &n) < 0)
                return 0;
        if (!path_simplify_check(n, /* absolute= */ false) || strchr(n, '/') || streq(n, "private"))
                return c ? violation(c, "'%s' must be one directory name, not 'private'", n) : 0;
        *ret = TAKE_PTR(n);
        return 1;
}

static int check_exec_dir_word(RuleCheck *c, const char *w) {
        _cleanup_free_ char *n = NULL;
        const char *base = exec_dir_base(c->key);
        const UnitRuleHost *h = c->rc->host_state;
        int r;

        r = exec_dir_name(c, c->unit->name, w, &n);
        if (r <= 0)
                return r;

        if (streq(base, "/run"))
                r = run_dir_usable(c, n);
        else
                r = h && h->state_dir_usable ? h->state_dir_usable(h->userdata, base, n) : 1;
        if (r < 0)
                return r;
        if (r == UNIT_RULE_HOST_FOREIGN_NAME)
                return violation(c, "%s/%s is not in the image's name space (%s)", base, n, NAME_SPACE_WHAT);
        if (r == 0)
                return violation(c, "%s/%s is the host's or another image's: the service manager would hand it to "
                                 "the service%s", base, n, streq(base, "/run") ? " and remove it when it stops" : "");
        return 0;
}

/* A host path the service manager acts on (PID files, sockets, watched paths). For a template the
 * instance may vary the file's name but not the directory it is in (%i has no "/"; %I may). */
static int check_host_path(RuleCheck *c, const char *value, bool state_dirs_too, bool direct, const char *what) {
        _cleanup_free_ char *a = NULL, *b = NULL;
        int r;

        r = resolve(c, value, /* full= */ true, &a, &b);
        if (r < 0)
                return resolve_error(c, r);

        for (char *path = a; path; path = path == a ? b : NULL)
                if (!path_simplify_check(path, /* absolute= */ true))
                        return violation(c, "'%s' is not a normalized absolute path", path);
        if (b) {
                size_t la, da, lb, db;
                const char *sa = run_path_split(a, &la, &da), *sb = run_path_split(b, &lb, &db);

                if (!sa || !sb || la != lb || da != db || strncmp(sa, sb, la) != 0)
                        return violation(c, "its directory depends on the instance name, which whoever starts the "
                                         "unit chooses");
        }

        if (state_dirs_too)
                STRV_FOREACH(d, c->rc->state_dirs)
                        if (path_overlaps(a, *d) && strlen(a) >= strlen(*d))
                                return 0;
        return check_run_path(c, a, direct, what);
}

static int check_listen(RuleCheck *c) {
        _cleanup_free_ char *a = NULL;
        int r;

        r = resolve_fixed(c, c->value, /* full= */ true, &a);
        if (r <= 0)
                return r;

        if (a[0] == '/')
                return check_host_path(c, c->value, /* state_dirs_too= */ false, /* direct= */ true, "a file system socket");
        if (a[0] == '@')
                return violation(c, "abstract sockets are shared with the whole host");
        if (startswith(a, "vsock:"))
                return violation(c, "VSOCK sockets reach the host's virtual machines");
        if (!c->rc->profile_network)
                return violation(c, "the profile has no network, but the service manager would listen on the host's");
        return 0;
}

static int check_number(RuleCheck *c, const UnitRule *rule) {
        const char *v = c->value;
        char *end;
        long n;

        if (rule->words && strv_contains((char **) rule->words, v))
                return 0;
        /* Plain decimal only: what systemd might read in another base is refused. */
        if (!(ascii_isdigit(v[v[0] == '-']) && (v[v[0] == '-'] != '0' || v[1 + (v[0] == '-')] == 0)))
                return violation(c, "only a decimal number from %ld to %ld", rule->min, rule->max);
        errno = 0;
        n = strtol(v, &end, 10);
        if (errno != 0 || *end != 0 || n < rule->min || n > rule->max)
                return violation(c, "only a decimal number from %ld to %ld", rule->min, rule->max);
        return 0;
}

static int check_values(RuleCheck *c, const UnitRule *rule) {
        for (const char *const *w = rule->words; w && *w; w++) {
                if (streq(*w, c->value))
                        return 0;
                if (endswith(*w, ":") && startswith(c->value, *w))
                        return 0;
        }
        _cleanup_free_ char *l = strv_join((char **) rule->words, ", ");
        return violation(c, "only %s%s%s", strna(l), rule->why ? ": " : "", strempty(rule->why));
}

/* LogExtraFields=: FIELD=VALUE words; PORTABLE* fields are the generator's (journalctl PORTABLE=). */
static int check_log_field_word(RuleCheck *c, const char *w) {
        if (startswith(w, "PORTABLE"))
                return violation(c, "PORTABLE fields say which image logs: the generator sets them");
        return 0;
}

/* Resource limits: "N" or "SOFT:HARD", with K, M, G, T suffixes (base 1024), or infinity. */
static int check_limit(RuleCheck *c, const UnitRule *rule) {
        const char *p = c->value;

        for (int part = 0; part < 2 && p; part++) {
                char *end;
                unsigned long long v;
                size_t n = strcspn(p, ":");

                if (!ascii_isdigit(*p))
                        return violation(c, "%s", rule->why);
                errno = 0;
                v = strtoull(p, &end, 10);
                if (errno != 0)
                        return violation(c, "%s", rule->why);
                if ((size_t) (end - p) < n) {
                        const char *u = strchr("KMGT", *end);
                        if (!u || (size_t) (end + 1 - p) != n)
                                return violation(c, "%s", rule->why);
                        for (const char *k = "KMGT"; k <= u; k++)
                                v = v > ULLONG_MAX / 1024 ? ULLONG_MAX : v * 1024;
                }
                if (v > (unsigned long long) rule->max)
                        return violation(c, "%s", rule->why);
                p = p[n] == ':' ? p + n + 1 : NULL;
        }
        return 0;
}

static int check_assignment(const char *section, const char *key, const char *value, const char *filename,
                            unsigned line, void *userdata) {
        RuleCheck *c = userdata;
        const UnitRule *rule;
        int r;

        c->filename = filename;
        c->line = line;
        c->key = key;
        c->value = value;

        /* Ignored by systemd: before any section, and in "X-" sections. */
        if (!section || startswith(section, "X-"))
                return 0;

        if (!unit_rule_section_known(c->unit->type, section)) {
                if (c->bad_section && streq(c->bad_section, section))
                        return 0;
                free(c->bad_section);
                c->bad_section = strdup(section);
                if (!c->bad_section)
                        return -ENOMEM;
                return violation(c, "section [%s] is not one systemd reads in .%s units", section,
                                 unit_type_to_string(c->unit->type));
        }

        rule = c->rule = unit_rule_find(c->unit->type, section, key);
        if (!rule)
                return violation(c, "not a setting known to stay inside the sandbox (portables-confinement(7))");

        /* As config_parse_bool(): a value that is no boolean (an empty one too) is ignored. */
        if (streq(section, "Socket") && streq(key, "Accept")) {
                int b = parse_boolean(value);
                if (b >= 0)
                        c->accept = b;
        }

        /* An empty assignment resets a setting to its default, or a list to nothing. */
        if (isempty(value) && rule->kind != RULE_ANY)
                return 0;

        switch (rule->kind) {
        case RULE_ANY:
        case RULE_IGNORED:
        case RULE_NEUTRALIZED:
                return 0;
        case RULE_REFUSED:
                return violation(c, "%s", rule->why);
        case RULE_VALUES:
                return check_values(c, rule);
        case RULE_NUMBER_RANGE:
                return check_number(c, rule);
        case RULE_EXEC:
                return check_exec(c);
        case RULE_USER:
                return check_identity(c, value, streq(key, "User") ? "user" : "group");
        case RULE_GROUPS:
                return for_each_word(c, 0, check_group_word);
        case RULE_UNITS:
                return check_units(c, rule);
        case RULE_RW_PATHS:
                return for_each_word(c, EXTRACT_UNQUOTE, check_rw_path_word);
        case RULE_BIND_RO:
                return check_bind_ro(c);
        case RULE_CAPS:
                return for_each_word(c, EXTRACT_UNQUOTE, check_caps_word);
        case RULE_EXEC_DIR:
                return for_each_word(c, EXTRACT_UNQUOTE | EXTRACT_RETAIN_ESCAPE, check_exec_dir_word);
        case RULE_PID_FILE:
                /* systemd reads PIDFile= on the host and removes it when the service stops. */
                return check_host_path(c, c->value, /* state_dirs_too= */ false, /* direct= */ true, "a PID file");
        case RULE_LISTEN:
                return check_listen(c);
        case RULE_PATH_WATCH:
                return check_host_path(c, c->value, /* state_dirs_too= */ true, /* direct= */ false, "a watched path");
        case RULE_LIMIT:
                return check_limit(c, rule);
        case RULE_DEVICES:
                return c->rc->profile_private_devices ? 0 :
                        violation(c, "opens the host's devices (the profile does not set PrivateDevices=yes)");
        case RULE_ENV_FILE: {
                _cleanup_free_ char *path = NULL;

                r = resolve_fixed(c, value + (value[0] == '-'), /* full= */ true, &path);
                if (r <= 0)
                        return r;
                if (!unit_env_path_allowed(path))
                        return violation(c, "read by the service manager on the host: only files directly in the "
                                         "image's /etc/default or /etc/sysconfig are carried over from the image");
                return 0;
        }
        case RULE_LOG_FIELDS:
                return for_each_word(c, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE, check_log_field_word);
        default:
                assert(false);
                return -EINVAL;
        }
}

static int check_invalid(const char *why, const char *filename, unsigned line, void *userdata) {
        RuleCheck *c = userdata;
        char *s = NULL;

        if (asprintf(&s, "%s:%u: %s: systemd would not load this file", filename, line, why) < 0)
                return -ENOMEM;
        return strv_consume(&c->violations, s);
}

typedef struct DefaultInstance {
        const char *unit_name;
        char *instance;
} DefaultInstance;

/* As install_info_parse() reads it: an empty value resets, one that does not resolve to a valid
 * instance is ignored (the previous one stays). */
static int collect_default_instance(const char *section, const char *key, const char *value, const char *filename,
                                    unsigned line, void *userdata) {
        DefaultInstance *d = userdata;
        char *resolved = NULL;
        int r;

        if (!section || !streq(section, "Install") || !streq(key, "DefaultInstance"))
                return 0;
        if (isempty(value)) {
                d->instance = mfree(d->instance);
                return 0;
        }
        r = install_name_printf(d->unit_name, value, &resolved);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !unit_instance_is_valid(resolved)) {
                free(resolved);
                return 0;
        }
        free(d->instance);
        d->instance = resolved;
        return 0;
}

/* What the generator installs the unit as (install-section.h): itself, or for a template its
 * DefaultInstance= instance (NULL: none, the template is not installed). */
static int install_name(const ImageUnit *u, char **ret) {
        DefaultInstance d = { .unit_name = u->name };
        int r;

        if (!unit_name_is_template(u->name))
                return (*ret = strdup(u->name)) ? 0 : -ENOMEM;

        r = image_unit_parse(u, collect_default_instance, ini_garbage_ignore, NULL, &d);
        for (size_t k = 0; r >= 0 && k < u->n_dropins; k++)
                r = unit_dropin_parse(u->dropins + k, collect_default_instance, ini_garbage_ignore, NULL, &d);
        *ret = NULL;
        if (r >= 0 && d.instance)
                r = unit_name_replace_instance(u->name, d.instance, ret);
        free(d.instance);
        return r < 0 ? r : 0;
}

/* What is only known once the unit and its drop-ins are read. */
static int check_unit_wide(RuleCheck *c) {
        char *s = NULL;
        int r;

        if (c->n_dropped > 0) {
                if (asprintf(&s, "%s: %u more settings refused", c->unit->source, c->n_dropped) < 0)
                        return -ENOMEM;
                r = strv_consume(&c->violations, s);
                if (r < 0)
                        return r;
        }

        if (c->after_level >= 0 && c->before_level <= c->after_level) {
                if (asprintf(&s, "%s: After=%s and Before=%s: an ordering cycle, which systemd breaks by dropping "
                             "a job, maybe the host's", c->unit->source, strna(c->after_what), strna(c->before_what)) < 0)
                        return -ENOMEM;
                r = strv_consume(&c->violations, s);
                if (r < 0)
                        return r;
        }

        /* A socket, timer or path unit without Service=/Unit= triggers the service of its name
         * (a socket with Accept=yes, the template): that must be the image's too, not a host
         * unit of that name. */
        if (IN_SET(c->unit->type, UNIT_SOCKET, UNIT_TIMER, UNIT_PATH) && !c->trigger_set) {
                _cleanup_free_ char *stem = strndup(c->unit->name, strrchr(c->unit->name, '.') - c->unit->name), *t = NULL;
                bool template = c->unit->type == UNIT_SOCKET && c->accept > 0;

                if (!stem)
                        return -ENOMEM;
                if (unit_name_is_template(c->unit->name))
                        t = strjoin(stem, ".service");  /* foo@.socket triggers foo@X.service: own if foo@.service is */
                else
                        t = strjoin(stem, template ? "@.service" : ".service");
                if (!t)
                        return -ENOMEM;
                r = unit_is_own(c, t);
                if (r < 0)
                        return r;
                if (r == 0) {
                        if (asprintf(&s, "%s: triggers %s, which is not a unit of this image that is attached",
                                     c->unit->source, t) < 0)
                                return -ENOMEM;
                        r = strv_consume(&c->violations, s);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int unit_check_rules(const ImageUnit *u, const UnitRuleContext *rc, char ***ret_violations) {
        return unit_check_rules_full(u, rc, ret_violations, /* ret_referenced= */ NULL);
}

int unit_check_rules_full(const ImageUnit *u, const UnitRuleContext *rc, char ***ret_violations,
                          char ***ret_referenced) {
        RuleCheck c = { .unit = u, .rc = rc, .after_level = -1, .before_level = INT_MAX };
        int r;

        assert(u);
        assert(rc);
        assert(ret_violations);

        r = install_name(u, &c.install_name);
        if (r < 0)
                return r;

        r = image_unit_parse(u, check_assignment, ini_garbage_ignore, check_invalid, &c);
        for (size_t k = 0; r == 0 && k < u->n_dropins; k++) {
                free(c.bad_section);
                c.bad_section = NULL;
                r = unit_dropin_parse(u->dropins + k, check_assignment, ini_garbage_ignore, check_invalid, &c);
        }
        if (r >= 0)
                r = check_unit_wide(&c);
        free(c.bad_section);
        free(c.install_name);
        if (r < 0) {
                strv_free(c.violations);
                strv_free(c.referenced);
                return r;
        }

        r = (int) strv_length(c.violations);
        *ret_violations = c.violations;
        if (ret_referenced)
                *ret_referenced = c.referenced;
        else
                strv_free(c.referenced);
        return r;
}

/* unit_rules_state_dirs(): collects from every service of the image. */
typedef struct DirCollect {
        const char *unit_name;
        bool runtime_too;
        char **state_dirs;
} DirCollect;

static int collect_dirs(const char *section, const char *key, const char *value, const char *filename,
                        unsigned line, void *userdata) {
        DirCollect *d = userdata;
        const char *p = value;
        const char *base;
        int r;

        if (!section || !streq(section, "Service") ||
            !(IN_SET(0, strcmp(key, "StateDirectory"), strcmp(key, "CacheDirectory"), strcmp(key, "LogsDirectory")) ||
              (d->runtime_too && streq(key, "RuntimeDirectory"))))
                return 0;
        base = exec_dir_base(key);

        for (;;) {
                _cleanup_free_ char *w = NULL, *n = NULL, *full = NULL;

                r = extract_first_word_full(&p, &w, /* separators= */ NULL, EXTRACT_UNQUOTE | EXTRACT_RETAIN_ESCAPE);
                if (r == -ENOMEM)
                        return r;
                if (r <= 0)
                        return 0;
                r = exec_dir_name(/* c= */ NULL, d->unit_name, w, &n);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                full = strjoin(base, "/", n);
                if (!full)
                        return -ENOMEM;
                if (!strv_contains(d->state_dirs, full) && strv_consume(&d->state_dirs, TAKE_PTR(full)) < 0)
                        return -ENOMEM;
        }
}

static int service_dirs(const ImageUnits *units, bool writable, char ***ret) {
        DirCollect d = { .runtime_too = writable };
        int r = 0;

        assert(units);
        assert(ret);

        for (size_t i = 0; r >= 0 && i < units->n_units; i++) {
                const ImageUnit *u = units->units + i;

                if (u->type != UNIT_SERVICE || (!writable && unit_name_is_template(u->name)))
                        continue;
                d.unit_name = u->name;
                r = image_unit_parse(u, collect_dirs, ini_garbage_ignore, NULL, &d);
                for (size_t k = 0; r >= 0 && k < u->n_dropins; k++)
                        r = unit_dropin_parse(u->dropins + k, collect_dirs, ini_garbage_ignore, NULL, &d);
        }
        if (r < 0) {
                strv_free(d.state_dirs);
                return r;
        }
        *ret = d.state_dirs;
        return 0;
}

int unit_rules_state_dirs(const ImageUnits *units, char ***ret) {
        return service_dirs(units, /* writable= */ false, ret);
}

int unit_rules_writable_dirs(const ImageUnits *units, char ***ret) {
        return service_dirs(units, /* writable= */ true, ret);
}

/* Removes from *own the units the rules refuse, and those that name or trigger a removed one, to a
 * fixed point: each unit is checked once, then refusals are passed along to the units that name
 * it (each removal looks at the names each unit named: a long chain of units stays cheap). */
int unit_rules_settle_own(const ImageUnits *units, const UnitRuleContext *rc, char ***own) {
        size_t n = units->n_units, head = 0, tail = 0;
        _cleanup_free_ bool *refused = NULL;
        _cleanup_free_ size_t *queue = NULL;
        char ***refs = NULL;
        int r = 0;

        assert(units);
        assert(own);

        refused = calloc(n, sizeof(bool));
        queue = calloc(n, sizeof(size_t));
        refs = calloc(n, sizeof(char **));
        if (!refused || !queue || !refs) {
                r = -ENOMEM;
                goto finish;
        }

        for (size_t k = 0; k < n; k++) {
                const ImageUnit *u = units->units + k;
                _cleanup_strv_free_ char **v = NULL;

                if (!strv_contains(*own, u->name))
                        continue;
                r = unit_check_rules_full(u, rc, &v, &refs[k]);
                if (r < 0)
                        goto finish;
                if (r > 0 || unit_name_is_prefix_dropin(u->name)) {
                        refused[k] = true;
                        queue[tail++] = k;
                }
        }
        /* Whoever names a refused unit is refused: walk the names backwards. */
        while (head < tail) {
                const char *gone = units->units[queue[head++]].name;

                for (size_t k = 0; k < n; k++) {
                        if (refused[k] || !refs[k] || !strv_contains(refs[k], gone))
                                continue;
                        refused[k] = true;
                        queue[tail++] = k;
                }
        }

        for (size_t k = 0; k < n; k++)
                if (refused[k])
                        strv_remove(*own, units->units[k].name);
        r = 0;
finish:
        if (refs)
                for (size_t k = 0; k < n; k++)
                        strv_free(refs[k]);
        free(refs);
        return r;
}
