/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* lib/unit-usermap.h: which services get their own account files, the templates planned for them
 * within the image's budget, and the lines of their 20-portable.conf. */

#include "log.h"
#include "macro.h"
#include "plan-internal.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"
#include "unit-usermap.h"

static ImageUnit service(const char *name, const char *content) {
        return (ImageUnit) { .name = (char *) name, .type = UNIT_SERVICE, .source = (char *) "/test", .content = (char *) content };
}

static const char *file_text(const PlannedUnit *pu, const char *name) {
        for (size_t k = 0; k < pu->n_files; k++)
                if (streq(pu->files[k].name, name))
                        return pu->files[k].text;
        return NULL;
}

TEST(files_and_dropin) {
        _cleanup_(planned_unit_done) PlannedUnit pu = {};
        _cleanup_free_ char *text = NULL;
        const char *helper;
        ImageUsermap m = {
                .enabled = true,
                .passwd = (char *) "root:x:0:0::/root:/bin/sh\nfoo:x:100:65534:Foo:/var/lib/foo:/bin/false\n",
                .group = (char *) "root:x:0:\n",
                .image_path = (char *) "/test.raw",
        };
        ImageUnit u = service("foo.service", "[Service]\nUser=foo\nExecCondition=/bin/a\n");

        CHECK_INT(unit_usermap_files(&m, &u, &pu), 0);
        CHECK_INT(pu.n_files, 4);
        CHECK_STR(file_text(&pu, ".portables-users/foo.service/passwd"), "root:x:0:0::/root:/bin/sh\n");
        CHECK_STR(file_text(&pu, ".portables-users/foo.service/group"), "root:x:0:\n");
        CHECK_STR(file_text(&pu, ".portables-users/foo.service/user"), "foo:x:100:65534:Foo:/var/lib/foo:/bin/false\n");

        /* The helper runs as the service's own user, without privileges, and goes with it. */
        helper = file_text(&pu, "portables-usermap@foo.service.service");
        CHECK(helper && strstr(helper, "\nDynamicUser=yes\nUser=foo\nRuntimeDirectory=portables-users/foo.service\n"
                                       "ExecStart=" USERMAP_BINARY " setup foo.service foo\n"));
        CHECK(helper && strstr(helper, "\nPartOf=foo.service\nStopWhenUnneeded=yes\n"));
        CHECK(helper && !strstr(helper, "=+") && !strstr(helper, "=!"));

        CHECK_INT(unit_usermap_dropin(&m, &u, &text), 0);
        CHECK(text && strstr(text,
                             "BindReadOnlyPaths=-/run/portables-users/foo.service/passwd:/etc/passwd\n"
                             "BindReadOnlyPaths=-/run/portables-users/foo.service/group:/etc/group\n"
                             "\n[Unit]\n"
                             "Requires=portables-usermap@foo.service.service\n"
                             "After=portables-usermap@foo.service.service\n"
                             "\n[Service]\n"));
        /* The unit's own commands are left as they are: nothing runs before them with privileges. */
        CHECK(text && !strstr(text, "Exec"));
        strv_free(m.units);
}

TEST(who_gets_them) {
        _cleanup_(planned_unit_done) PlannedUnit pu = {};
        _cleanup_free_ char *text = NULL;
        ImageUsermap m = { .enabled = true, .passwd = (char *) "", .image_path = (char *) "/t" };
        ImageUnit tmpl = service("bar@.service", "[Service]\nUser=bar\n");
        ImageUnit esc = service("bar\\x2dbaz.service", "[Service]\nUser=bar\n");
        ImageUnit colon = service("a:b.service", "[Service]\nUser=bar\n");
        /* No User=: the unit name's prefix, as systemd derives it for DynamicUser=yes. */
        ImageUnit plain = service("plain.service", "[Service]\nExecStart=/bin/true\n");
        ImageUnit root = service("r.service", "[Service]\nUser=root\n");
        ImageUnit spec = service("s.service", "[Service]\nUser=%i\n");
        ImageUnit sock = { .name = (char *) "t.socket", .type = UNIT_SOCKET, .content = (char *) "" };

        CHECK_INT(unit_usermap_files(&m, &root, &pu), 0);
        CHECK_INT(unit_usermap_files(&m, &spec, &pu), 0);
        CHECK_INT(unit_usermap_files(&m, &sock, &pu), 0);
        /* One helper per service: not for templates; not for names paths cannot carry. */
        CHECK_INT(unit_usermap_files(&m, &tmpl, &pu), 0);
        CHECK_INT(unit_usermap_files(&m, &esc, &pu), 0);
        CHECK_INT(unit_usermap_files(&m, &colon, &pu), 0);
        CHECK_INT(pu.n_files, 0);
        CHECK_INT(unit_usermap_dropin(&m, &root, &text), 0);
        CHECK(!text);

        CHECK_INT(unit_usermap_files(&m, &plain, &pu), 0);
        CHECK_INT(pu.n_files, 4);
        CHECK_INT(unit_usermap_dropin(&m, &plain, &text), 0);
        CHECK(text && strstr(text, "Requires=portables-usermap@plain.service.service\n"));
        /* No group in the image: no bind for it. */
        CHECK(text && !strstr(text, ":/etc/group"));
        CHECK(strstr(file_text(&pu, "portables-usermap@plain.service.service"), "\nUser=plain\n"));

        /* Not enabled (trusted, no DynamicUser=): nothing. */
        m.enabled = false;
        text = mfree(text);
        CHECK_INT(unit_usermap_dropin(&m, &tmpl, &text), 0);
        CHECK_INT(unit_usermap_files(&m, &root, &pu), 0);
        CHECK(!text);
        strv_free(m.units);
}

TEST(budget) {
        _cleanup_free_ char *big = malloc(IMAGE_ACCOUNTS_FILE_SIZE_MAX + 1), *text = NULL;
        ImageUsermap m = { .enabled = true, .image_path = (char *) "/t" };
        size_t n_planned = 0, n = 0;

        CHECK(big);
        if (!big)
                return;
        /* Lines of 32 bytes, up to the size an image's file may have. */
        for (size_t k = 0; n + 32 <= IMAGE_ACCOUNTS_FILE_SIZE_MAX; k++)
                n += (size_t) snprintf(big + n, 33, "u%07zu:x:%07zu:1:::/bin/sh\n", k, k + 1);
        m.passwd = big;

        for (unsigned k = 0; k < 64; k++) {
                _cleanup_(planned_unit_done) PlannedUnit pu = {};
                _cleanup_free_ char *name = NULL;
                ImageUnit u;

                CHECK(asprintf(&name, "s%u.service", k) > 0);
                u = service(name, "[Service]\nUser=foo\n");
                CHECK_INT(unit_usermap_files(&m, &u, &pu), 0);
                if (pu.n_files > 0)
                        n_planned++;
                /* The drop-in names the templates only of services that have them. */
                text = mfree(text);
                CHECK_INT(unit_usermap_dropin(&m, &u, &text), 0);
                CHECK((pu.n_files > 0) == !!text);
        }
        CHECK_INT(n_planned, USERMAP_IMAGE_BYTES_MAX / n);
        CHECK(m.bytes <= USERMAP_IMAGE_BYTES_MAX);
        strv_free(m.units);
}

int main(void) {
        log_set_max_level(LOG_WARNING);
        RUN(files_and_dropin);
        RUN(who_gets_them);
        RUN(budget);
        return tests_finish();
}
