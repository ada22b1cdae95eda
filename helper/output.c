/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/wait.h>

#include "log.h"
#include "context.h"
#include "output.h"
#include "string-util.h"

JsonFormat arg_json = JSON_OFF;
bool arg_pager = true;
bool arg_legend = true;
const char *arg_root = NULL;

static pid_t pager_pid = 0;

static _noreturn_ void pager_child(const char *pager) {
        /* Like systemd: less quits if everything fits on one screen (F), passes colours (R), does
         * not clear the screen (X), is verbose (M) and quits on ^C (K). */
        if (setenv("LESS", "FRXMK", 0) < 0)
                _exit(EXIT_FAILURE);

        if (pager) {
                execl("/bin/sh", "sh", "-c", pager, NULL);
                _exit(EXIT_FAILURE);
        }

        execlp("less", "less", NULL);
        execlp("more", "more", NULL);

        /* No pager at all: copy through, so that nothing is lost. */
        for (;;) {
                char buf[4096];
                ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        _exit(n < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
                for (ssize_t k = 0; k < n;) {
                        ssize_t m = write(STDOUT_FILENO, buf + k, n - k);
                        if (m < 0 && errno == EINTR)
                                continue;
                        if (m <= 0)
                                _exit(EXIT_FAILURE);
                        k += m;
                }
        }
}

void pager_open(void) {
        const char *pager;
        int fd[2];
        pid_t pid;

        if (!arg_pager || pager_pid > 0 || !isatty(STDOUT_FILENO))
                return;

        pager = getenv("SYSTEMD_PAGER");
        if (!pager)
                pager = getenv("PAGER");
        if (pager && (isempty(pager) || streq(pager, "cat")))
                return;

        if (pipe2(fd, O_CLOEXEC) < 0) {
                log_debug_errno(errno, "Failed to create pager pipe, not paging: %m");
                return;
        }

        fflush(stdout);

        pid = fork();
        if (pid < 0) {
                log_debug_errno(errno, "Failed to fork pager, not paging: %m");
                (void) close(fd[0]);
                (void) close(fd[1]);
                return;
        }

        if (pid == 0) {
                if (dup2(fd[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                /* Else the fallback copy loop below would never see end of input. */
                (void) close(fd[1]);
                pager_child(pager);
        }

        if (dup2(fd[1], STDOUT_FILENO) < 0) {
                log_debug_errno(errno, "Failed to redirect stdout to the pager: %m");
                (void) close(fd[0]);
                (void) close(fd[1]);
                (void) kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return;
        }
        (void) close(fd[0]);
        (void) close(fd[1]);

        /* If the pager quits early, writes fail with EPIPE instead of killing us. */
        (void) signal(SIGPIPE, SIG_IGN);
        pager_pid = pid;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;

        fflush(stdout);
        /* End of input for the pager. */
        (void) fclose(stdout);
        (void) close(STDOUT_FILENO);

        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}

struct Table {
        size_t n_columns;
        char **cells;           /* row-major, headers first */
        size_t n_cells;
};

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add_row(Table *t, const char *const *cells) {
        char **c;

        c = reallocarray(t->cells, t->n_cells + t->n_columns, sizeof(char *));
        if (!c)
                return -ENOMEM;
        t->cells = c;

        for (size_t i = 0; i < t->n_columns; i++) {
                char *s = strdup(cells[i] ?: "-");
                if (!s)
                        return -ENOMEM;
                /* Cells are one line each: a newline or tab would break the columns. */
                for (char *p = s; *p; p++)
                        if (*p == '\n' || *p == '\t')
                                *p = ' ';
                t->cells[t->n_cells++] = s;
        }
        return 0;
}

Table *table_new(size_t n_columns, const char *const *headers) {
        Table *t;

        t = calloc(1, sizeof(Table));
        if (!t)
                return NULL;
        t->n_columns = n_columns;
        if (table_add_row(t, headers) < 0)
                return table_free(t);
        return t;
}

size_t table_rows(const Table *t) {
        return t->n_cells / t->n_columns - 1;
}

/* Display width: one column per code point (good enough for the names we print). */
static size_t text_width(const char *s) {
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if ((*p & 0xc0) != 0x80)
                        n++;
        return n;
}

int table_print(const Table *t, FILE *f) {
        _cleanup_free_ size_t *width = NULL;
        size_t n_rows = t->n_cells / t->n_columns;

        width = calloc(t->n_columns, sizeof(size_t));
        if (!width)
                return -ENOMEM;

        for (size_t r = arg_legend ? 0 : 1; r < n_rows; r++)
                for (size_t c = 0; c < t->n_columns; c++)
                        width[c] = MAX(width[c], text_width(t->cells[r * t->n_columns + c]));

        for (size_t r = arg_legend ? 0 : 1; r < n_rows; r++) {
                for (size_t c = 0; c < t->n_columns; c++) {
                        const char *s = t->cells[r * t->n_columns + c];

                        fputs(s, f);
                        if (c + 1 < t->n_columns)
                                fprintf(f, "%*s", (int) (width[c] - text_width(s) + 1), "");
                }
                fputc('\n', f);
        }

        return 0;
}

const char *output_root(void) {
        const char *r = arg_root ?: getenv(PORTABLES_ROOT_ENV);
        return isempty(r) ? "/" : r;
}

void verb_options_begin(int *argc, char ***argv) {
        assert(argc);
        assert(argv);

        if (*argc > 1 && streq((*argv)[1], "--")) {
                (*argv)[1] = (*argv)[0];
                (*argv)++;
                (*argc)--;
        }
        opterr = 0;
        optind = 0;
}
