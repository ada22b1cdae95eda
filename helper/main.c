/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* portables: the operator's view of what systemd-portable-generator does with the images on this
 * host (or in an OS tree, with --root=). It runs the generator's own code (lib/): what it shows
 * is what the generator writes. */

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "attach.h"
#include "cat.h"
#include "detach.h"
#include "inspect.h"
#include "is-attached.h"
#include "list.h"
#include "log.h"
#include "output.h"
#include "prepare.h"
#include "refresh.h"
#include "string-util.h"
#include "strv.h"
#include "users.h"
#include "verify.h"

#define VERB_ANY UINT_MAX

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;    /* counting the verb itself, as systemd's verb tables do */
        int (*dispatch)(int argc, char **argv);
        const char *args;               /* for --help */
        const char *help;
        bool own_options;               /* the verb parses options of its own (after the shared ones) */
} Verb;

static int verb_help(int argc, char **argv);

static const Verb verbs[] = {
        { "list",    1, 1,        verb_list,    "",               "List images and what the generator does with each" },
        { "inspect", 2, 2,        verb_inspect, "NAME|PATH",      "Show settings, os-release, units, users, mount points\n"
                                                                  "                          and the exact files the generator writes" },
        { "cat",     3, VERB_ANY, verb_cat,     "NAME UNIT...",   "Show units and drop-ins as the generator writes them" },
        { "verify",  2, VERB_ANY, verb_verify,  "[OPTIONS] IMAGE...", "Verify raw images' dm-verity data and signatures\n"
                                                                  "                          in userspace (options: see portables(1))", true },
        { "refresh", 1, 1,        verb_refresh, "",               "Reload systemd and start/stop the units of images\n"
                                                                  "                          added/removed, restart changed units with\n"
                                                                  "                          Restart=changed (run by portables-refresh.service)" },
        { "users",   2, VERB_ANY, verb_users,   "[--dry-run] IMAGE", "Create the image's sysusers.d users on the host\n"
                                                                  "                          (run by portables-users@.service)", true },
        { "prepare", 1, 1,        verb_prepare, "",               "Read every image into the extraction cache, without\n"
                                                                  "                          the generator's time budget (portables-prepare.service)" },
        { "attach",  2, VERB_ANY, verb_attach,  "[OPTIONS] IMAGE...", "Place images (NAME.raw.v/ and NAME.v/ too) into\n"
                                                                  "                          /etc/portables (or /run/portables), check, reload,\n"
                                                                  "                          with --now start their enabled units" , true },
        { "detach",  2, VERB_ANY, verb_detach,  "[OPTIONS] NAME|PATH...", "Remove what attach placed, reload; with --now stop,\n"
                                                                  "                          with --clean remove the units' directories", true },
        { "reattach", 2, VERB_ANY, verb_reattach, "[OPTIONS] IMAGE...", "Replace the attached version of an image, reload,\n"
                                                                  "                          restart changed units, stop gone, start new", true },
        { "is-attached", 2, 2,    verb_is_attached, "NAME|PATH",  "Print the image's state; exit 0 only if attached" },
        /* Keep man/portables.1 in step: --help is generated from this table. */
        { "help",    1, VERB_ANY, verb_help,    "",               "Show this help" },
};

static int help(void) {
        printf("%s [OPTIONS...] COMMAND ...\n\n"
               "Inspect portable service images as systemd-portable-generator sees them.\n\n"
               "Commands:\n", program_invocation_short_name);
        for (size_t k = 0; k < ELEMENTSOF(verbs); k++) {
                _cleanup_free_ char *s = strjoin(verbs[k].name, *verbs[k].args ? " " : "", verbs[k].args);
                const char *c = s ?: verbs[k].name;

                if (strlen(c) < 24)
                        printf("  %-24s%s\n", c, verbs[k].help);
                else
                        printf("  %s\n%26s%s\n", c, "", verbs[k].help);
        }
        printf("\nOptions:\n"
               "  -h --help               Show this help\n"
               "     --version            Show package version\n"
               "     --root=DIR           Look at the OS tree in DIR instead of the host\n"
               "                          (overrides $PORTABLES_ROOT)\n"
               "     --json=pretty|short|off\n"
               "                          Output JSON (list, inspect)\n"
               "  -j                      Same as --json=pretty on a terminal, --json=short\n"
               "                          otherwise\n"
               "     --no-pager           Do not pipe output into a pager\n"
               "     --no-legend          Do not show the headers and footers\n"
               "\nattach, reattach, detach:\n"
               "     --runtime            In /run/portables, until the next reboot\n"
               "     --copy=auto|symlink|copy\n"
               "                          Place a symlink or a copy (attach, reattach)\n"
               "     --profile=PROFILE    Write Profile= into NAME.portable (attach, reattach)\n"
               "     --enable             Write Enable=yes into NAME.portable (attach, reattach)\n"
               "     --now                Start the enabled units after attaching,\n"
               "                          stop the units before detaching\n"
               "     --clean              Remove the units' state, cache, logs, runtime and\n"
               "                          configuration directories (detach)\n"
               "     --no-reload          Do not reload systemd\n"
               "     --no-block           Do not wait for the start/stop jobs\n"
               "\nExit status: 0 on success, 1 on failure, 2 on invalid usage,\n"
               "4 if the image or unit does not exist. See portables(1).\n");
        return 0;
}

static int verb_help(int argc, char **argv) {
        return help();
}

static char *root_buf = NULL;
static char **owned_args = NULL;        /* what parse_argv() passes on that is not in argv */

static int set_root(const char *v) {
        if (isempty(v)) {
                root_buf = mfree(root_buf);
                arg_root = NULL;
                return 0;
        }
        free(root_buf);
        root_buf = realpath(v, NULL);
        if (!root_buf) {
                log_error_errno(errno, "Invalid --root=%s: %m", v);
                return -EXIT_USAGE;
        }
        arg_root = root_buf;
        return 0;
}

/* Returns 1 to go on, 0 for --json=help (which ends the program), -EXIT_USAGE. */
static int set_json(const char *v) {
        if (streq(v, "help")) {
                printf("pretty\nshort\noff\n");
                return 0;
        }
        arg_json = json_format_from_string(v);
        if (arg_json < 0) {
                log_error("Invalid --json= mode '%s' (expected pretty, short or off).", v);
                return -EXIT_USAGE;
        }
        return 1;
}

/* Takes the options every verb shares out of argv, wherever they are (before and after the verb),
 * and leaves the verb and its arguments in *ret (argv[0] excluded), in order. Options of the verbs
 * themselves (verify's, users') and unknown ones are left there as they were written, for the verb
 * or dispatch_verb() to judge; so is "--" with everything after it. Returns 1 to go on, 0 when done
 * (--help, --version, --json=help), or -EXIT_USAGE. */
static int parse_argv(int argc, char *argv[], char ***ret, int *ret_n) {
        enum {
                ARG_VERSION = 0x100,
                ARG_ROOT,
                ARG_JSON,
                ARG_NO_PAGER,
                ARG_NO_LEGEND,
                ARG_VERB_OPTION,        /* verify_options[], users_options[]: passed on */
        };
        static const struct option options[] = {
                { "help",             no_argument,       NULL, 'h'             },
                { "version",          no_argument,       NULL, ARG_VERSION     },
                { "root",             required_argument, NULL, ARG_ROOT        },
                { "json",             required_argument, NULL, ARG_JSON        },
                { "no-pager",         no_argument,       NULL, ARG_NO_PAGER    },
                { "no-legend",        no_argument,       NULL, ARG_NO_LEGEND   },
                /* The verbs' own (verify.c, users.c): known here so that an abbreviation of one
                 * is not taken for a shared option, and their values stay with them. */
                { "policy",           required_argument, NULL, ARG_VERB_OPTION },
                { "snapshot-dir",     required_argument, NULL, ARG_VERB_OPTION },
                { "remove-snapshot",  no_argument,       NULL, ARG_VERB_OPTION },
                { "expect-root-hash", required_argument, NULL, ARG_VERB_OPTION },
                { "quiet",            no_argument,       NULL, ARG_VERB_OPTION },
                { "dry-run",          no_argument,       NULL, ARG_VERB_OPTION },
                {}
        };
        _cleanup_free_ char **rest = NULL;
        int n = 0, c, r;

        rest = calloc(argc + 1, sizeof(char *));
        if (!rest)
                return log_oom();

        /* "-": non-options are returned in order (as 1), so that the verb's own arguments keep their
         * places; ":": a missing value is reported as ':', not printed by getopt. */
        opterr = 0;
        optind = 0;
        for (;;) {
                int previous = optind ?: 1;

                c = getopt_long(argc, argv, "-:hqj", options, NULL);
                if (c < 0)
                        break;

                switch (c) {

                case 1:
                        rest[n++] = optarg;
                        break;

                case 'h':
                        help();
                        return 0;

                case ARG_VERSION:
                        printf("portables %s\n", PROJECT_VERSION);
                        return 0;

                case ARG_ROOT:
                        r = set_root(optarg);
                        if (r < 0)
                                return r;
                        break;

                case ARG_JSON:
                        r = set_json(optarg);
                        if (r <= 0)
                                return r;
                        break;

                case ARG_NO_PAGER:
                        arg_pager = false;
                        break;

                case ARG_NO_LEGEND:
                        arg_legend = false;
                        break;

                case 'j':
                        /* As systemd's tools: pretty on a terminal, short otherwise (on_tty()). */
                        arg_json = isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) ? JSON_PRETTY : JSON_SHORT;
                        break;

                case ':':
                        if (IN_SET(optopt, ARG_ROOT, ARG_JSON)) {
                                log_error("Option %s needs a value.", argv[optind - 1]);
                                return -EXIT_USAGE;
                        }
                        _fallthrough_;
                case 'q':
                case ARG_VERB_OPTION:
                case '?':
                        /* The verb's, or unknown: passed on as written, for the verb to parse. */
                        if (startswith(argv[previous], "--"))
                                /* A long option, with its value if that was the next word. */
                                for (int k = previous; k < optind; k++)
                                        rest[n++] = argv[k];
                        else {
                                /* A short one ("-q", or an unknown "-x"), alone or out of a cluster. */
                                char o = (char) (c == 'q' ? 'q' : optopt), *t;

                                if (asprintf(&t, "-%c", o) < 0 || strv_consume(&owned_args, t) < 0)
                                        return log_oom();
                                rest[n++] = t;
                        }
                        break;

                default:
                        assert_not_reached();
                }
        }

        /* "--" stops getopt_long(): kept, with what follows, for verbs that parse their own options. */
        if (optind > 1 && streq(argv[optind - 1], "--"))
                rest[n++] = argv[optind - 1];
        for (int k = optind; k < argc; k++)
                rest[n++] = argv[k];

        *ret = TAKE_PTR(rest);
        *ret_n = n;
        return 1;
}

static int dispatch_verb(int argc, char *argv[]) {
        const Verb *v = NULL;
        unsigned n = (unsigned) argc;

        if (argc <= 0) {
                log_error("Missing command (try --help).");
                return EXIT_USAGE;
        }

        for (size_t k = 0; k < ELEMENTSOF(verbs); k++)
                if (streq(verbs[k].name, argv[0])) {
                        v = verbs + k;
                        break;
                }
        if (!v) {
                if (argv[0][0] == '-')
                        log_error("Unknown option '%s' (try --help).", argv[0]);
                else
                        log_error("Unknown command '%s' (try --help).", argv[0]);
                return EXIT_USAGE;
        }
        if (!v->own_options) {
                /* Anything that looks like an option before "--" is unknown; "--" itself goes. */
                int m = 1;

                for (int k = 1; k < argc; k++) {
                        if (streq(argv[k], "--")) {
                                for (k++; k < argc; k++)
                                        argv[m++] = argv[k];
                                break;
                        }
                        if (argv[k][0] == '-' && !streq(argv[k], "-")) {
                                log_error("Unknown option '%s' (try --help).", argv[k]);
                                return EXIT_USAGE;
                        }
                        argv[m++] = argv[k];
                }
                argv[m] = NULL;
                argc = m;
                n = (unsigned) m;
        }
        if (n < v->min_args) {
                log_error("Too few arguments for '%s': %s %s", v->name, v->name, v->args);
                return EXIT_USAGE;
        }
        if (v->max_args != VERB_ANY && n > v->max_args) {
                log_error("Too many arguments for '%s': %s%s%s", v->name, v->name, *v->args ? " " : "", v->args);
                return EXIT_USAGE;
        }

        return v->dispatch(argc, argv);
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char **args = NULL;
        int n_args = 0, r;

        /* Refusals and conflicts are what the output is about: log only errors unless asked
         * ($SYSTEMD_LOG_LEVEL), so that they are not also repeated on stderr. */
        log_set_max_level(LOG_ERR);
        log_setup("portables", LOG_TARGET_CONSOLE);

        r = parse_argv(argc, argv, &args, &n_args);
        if (r <= 0) {
                free(root_buf);
                strv_free(owned_args);
                return r < 0 ? -r : 0;
        }

        r = dispatch_verb(n_args, args);

        pager_close();
        free(root_buf);
        strv_free(owned_args);

        /* Verbs return a negative errno (logged already) or an exit code. */
        if (r < 0)
                return EXIT_FAILURE;
        return r;
}
