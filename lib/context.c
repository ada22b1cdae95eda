/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>

#include "context.h"
#include "log.h"
#include "fileio.h"
#include "string-util.h"
#include "strv.h"

const char *const portable_search_dirs[] = {
        "/etc/portables",
        "/run/portables",
        "/var/lib/portables",
        "/usr/local/lib/portables",
        "/usr/lib/portables",
        NULL,
};

/* The ones that change while the system runs: portables-refresh.path watches them (and the
 * versioned directories in them, by the generator's drop-in). /usr/{local/,}lib/portables belong to
 * the OS image and change with it (an update comes with a reload anyway). */
const char *const portable_watched_dirs[] = {
        "/etc/portables",
        "/run/portables",
        "/var/lib/portables",
        NULL,
};

const char *const profile_dirs[] = {
        "/etc/systemd/portable/profile",
        "/run/systemd/portable/profile",
        "/usr/local/lib/systemd/portable/profile",
        "/usr/lib/systemd/portable/profile",
        "/lib/systemd/portable/profile",
        NULL,
};

/* All of systemd's system unit search paths except the generator directories (ours and other
 * generators' output is rebuilt on every reload, and we never shadow anything but nothing). */
const char *const host_unit_dirs[] = {
        "/etc/systemd/system.control",
        "/run/systemd/system.control",
        "/run/systemd/transient",
        "/etc/systemd/system",
        "/etc/systemd/system.attached",
        "/run/systemd/system",
        "/run/systemd/system.attached",
        "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system",
        "/lib/systemd/system",
        NULL,
};

const char *const config_dropin_dirs[] = {
        "/etc/systemd",
        "/run/systemd",
        "/usr/local/lib/systemd",
        "/usr/lib/systemd",
        NULL,
};

int context_init(Context *c) {
        return context_init_root(c, getenv(PORTABLES_ROOT_ENV));
}

static ImageReader image_reader_from_env(void) {
        static const char *const names[_IMAGE_READER_MAX] = {
                [IMAGE_READER_AUTO] = "auto",
                [IMAGE_READER_MOUNT] = "mount",
                [IMAGE_READER_USERSPACE] = "userspace",
        };
        const char *e = getenv(PORTABLES_IMAGE_READER_ENV);

        if (isempty(e))
                return IMAGE_READER_AUTO;
        for (size_t k = 0; k < ELEMENTSOF(names); k++)
                if (streq(e, names[k]))
                        return k;
        log_warning("Ignoring $" PORTABLES_IMAGE_READER_ENV "=%s: not auto, mount or userspace.", e);
        return IMAGE_READER_AUTO;
}

int context_init_root(Context *c, const char *e) {
        *c = (Context) { .root_fd = -EBADF, .image_reader = image_reader_from_env() };

        if (isempty(e))
                e = "/";
        if (e[0] != '/')
                return -EINVAL;

        c->root = strdup(e);
        if (!c->root)
                return -ENOMEM;

        c->root_fd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c->root_fd < 0)
                return -errno;

        return 0;
}

void context_done(Context *c) {
        assert(c);

        c->root = mfree(c->root);
        c->root_fd = safe_close(c->root_fd);
}

void host_listing_done(HostListing *l) {
        assert(l);

        l->dirs = strv_free(l->dirs);
        l->entries = strv_free(l->entries);
        l->n_entries = 0;
}

int host_listing_add(HostListing *l, const char *dir, char *const *names) {
        int r;

        STRV_FOREACH(n, names) {
                r = strv_consume(&l->entries, strjoin(dir, "/", *n));
                if (r < 0)
                        return r;
        }
        return strv_extend(&l->dirs, dir);
}

void host_listing_seal(HostListing *l) {
        assert(l);

        strv_sort(l->entries);
        l->n_entries = strv_length(l->entries);
}

static int cmp_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

bool host_listing_absent(const HostListing *l, const char *path) {
        const char *slash = strrchr(path, '/');
        bool listed = false;

        assert(l);

        if (!slash || slash == path || !slash[1])
                return false;
        STRV_FOREACH(d, l->dirs)
                if (strlen(*d) == (size_t) (slash - path) && strneq(*d, path, slash - path)) {
                        listed = true;
                        break;
                }
        if (!listed)
                return false;
        return l->n_entries == 0 ||
                !bsearch(&path, l->entries, l->n_entries, sizeof(char *), cmp_strp);
}

int host_open(const Context *c, const char *path, int flags) {
        assert(c);

        if (c->listing && host_listing_absent(c->listing, path))
                return -ENOENT;

        /* The host tree is resolved like an image: absolute symlinks of an offline tree point
         * into it. For "/" this is plain path resolution. */
        return open_in_root(c->root_fd, path, flags);
}

int host_read_file(const Context *c, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;

        fd = host_open(c, path, 0);
        if (fd < 0)
                return fd;

        return read_regular_fd(fd, max, ret, ret_size);
}

int host_opendir(const Context *c, const char *path, DIR **ret) {
        assert(c);

        if (c->listing && host_listing_absent(c->listing, path))
                return -ENOENT;
        return opendir_in_root(c->root_fd, path, ret);
}

int host_exists(const Context *c, const char *path) {
        _cleanup_close_ int fd = -EBADF;

        fd = host_open(c, path, O_NOFOLLOW);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd < 0)
                return fd;
        return 1;
}
