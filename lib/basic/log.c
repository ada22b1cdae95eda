/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "log.h"
#include "string-util.h"

/* Parsed configuration, set once at start: the only global state of this project. */
static int log_max_level = LOG_INFO;
static LogTarget log_target = LOG_TARGET_CONSOLE;
static const char *log_identifier = "portables";

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

int log_level_from_string(const char *s) {
        static const char *const names[] = {
                "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
        };

        assert(s);

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(s, names[i]))
                        return (int) i;
        if (strlen(s) == 1 && s[0] >= '0' && s[0] <= '7')
                return s[0] - '0';
        return -EINVAL;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

void log_setup(const char *identifier, LogTarget default_target) {
        const char *e;

        log_identifier = identifier;
        log_target = default_target;

        e = getenv("SYSTEMD_LOG_LEVEL");
        if (e) {
                int l = log_level_from_string(e);
                if (l >= 0)
                        log_max_level = l;
        }

        e = getenv("SYSTEMD_LOG_TARGET");
        if (e) {
                if (streq(e, "console"))
                        log_target = LOG_TARGET_CONSOLE;
                else if (streq(e, "kmsg"))
                        log_target = LOG_TARGET_KMSG;
                else if (streq(e, "journal"))
                        log_target = LOG_TARGET_JOURNAL;
                else if (streq(e, "auto") || streq(e, "journal-or-kmsg"))
                        log_target = LOG_TARGET_AUTO;
        }
}

/* Native journal protocol, one datagram, MSG_DONTWAIT: if journald is busy we fall back rather than
 * wait. Newlines in the message are folded so that the simple KEY=VALUE form stays valid. */
static int write_to_journal(int level, const char *file, int line, const char *func, const char *msg) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
        _cleanup_free_ char *m = NULL, *header = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct iovec iov[3];

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;

        m = strdup(msg);
        if (!m)
                return -ENOMEM;
        for (char *p = m; *p; p++)
                if (*p == '\n')
                        *p = ' ';

        if (asprintf(&header,
                     "PRIORITY=%i\nSYSLOG_FACILITY=3\nSYSLOG_IDENTIFIER=%s\nSYSLOG_PID=%i\n"
                     "CODE_FILE=%s\nCODE_LINE=%i\nCODE_FUNC=%s\nMESSAGE=",
                     LOG_PRI(level), log_identifier, (int) getpid(), file, line, func) < 0) {
                header = NULL;
                return -ENOMEM;
        }

        iov[0] = (struct iovec) { .iov_base = header, .iov_len = strlen(header) };
        iov[1] = (struct iovec) { .iov_base = m, .iov_len = strlen(m) };
        iov[2] = (struct iovec) { .iov_base = (char *) "\n", .iov_len = 1 };

        struct msghdr mh = {
                .msg_name = &sa,
                .msg_namelen = sizeof(sa),
                .msg_iov = iov,
                .msg_iovlen = ELEMENTSOF(iov),
        };

        if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}

static int write_to_kmsg(int level, const char *msg) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        int n;

        fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return -errno;

        /* Facility daemon (3 << 3), like systemd's generators. */
        n = asprintf(&buf, "<%i>%s[%i]: %s\n", (3 << 3) | LOG_PRI(level), log_identifier, (int) getpid(), msg);
        if (n < 0) {
                buf = NULL;
                return -ENOMEM;
        }
        if (write(fd, buf, n) < 0)
                return -errno;
        return 0;
}

static void write_to_console(const char *msg) {
        /* Plain line on stderr, like systemd's tools when run from a terminal. */
        fprintf(stderr, "%s\n", msg);
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        char buf[LINE_MAX * 2];
        va_list ap;
        int saved = errno;

        error = ERRNO_VALUE(error);

        /* %m prints the error we were given, not whatever errno happens to be. */
        errno = error;
        va_start(ap, format);
        (void) vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);

        switch (log_target) {
        case LOG_TARGET_JOURNAL:
                if (write_to_journal(level, file, line, func, buf) >= 0)
                        break;
                _fallthrough_;
        case LOG_TARGET_KMSG:
                if (write_to_kmsg(level, buf) >= 0)
                        break;
                write_to_console(buf);
                break;
        case LOG_TARGET_AUTO:
                if (write_to_journal(level, file, line, func, buf) >= 0)
                        break;
                if (write_to_kmsg(level, buf) >= 0)
                        break;
                _fallthrough_;
        case LOG_TARGET_CONSOLE:
                write_to_console(buf);
                break;
        }

        errno = saved;
        return -error;
}
