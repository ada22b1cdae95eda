/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* systemd.portables= on the kernel command line, given through $SYSTEMD_PROC_CMDLINE. */

#include "kernel-cmdline.h"
#include "tests.h"

static void check(const char *cmdline, int expected) {
        int r;

        if (setenv("SYSTEMD_PROC_CMDLINE", cmdline, 1) < 0)
                abort();
        r = kernel_cmdline_portables_enabled();
        if (expected < 0 ? r >= 0 : r != expected)
                fprintf(stderr, "cmdline \"%s\": %d, expected %d\n", cmdline, r, expected);
        if (expected < 0)
                CHECK(r < 0);
        else
                CHECK_INT(r, expected);
}

TEST(cmdline) {
        check("", 1);
        check("quiet splash", 1);
        check("systemd.portables=0", 0);
        check("quiet systemd.portables=no root=/dev/sda1", 0);
        check("systemd.portables=false", 0);
        check("systemd.portables=off", 0);
        check("systemd.portables=1", 1);
        check("systemd.portables=yes", 1);
        /* The last one wins; a bare switch means on. */
        check("systemd.portables=0 systemd.portables=1", 1);
        check("systemd.portables=1 systemd.portables=0", 0);
        check("systemd.portables=0 systemd.portables", 1);
        check("systemd.portables", 1);
        /* Invalid values are ignored. */
        check("systemd.portables=0 systemd.portables=bogus", 0);
        check("systemd.portables=bogus", 1);
        /* Other switches are not ours. */
        check("systemd.portablesx=0", 1);
        check("xsystemd.portables=0", 1);
        check("rd.systemd.portables=0", 1);
        check("systemd.portables.foo=0", 1);
        /* Quoting as on the kernel command line. */
        check("foo=\"a b systemd.portables=0\" bar", 1);
        check("\"systemd.portables=0\"", 0);
        check("a=\"unbalanced systemd.portables=0", -1);
}

int main(void) {
        RUN(cmdline);
        return tests_finish();
}
