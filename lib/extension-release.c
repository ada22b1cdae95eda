/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "env-file.h"
#include "extension-release.h"
#include "fileio.h"
#include "string-util.h"
#include "strv.h"

char *extension_release_file_name(const char *filename) {
        _cleanup_free_ char *n = NULL;
        char *e;

        assert(filename);

        n = strdup(filename);
        if (!n)
                return NULL;
        e = (char *) endswith(n, ".raw");
        if (e && e != n)
                *e = 0;
        return strjoin("extension-release.", n);
}

int extension_release_read(const ImageFS *fs, const char *filename, char ***ret_fields, char **ret_path) {
        _cleanup_free_ char *name = NULL, *path = NULL, *text = NULL;
        _cleanup_strv_free_ char **fields = NULL;
        int r;

        assert(fs);
        assert(filename);
        assert(ret_fields);

        name = extension_release_file_name(filename);
        if (!name)
                return -ENOMEM;
        path = strjoin(EXTENSION_RELEASE_DIR "/", name);
        if (!path)
                return -ENOMEM;

        r = image_fs_read_file(fs, path, SMALL_FILE_SIZE_MAX, &text);
        if (r < 0)
                return r;
        r = env_file_parse(text, &fields);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return -EBADMSG;

        *ret_fields = TAKE_PTR(fields);
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 0;
}

/* Values from the image go into log lines: printable and short, or not shown. */
static const char *shown(const char *v) {
        if (!v)
                return NULL;
        if (strlen(v) > 128 || !string_is_printable(v))
                return "(a value not shown: unprintable or longer than 128 bytes)";
        return v;
}

static int mismatch(char **ret_reason, const char *fmt, const char *a, const char *b) {
        if (asprintf(ret_reason, fmt, shown(a) ?: "", shown(b) ?: "") < 0) {
                *ret_reason = NULL;
                return -ENOMEM;
        }
        return 1;
}

int extension_release_check(char *const *release, char *const *base, const char *arch, char **ret_reason) {
        const char *scope, *a, *id, *base_id, *base_version, *base_level, *level, *version;

        assert(ret_reason);

        *ret_reason = NULL;

        if (!release || !release[0])
                return mismatch(ret_reason, "the file has no fields%s%s", "", "");

        scope = env_get(release, "SYSEXT_SCOPE");
        if (scope) {
                _cleanup_strv_free_ char **l = NULL;
                int r = strv_split_words(scope, &l);

                if (r == -ENOMEM)
                        return r;
                if (r < 0 || !strv_contains(l, "portable"))
                        return mismatch(ret_reason, "SYSEXT_SCOPE=%s does not include \"portable\"%s", scope, "");
        }

        a = env_get(release, "ARCHITECTURE");
        if (!isempty(a) && !streq(a, "_any") && !streq_ptr(a, arch))
                return mismatch(ret_reason, "ARCHITECTURE=%s, but this machine is %s", a, strna(arch));

        id = env_get(release, "ID");
        base_id = env_get(base, "ID");
        if (isempty(id))
                return mismatch(ret_reason, "it has no ID= (the base image's is %s; or \"_any\")%s", strna(base_id), "");
        if (streq(id, "_any"))
                return 0;
        if (!streq_ptr(id, base_id))
                return mismatch(ret_reason, "ID=%s, but the base image's ID= is %s", id, strna(base_id));

        base_version = env_get(base, "VERSION_ID");
        base_level = env_get(base, "SYSEXT_LEVEL");
        if (isempty(base_version) && isempty(base_level))
                return 0;       /* a rolling release: the ID is enough */

        level = env_get(release, "SYSEXT_LEVEL");
        if (!isempty(base_level) && !isempty(level)) {
                if (!streq(base_level, level))
                        return mismatch(ret_reason, "SYSEXT_LEVEL=%s, but the base image's SYSEXT_LEVEL= is %s",
                                        level, base_level);
                return 0;
        }
        if (!isempty(base_version)) {
                version = env_get(release, "VERSION_ID");
                if (isempty(version))
                        return mismatch(ret_reason, "it has no VERSION_ID= (nor SYSEXT_LEVEL= as the base has), the base "
                                        "image's VERSION_ID= is %s%s", base_version, "");
                if (!streq(version, base_version))
                        return mismatch(ret_reason, "VERSION_ID=%s, but the base image's VERSION_ID= is %s",
                                        version, base_version);
        }
        return 0;
}
