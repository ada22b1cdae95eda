/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* unit_check_rules() and what it is built on (the unit reader, word splitting, specifiers) on a
 * unit file, as a service, a socket, a path unit and a template, with a fake host that has some
 * directories and none of the units. Also the image's exec directories, and what unit-adapt.h
 * derives from the unit for an image with some package directories. */

#include "fuzz.h"
#include "image-fs.h"
#include "strv.h"
#include "unit-adapt.h"
#include "unit-rules.h"

/* An image with directories of the package "foo" and of others, read through a packed tree. */
static const PackedTree *image(void) {
        static PackedTree t;
        static bool made;
        PackedBuilder b = {};
        char *buf = NULL;

        if (made)
                return &t;
        made = true;
        if (packed_builder_add(&b, 'd', "/var/lib/foo", NULL) < 0 || packed_builder_add(&b, 'd', "/var/log/foo", NULL) < 0 ||
            packed_builder_add(&b, 'd', "/var/cache/foo-x", NULL) < 0 || packed_builder_add(&b, 'd', "/run/foo", NULL) < 0 ||
            packed_builder_add(&b, 'd', "/var/lib/bar", NULL) < 0 ||
            packed_builder_add(&b, 'f', "/usr/lib/tmpfiles.d/foo.conf", "d /run/foo-t 0755 - - -\n") < 0 ||
            packed_builder_add(&b, 'f', "/var/lib/foo/log", "") < 0 ||
            packed_builder_format(&b, &buf) < 0 || packed_tree_parse(buf, strlen(buf), &t) < 0)
                abort();
        packed_builder_done(&b);
        return &t;
}

static int run_dir(void *userdata, const char *name) {
        return strlen(name) % 2;
}

static int state_dir(void *userdata, const char *base, const char *name) {
        return strlen(name) % 3 != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const names[] = { "foo.service", "foo.socket", "foo.path", "foo@.service", "foo.timer" };
        static char *own[] = { "foo.service", "foo.socket", "foo@.service", NULL };
        static char *paths[] = { "/etc/machine-id", "/run/host", NULL };
        static char *caps[] = { "CAP_CHOWN", NULL };
        static const UnitRuleHost host = { .run_dir_usable = run_dir, .state_dir_usable = state_dir };
        _cleanup_free_ char *s = NULL;

        if (size > 256 * 1024)
                return 0;
        fuzz_setup();
        s = fuzz_string(data, size);

        for (size_t k = 0; k < ELEMENTSOF(names); k++) {
                ImageUnit u = {
                        .name = (char *) names[k],
                        .type = unit_name_type(names[k]),
                        .source = (char *) "fuzz",
                        .content = s,
                };
                ImageUnits units = { .units = &u, .n_units = 1 };
                _cleanup_strv_free_ char **v = NULL, **state_dirs = NULL;
                UnitRuleContext rc = {
                        .own_units = own,
                        .protected_paths = paths,
                        .profile_ro_binds = paths,
                        .profile_caps = caps,
                        .profile_network = k % 2,
                        .host_state = &host,
                };
                int r;

                if (unit_rules_state_dirs(&units, &state_dirs) < 0)
                        continue;
                rc.state_dirs = state_dirs;
                r = unit_check_rules(&u, &rc, &v);
                if (r >= 0 && (size_t) r != strv_length(v))
                        abort();

                {
                        const ImageFS fs = { .fd = -EBADF, .packed = image() };
                        _cleanup_free_ char *t = NULL;

                        if (unit_adapt_derive(&fs, &units) >= 0 && unit_adapt_check_mount_points(&fs, &units) >= 0)
                                (void) unit_adapt_text(&u, &host, "fuzz", &t);
                        strv_free(u.derived_dirs);
                        free(u.pid_file_reset);
                        free(u.refused);
                }
        }
        return 0;
}
