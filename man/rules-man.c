/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Prints portables-confinement(7) from the rule table the generator enforces (unit-rules.h), so
 * that the contract users read is the one the code applies. Run by the build; the page is not
 * written by hand. */

#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "string-util.h"
#include "unit-rules.h"

/* Text for roff: "-" as "\-", a backslash doubled. */
static void roff(const char *s) {
        for (; *s; s++) {
                if (*s == '-')
                        fputs("\\-", stdout);
                else if (*s == '\\')
                        fputs("\\e", stdout);
                else
                        putchar(*s);
        }
}

static void words(const char *const *w) {
        for (size_t i = 0; w && w[i]; i++) {
                fputs(i == 0 ? "" : ", ", stdout);
                fputs("\\fB", stdout);
                roff(w[i]);
                fputs("\\fR", stdout);
        }
}

/* "Key=, Key=, ..." of the rows of one section and kind (and why, for RULE_ANY). */
static bool key_list(const char *section, UnitRuleKind kind, const char *why) {
        bool any = false;

        for (size_t i = 0; i < n_unit_rules; i++) {
                const UnitRule *r = unit_rules + i;

                if (!streq(r->section, section) || r->kind != kind)
                        continue;
                if (kind == RULE_ANY && !(why ? r->why && streq(r->why, why) : !r->why))
                        continue;
                fputs(any ? ",\n" : "", stdout);
                fputs(".BR ", stdout);
                roff(r->key);
                fputs("= ", stdout);
                any = true;
        }
        if (any)
                puts("");
        return any;
}

static bool alike(const UnitRule *a, const UnitRule *b) {
        return a->kind == b->kind && a->words == b->words && a->min == b->min && a->max == b->max &&
               (a->why == b->why || (a->why && b->why && streq(a->why, b->why)));
}

/* Whether row i was already printed with an earlier row of its section. */
static bool earlier_alike(size_t i) {
        for (size_t k = 0; k < i; k++)
                if (streq(unit_rules[k].section, unit_rules[i].section) && alike(unit_rules + k, unit_rules + i))
                        return true;
        return false;
}

static const char *const sections[][2] = {
        { "Unit", "all unit types" },
        { "Install", "all unit types; read by the generator for the links it writes" },
        { "Service", "service units" },
        { "Socket", "socket units; the service manager opens their sockets on the host" },
        { "Timer", "timer units" },
        { "Path", "path units; the service manager watches their paths on the host" },
};

static void section(const char *name, const char *what) {
        printf(".SS [%s]\n", name);
        printf("In %s.\n", what);

        puts(".PP\nAny value:");
        key_list(name, RULE_ANY, NULL);
        for (size_t i = 0; i < n_unit_rules; i++) {
                const UnitRule *r = unit_rules + i;
                bool seen = false;

                if (!streq(r->section, name) || r->kind != RULE_ANY || !r->why)
                        continue;
                for (size_t k = 0; k < i && !seen; k++)
                        seen = streq(unit_rules[k].section, name) && unit_rules[k].kind == RULE_ANY &&
                               unit_rules[k].why && streq(unit_rules[k].why, r->why);
                if (seen)
                        continue;
                fputs(".PP\nAny value (", stdout);
                roff(r->why);
                puts("):");
                key_list(name, RULE_ANY, r->why);
        }

        for (UnitRuleKind k = 0; k < _RULE_KIND_MAX; k++) {
                if (k == RULE_ANY)
                        continue;
                if (IN_SET(k, RULE_IGNORED, RULE_NEUTRALIZED)) {
                        bool any = false;
                        for (size_t i = 0; i < n_unit_rules && !any; i++)
                                any = streq(unit_rules[i].section, name) && unit_rules[i].kind == k;
                        if (!any)
                                continue;
                        puts(".PP");
                        roff(unit_rule_kind_to_string(k));
                        puts(":");
                        key_list(name, k, NULL);
                        continue;
                }
                for (size_t i = 0; i < n_unit_rules; i++) {
                        const UnitRule *r = unit_rules + i;
                        bool first = true;

                        if (!streq(r->section, name) || r->kind != k || earlier_alike(i))
                                continue;
                        /* One entry for all rows that say the same. */
                        puts(".TP");
                        for (size_t j = i; j < n_unit_rules; j++)
                                if (streq(unit_rules[j].section, name) && alike(r, unit_rules + j)) {
                                        fputs(first ? ".BR " : ".TQ\n.BR ", stdout);
                                        roff(unit_rules[j].key);
                                        puts("=");
                                        first = false;
                                }
                        if (k == RULE_REFUSED) {
                                fputs("Refused: ", stdout);
                                roff(r->why);
                                puts(".");
                                continue;
                        }
                        roff(unit_rule_kind_to_string(k));
                        if (k == RULE_NUMBER_RANGE)
                                printf(" %ld to %ld", r->min, r->max);
                        if (r->words) {
                                fputs(k == RULE_NUMBER_RANGE ? ", or " : k == RULE_UNITS ? ", and: " : " ", stdout);
                                words(r->words);
                        }
                        if (r->why) {
                                fputs("; ", stdout);
                                roff(r->why);
                        }
                        puts(".");
                }
        }
}

int main(void) {
        puts(".\\\" SPDX-License-Identifier: LGPL-2.1-or-later\n"
             ".\\\" Generated from lib/unit-rules-table.c by man/rules-man.c: do not edit.\n"
             ".TH PORTABLES\\-CONFINEMENT 7 \"\" \"portables " PROJECT_VERSION "\" \"portables-confinement\"\n"
             ".nh\n"
             ".SH NAME\n"
             "portables\\-confinement \\- what the units of a portable image may ask for\n"
             ".SH DESCRIPTION\n"
             "Under every profile but\n"
             ".BR trusted ,\n"
             "including custom profiles,\n"
             ".BR systemd\\-portable\\-generator (8)\n"
             "attaches a unit of an image only if every assignment in the unit file and in its drop\\-ins\n"
             "in the image is on the list below, with a value the list allows.\n"
             "Any other setting, and any section systemd does not read for the unit's type\n"
             "(sections whose names start with\n"
             ".B X\\-\n"
             "are ignored, as systemd ignores them), leaves the unit unattached, with a log line naming\n"
             "the file, the line, the setting and why;\n"
             ".B portables inspect\n"
             "lists every refused setting of every unit.\n"
             "A setting is on the list because systemd applies it inside the service's sandbox, to the\n"
             "unit's own processes and control group, or to the image's own units and paths, or\n"
             "because the profile drop\\-in, written after the unit, sets it back.\n"
             "A setting systemd adds in a later version is refused until it is added here.\n"
             ".PP\n"
             "Units are read as systemd reads them: lines end at a line feed, a carriage return or both;\n"
             "a UTF\\-8 byte order mark is removed; comment lines, also inside continued lines, are\n"
             "skipped; a line with a trailing backslash continues on the next one.\n"
             "Each value is unquoted and unescaped as systemd does for that setting before it is\n"
             "judged, and specifiers are resolved: those that depend only on the unit's name\n"
             "(%n, %N, %p, %P, %i, %I, %j, %J, %f, %%); a value whose check depends on another specifier\n"
             "(such as %U or %H) is refused.\n"
             "For a template, whose instance is chosen by whoever starts it, a value must be acceptable\n"
             "for any instance.\n"
             "A file with a NUL byte is not read at all.\n"
             ".PP\n"
             ".I The image's own units\n"
             "are the units of the image that are attached: found in its unit directories, matching its\n"
             "prefixes, not present on the host and not attached from an image of higher precedence;\n"
             "instances of its own templates are its own too.\n"
             "A name that merely starts with the image's prefix is not.\n"
             "A unit whose name ends its prefix with\n"
             ".RB \\(dq \\- \\(dq\n"
             "(such as\n"
             ".IR foo\\-.service ),\n"
             "whose drop\\-ins systemd would apply to every unit whose name starts with\n"
             ".IR foo\\- ,\n"
             "is refused under every profile.\n"
             ".PP\n"
             ".I A directory of the image in /run\n"
             "is\n"
             ".I /run/NAME\n"
             "in the name space the admin gave the image (NAME is the image's name or one of the\n"
             ".B Prefixes=\n"
             "of its settings, not\n"
             ".BR PORTABLE_PREFIXES= ,\n"
             "which the image chooses itself, or a leading part of one up to a\n"
             ".RB \\(dq \\- \\(dq,\n"
             "such as\n"
             ".I redis\n"
             "for an image named\n"
             ".IR redis\\-server ;\n"
             "or it starts with one followed by\n"
             ".RB \\(dq \\- \\(dq,\n"
             ".RB \\(dq . \\(dq,\n"
             ".RB \\(dq _ \\(dq\n"
             "or\n"
             ".RB \\(dq @ \\(dq,\n"
             "as unit names do), that did not exist on the host when the image was first\n"
             "attached and that no other image of the host claimed, that the base system\n"
             "does not use (such as\n"
             ".IR /run/systemd ,\n"
             ".I /run/user\n"
             "or\n"
             ".IR /run/dbus ),\n"
             "and that is not named after a unit of the host (a host with\n"
             ".I postgresql.service\n"
             "keeps\n"
             ".IR /run/postgresql ,\n"
             ".I /run/postgresql.pid\n"
             "and the like, even before it creates them): the generator records that it is the image's\n"
             "(in\n"
             ".IR /run/systemd/portables\\-cache ),\n"
             "and later accepts it for that image, in any version, and for no other.\n"
             "Host units include the\n"
             ".I /etc/init.d\n"
             "scripts systemd makes units of, and the names they use are read from the host's unit\n"
             "files and tmpfiles.d.\n"
             "A directory of the image in\n"
             ".IR /var/lib ,\n"
             ".I /var/cache\n"
             "or\n"
             ".I /var/log\n"
             "is one in its name space, not used by the host, that is missing on the host, or the\n"
             ".I private/NAME\n"
             "symbolic link systemd makes for a dynamic user's directory.\n"
             ".SH THE LIST");

        for (size_t i = 0; i < ELEMENTSOF(sections); i++)
                section(sections[i][0], sections[i][1]);

        puts(".SH SEE ALSO\n"
             ".BR systemd\\-portable\\-generator (8),\n"
             ".BR portables\\-profiles (7),\n"
             ".BR portables (1),\n"
             ".BR systemd.unit (5),\n"
             ".BR systemd.exec (5)");
        return 0;
}
