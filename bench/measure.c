/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* measure LOGFILE CMD [ARGS...]
 *
 * Runs CMD with stdout and stderr appended to LOGFILE and prints one line to stdout:
 *
 *     WALL_MS MAXRSS_KB STATUS
 *
 * WALL_MS is the wall-clock time from fork to reaping, in milliseconds with three decimals
 * (CLOCK_MONOTONIC); MAXRSS_KB the child's peak resident set size (wait4() rusage); STATUS its
 * exit status, or 128+signal. The wrapper's own work (fork, exec) is inside WALL_MS, the same for
 * every command measured, so ratios between commands measured this way are fair. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
        struct timespec ts;

        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) {
                perror("clock_gettime");
                exit(2);
        }
        return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

int main(int argc, char *argv[]) {
        struct rusage ru = {};
        double t0, t1;
        int status, log_fd;
        pid_t pid;

        if (argc < 3) {
                fprintf(stderr, "usage: %s LOGFILE CMD [ARGS...]\n", argv[0]);
                return 2;
        }

        log_fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) {
                fprintf(stderr, "measure: cannot open %s: %s\n", argv[1], strerror(errno));
                return 2;
        }

        t0 = now_ms();
        pid = fork();
        if (pid < 0) {
                perror("fork");
                return 2;
        }
        if (pid == 0) {
                if (dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
                        _exit(126);
                execvp(argv[2], argv + 2);
                dprintf(STDERR_FILENO, "measure: cannot execute %s: %s\n", argv[2], strerror(errno));
                _exit(127);
        }

        for (;;) {
                pid_t p = wait4(pid, &status, 0, &ru);
                if (p == pid)
                        break;
                if (p < 0 && errno == EINTR)
                        continue;
                perror("wait4");
                return 2;
        }
        t1 = now_ms();

        printf("%.3f %ld %d\n", t1 - t0, ru.ru_maxrss,
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}
