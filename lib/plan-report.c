/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "plan-report.h"
#include "string-util.h"
#include "strv.h"

/* One line: the priority, then the text with control characters (an image's bytes may be in it)
 * as '?'. */
static int line(char **report, int priority, const char *fmt, ...) _printf_(3, 4);
static int line(char **report, int priority, const char *fmt, ...) {
        _cleanup_free_ char *t = NULL, *l = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = free_and_vasprintf(&t, fmt, ap);
        va_end(ap);
        if (r < 0)
                return r;
        for (char *c = t; *c; c++)
                if ((unsigned char) *c < ' ' || *c == 0x7f)
                        *c = '?';
        if (asprintf(&l, "<%d>%s\n", priority, t) < 0)
                return -ENOMEM;
        return strextend(report, l) ? 0 : -ENOMEM;
}

int plan_report_append(const ImagePlan *p, char **report) {
        const char *path = p->image->path;
        int r;

        assert(p);
        assert(report);

        if (p->extension_image)
                return 0;
        if (p->refused)
                return line(report, p->deferred ? LOG_NOTICE : LOG_WARNING, "Image %s not attached: %s", path, p->refused);

        for (size_t k = 0; k < p->n_units; k++) {
                const PlannedUnit *u = p->units + k;

                if (!u->skipped)
                        continue;
                r = line(report, LOG_WARNING, "Image %s: unit %s not attached: %s", path, u->name, u->skipped);
                if (r < 0)
                        return r;
                /* The first is in skipped already. */
                STRV_FOREACH(v, u->violations ? u->violations + 1 : NULL) {
                        r = line(report, LOG_NOTICE, "Image %s: unit %s: also refused: %s", path, u->name, *v);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}
