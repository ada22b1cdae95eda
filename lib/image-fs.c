/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "image-fs.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"

#define PACKED_MAGIC "portables-packed-tree 1\n"
#define PACKED_SYMLINK_DEPTH_MAX 8

/* ---- packed trees -------------------------------------------------------------------------- */

void packed_tree_done(PackedTree *t) {
        t->buf = mfree(t->buf);
        t->entries = mfree(t->entries);
        t->n_entries = 0;
}

static int cmp_entry(const void *a, const void *b) {
        return strcmp(((const PackedEntry *) a)->path, ((const PackedEntry *) b)->path);
}

static int cmp_entry_seq(const void *a, const void *b) {
        const PackedEntry *x = a, *y = b;
        int r = strcmp(x->path, y->path);
        return r != 0 ? r : CMP(x->seq, y->seq);
}

static bool path_is_normalized(const char *p) {
        /* Absolute, no empty, "." or ".." components, no trailing slash (but "/"). */
        if (p[0] != '/')
                return false;
        if (streq(p, "/"))
                return true;
        for (const char *c = p; *c; ) {
                const char *e;
                size_t n;

                c++;    /* the slash */
                e = strchrnul(c, '/');
                n = e - c;
                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                c = e;
        }
        return true;
}

/* Takes "SIZE " off *p, bounded by end. */
static int parse_size(char **p, const char *end, size_t *ret) {
        size_t v = 0;
        char *c = *p;

        if (c >= end || !ascii_isdigit(*c))
                return -EBADMSG;
        for (; c < end && ascii_isdigit(*c); c++) {
                if (v > (SIZE_MAX - 9) / 10)
                        return -EBADMSG;
                v = v * 10 + (size_t) (*c - '0');
        }
        if (c >= end || (*c != ' ' && *c != '\n'))
                return -EBADMSG;
        *p = c + 1;
        *ret = v;
        return 0;
}

/* Each entry: "TYPE PATHLEN DATALEN\nPATH\nDATA\n". Sizes in bytes, without the newlines. */
int packed_tree_parse(char *buf, size_t size, PackedTree *ret) {
        _cleanup_free_ char *b = buf;
        _cleanup_free_ PackedEntry *entries = NULL;
        size_t n = 0, allocated = 0;
        const char *end = buf + size;
        char *p = buf;

        if (size < strlen(PACKED_MAGIC) || !strneq(buf, PACKED_MAGIC, strlen(PACKED_MAGIC)))
                return -EBADMSG;
        p += strlen(PACKED_MAGIC);

        while (p < end) {
                size_t plen, dlen;
                char type = *p;
                PackedEntry *e;

                if (!IN_SET(type, 'd', 'f', 'l') || p + 2 > end || p[1] != ' ')
                        return -EBADMSG;
                p += 2;
                if (parse_size(&p, end, &plen) < 0 || p[-1] != ' ' ||
                    parse_size(&p, end, &dlen) < 0 || p[-1] != '\n')
                        return -EBADMSG;
                if (plen == 0 || plen > PATH_MAX || dlen > size || (size_t) (end - p) < plen + 1 ||
                    (size_t) (end - p) - plen - 1 < dlen + 1)
                        return -EBADMSG;
                if (p[plen] != '\n' || p[plen + 1 + dlen] != '\n')
                        return -EBADMSG;
                p[plen] = 0;
                p[plen + 1 + dlen] = 0;
                if (strlen(p) != plen || strlen(p + plen + 1) != dlen || !path_is_normalized(p))
                        return -EBADMSG;
                if (type == 'd' && dlen != 0)
                        return -EBADMSG;

                if (n >= allocated) {
                        size_t k = MAX(allocated * 2, (size_t) 16);
                        PackedEntry *ne = reallocarray(entries, k, sizeof(PackedEntry));
                        if (!ne)
                                return -ENOMEM;
                        entries = ne;
                        allocated = k;
                }
                e = entries + n++;
                *e = (PackedEntry) { .path = p, .type = type, .data = p + plen + 1, .size = dlen };
                if (n > 1 && strcmp(entries[n - 2].path, e->path) >= 0)
                        return -EBADMSG;        /* sorted, no duplicates: bsearch() relies on it */
                p += plen + 1 + dlen + 1;
        }

        *ret = (PackedTree) { .buf = TAKE_PTR(b), .entries = TAKE_PTR(entries), .n_entries = n };
        return 0;
}

const PackedEntry *packed_tree_find(const PackedTree *t, const char *path) {
        PackedEntry key = { .path = path };

        if (t->n_entries == 0)
                return NULL;
        return bsearch(&key, t->entries, t->n_entries, sizeof(PackedEntry), cmp_entry);
}

/* The entry path names, with symlinks followed (at most PACKED_SYMLINK_DEPTH_MAX). Symlinks only
 * ever appear as the last component in a packed tree. */
static int packed_resolve(const PackedTree *t, const char *path, const PackedEntry **ret) {
        _cleanup_free_ char *cur = strdup(path);

        if (!cur)
                return -ENOMEM;

        for (unsigned depth = 0; depth <= PACKED_SYMLINK_DEPTH_MAX; depth++) {
                const PackedEntry *e = packed_tree_find(t, cur);
                char *next, *slash;

                if (!e)
                        return -ENOENT;
                if (e->type != 'l') {
                        *ret = e;
                        return 0;
                }
                if (e->data[0] == '/')
                        next = strdup(e->data);
                else {
                        slash = strrchr(cur, '/');
                        *slash = 0;
                        next = strjoin(cur, "/", e->data);
                }
                if (!next)
                        return -ENOMEM;
                free(cur);
                cur = next;
                if (!path_is_normalized(cur))
                        return -ENOENT; /* "..": never made by the cache; not followed */
        }
        return -ELOOP;
}

void packed_builder_done(PackedBuilder *b) {
        for (size_t k = 0; k < b->n_entries; k++) {
                free((char *) b->entries[k].path);
                free((char *) b->entries[k].data);
        }
        b->entries = mfree(b->entries);
        b->n_entries = 0;
}

static int builder_push(PackedBuilder *b, char type, const char *path, const char *data) {
        PackedEntry *ne;
        char *p, *d;

        ne = reallocarray(b->entries, b->n_entries + 1, sizeof(PackedEntry));
        if (!ne)
                return -ENOMEM;
        b->entries = ne;
        p = strdup(path);
        d = strdup(data ?: "");
        if (!p || !d) {
                free(p);
                free(d);
                return -ENOMEM;
        }
        b->entries[b->n_entries] = (PackedEntry) { .path = p, .type = type, .data = d, .size = strlen(d),
                                                   .seq = b->n_entries };
        b->n_entries++;
        return 0;
}

int packed_builder_add(PackedBuilder *b, char type, const char *path, const char *data) {
        _cleanup_free_ char *parent = NULL;
        char *slash;
        int r;

        if (!IN_SET(type, 'd', 'f', 'l') || !path_is_normalized(path))
                return -EINVAL;

        /* The parents, as directories. */
        parent = strdup(path);
        if (!parent)
                return -ENOMEM;
        while ((slash = strrchr(parent, '/')) && slash != parent) {
                *slash = 0;
                r = builder_push(b, 'd', parent, NULL);
                if (r < 0)
                        return r;
        }

        return builder_push(b, type, path, type == 'd' ? NULL : data);
}

/* The entry after k and the duplicates of its path: the first one added (e.g. /etc/os-release, a
 * symlink the mount point markers would take for a directory, was added as the file it reads as). */
static size_t entry_next(const PackedBuilder *b, size_t k) {
        size_t j;

        for (j = k + 1; j < b->n_entries && streq(b->entries[j].path, b->entries[k].path); j++)
                ;
        return j;
}

/* "T PATHLEN SIZE\n", at most. */
#define PACKED_HEADER_MAX (1 + 1 + 20 + 1 + 20 + 1 + 1)

int packed_builder_format(PackedBuilder *b, char **ret) {
        _cleanup_free_ char *out = NULL;
        size_t n = strlen(PACKED_MAGIC) + 1;
        char *p;

        if (b->n_entries > 1)
                qsort(b->entries, b->n_entries, sizeof(PackedEntry), cmp_entry_seq);

        /* One buffer of the size needed: appending entry by entry copied the text so far again for
         * each, and printed each file's content through printf(). */
        for (size_t k = 0; k < b->n_entries; k = entry_next(b, k))
                n += PACKED_HEADER_MAX + strlen(b->entries[k].path) + 1 + b->entries[k].size + 1;

        out = malloc(n);
        if (!out)
                return -ENOMEM;
        p = stpcpy(out, PACKED_MAGIC);

        for (size_t k = 0; k < b->n_entries; k = entry_next(b, k)) {
                const PackedEntry *e = b->entries + k;
                size_t l = strlen(e->path);

                p += snprintf(p, PACKED_HEADER_MAX, "%c %zu %zu\n", e->type, l, e->size);
                p = mempcpy(p, e->path, l);
                *p++ = '\n';
                p = mempcpy(p, e->data, e->size);
                *p++ = '\n';
        }
        *p = 0;

        *ret = TAKE_PTR(out);
        return 0;
}

/* ---- stacks of layers (Extensions=) ---------------------------------------------------------- */

/* The next component of *p ("//" and "." skipped, as path resolution skips them): its length, *p
 * moved past it; 0 at the end. */
static size_t next_component(const char **p, const char **ret) {
        for (;;) {
                size_t n;

                *p += strspn(*p, "/");
                n = strcspn(*p, "/");
                if (n == 0)
                        return 0;
                *ret = *p;
                *p += n;
                if (n != 1 || (*ret)[0] != '.')
                        return n;
        }
}

/* How path relates to the normalized path h, component by component: 2 inside it (or it), 1 a
 * proper ancestor of it, 0 neither; -1 if path has a ".." component. */
static int path_relation(const char *path, const char *h) {
        const char *p = path, *q = h, *a, *b;

        for (;;) {
                size_t n = next_component(&p, &a), m = next_component(&q, &b);

                if (n == 2 && a[0] == '.' && a[1] == '.')
                        return -1;
                if (m == 0) {
                        /* h is used up: path is in it, unless what follows is ".." */
                        while ((n = next_component(&p, &a)) > 0)
                                if (n == 2 && a[0] == '.' && a[1] == '.')
                                        return -1;
                        return 2;
                }
                if (n == 0)
                        return 1;
                if (n != m || memcmp(a, b, n) != 0) {
                        while ((n = next_component(&p, &a)) > 0)
                                if (n == 2 && a[0] == '.' && a[1] == '.')
                                        return -1;
                        return 0;
                }
        }
}

/* 2 if path is in one of the stacked hierarchies, 1 if it is an ancestor of one ("/", "/etc"), 0
 * otherwise: there only the base answers. Compared by components, as the path resolves ("//usr"
 * and "/./usr" are /usr). A path with ".." is the base's: by its text it may name /usr and resolve
 * to /etc ("/usr/../etc"); systemd ignores such paths in unit settings, and the rules refuse them. */
static int stack_visibility(const char *path) {
        static const char *const hierarchies[] = { IMAGE_FS_STACKED_HIERARCHIES, NULL };
        int v = 0;

        for (const char *const *h = hierarchies; *h; h++) {
                int r = path_relation(path, *h);

                if (r < 0)
                        return 0;
                v = MAX(v, r);
        }
        return v;
}

static bool layer_has(const ImageFS *layer, const char *path, int visibility) {
        return visibility == 2 ? image_fs_exists(layer, path) : image_fs_is_dir(layer, path);
}

/* The layer that answers path, top-down; the base (index 0) answers what no extension has. */
static const ImageFS *stack_layer(const ImageFS *fs, const char *path, size_t *ret_index) {
        int v = stack_visibility(path);

        if (v > 0)
                for (size_t k = fs->n_layers - 1; k > 0; k--)
                        if (layer_has(fs->layers + k, path, v)) {
                                if (ret_index)
                                        *ret_index = k;
                                return fs->layers + k;
                        }
        if (ret_index)
                *ret_index = 0;
        return fs->layers;
}

int image_fs_layer_of(const ImageFS *fs, const char *path) {
        size_t k;

        assert(fs);
        assert(path);

        if (fs->n_layers == 0)
                return image_fs_exists(fs, path) ? 0 : -ENOENT;
        if (!image_fs_exists(stack_layer(fs, path, &k), path))
                return -ENOENT;
        return (int) k;
}

/* The union of the layers' listings of path (list: image_fs_list_dir() or image_fs_list_all()),
 * sorted, at most max names. Where path is only an ancestor of a stacked hierarchy, an extension
 * adds the names that lead into one. A layer where path is a file, not a directory, hides those
 * below it (as overlayfs does with an upper file). */
static int stack_list(const ImageFS *fs, const char *path, size_t max, bool all, char ***ret) {
        _cleanup_strv_free_ char **merged = NULL;
        int v = stack_visibility(path);
        int r;

        for (size_t k = fs->n_layers; k > 0; k--) {
                const ImageFS *layer = fs->layers + k - 1;
                _cleanup_strv_free_ char **l = NULL;

                if (k > 1 && v == 0)
                        continue;
                if (k > 1 && !image_fs_is_dir(layer, path)) {
                        if (v == 2 && image_fs_exists(layer, path))
                                break;          /* an upper non-directory hides the lower ones */
                        continue;
                }

                r = all ? image_fs_list_all(layer, path, max, &l) : image_fs_list_dir(layer, path, max, &l);
                if (r == -ENOENT || r == -ENOTDIR) {
                        if (k == 1 && merged)
                                break;
                        return r;
                }
                if (r < 0)
                        return r;
                STRV_FOREACH(n, l) {
                        if (strv_contains(merged, *n))
                                continue;
                        if (k > 1 && v == 1) {
                                _cleanup_free_ char *sub = streq(path, "/") ? strjoin("/", *n) : strjoin(path, "/", *n);
                                if (!sub)
                                        return -ENOMEM;
                                if (stack_visibility(sub) == 0)
                                        continue;
                        }
                        if (strv_length(merged) >= max)
                                return -E2BIG;
                        r = strv_extend(&merged, *n);
                        if (r < 0)
                                return r;
                }
        }

        strv_sort(merged);
        *ret = TAKE_PTR(merged);
        return 0;
}

/* ---- reading, from a directory or a packed tree ---------------------------------------------- */

void image_file_done(ImageFile *f) {
        f->fd = safe_close(f->fd);
        f->entry = NULL;
        f->tree = NULL;
}

int image_file_read(const ImageFile *f, size_t max, char **ret, size_t *ret_size) {
        char *t;

        if (f->tree)
                return image_tree_read(f->tree, &f->node, max, ret, ret_size);
        if (!f->entry)
                return read_regular_fd(f->fd, max, ret, ret_size);

        if (f->entry->type == 'd')
                return -EISDIR;
        if (f->entry->size > max)
                return -EFBIG;
        t = strndup(f->entry->data, f->entry->size);
        if (!t)
                return -ENOMEM;
        *ret = t;
        if (ret_size)
                *ret_size = f->entry->size;
        return 0;
}

bool image_fs_exists(const ImageFS *fs, const char *path) {
        TreeNode n;

        if (fs->n_layers > 0)
                return image_fs_exists(stack_layer(fs, path, NULL), path);

        if (fs->tree)
                return image_tree_resolve(fs->tree, path, /* follow= */ false, &n) >= 0;
        if (fs->packed)
                return packed_tree_find(fs->packed, path);

        _cleanup_close_ int fd = open_in_root(fs->fd, path, O_NOFOLLOW);
        return fd >= 0;
}

bool image_fs_is_dir(const ImageFS *fs, const char *path) {
        struct stat st;
        TreeNode n;

        if (fs->n_layers > 0)
                return image_fs_is_dir(stack_layer(fs, path, NULL), path);

        if (fs->tree)
                return image_tree_resolve(fs->tree, path, /* follow= */ false, &n) >= 0 && n.type == TREE_NODE_DIR;
        if (fs->packed) {
                const PackedEntry *e = packed_tree_find(fs->packed, path);
                return e && e->type == 'd';
        }

        _cleanup_close_ int fd = open_in_root(fs->fd, path, O_NOFOLLOW);
        return fd >= 0 && fstat(fd, &st) >= 0 && S_ISDIR(st.st_mode);
}

static int packed_list_dir(const PackedTree *t, const char *path, size_t max, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *prefix = NULL;
        const PackedEntry *d;
        size_t lo = 0, hi = t->n_entries, n = 0, plen;
        int r;

        r = packed_resolve(t, path, &d);
        if (r == -ENOENT || (r >= 0 && d->type != 'd')) {
                *ret = NULL;
                return 0;
        }
        if (r < 0)
                return r;

        prefix = streq(d->path, "/") ? strdup("/") : strjoin(d->path, "/");
        if (!prefix)
                return -ENOMEM;
        plen = strlen(prefix);

        /* Entries below prefix are one contiguous run of the sorted array: find its start. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(t->entries[mid].path, prefix) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t k = lo; k < t->n_entries && strneq(t->entries[k].path, prefix, plen); k++) {
                const char *name = t->entries[k].path + plen;

                if (name[0] == '.' || strchr(name, '/'))
                        continue;
                if (++n > max)
                        return -E2BIG;
                r = strv_extend(&l, name);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(l);     /* sorted already: the entries are */
        return 0;
}

/* As dir_list() (fileio.h) over all names: without hidden ones, at most max, sorted. */
static int names_filter(char **all, bool hidden, size_t max, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        int r;

        STRV_FOREACH(a, all) {
                if (!hidden && (*a)[0] == '.')
                        continue;
                if (++n > max)
                        return -E2BIG;
                r = strv_extend(&l, *a);
                if (r < 0)
                        return r;
        }
        strv_sort(l);
        *ret = TAKE_PTR(l);
        return 0;
}

static int tree_list_dir(const ImageTree *t, const char *path, bool hidden, size_t max, char ***ret) {
        _cleanup_strv_free_ char **all = NULL;
        int r;

        r = image_tree_list(t, path, &all);
        if (r < 0)
                return r;
        return names_filter(all, hidden, max, ret);
}

int image_fs_list_dir(const ImageFS *fs, const char *path, size_t max, char ***ret) {
        _cleanup_closedir_ DIR *d = NULL;
        int r;

        if (fs->n_layers > 0) {
                r = stack_list(fs, path, max, /* all= */ false, ret);
                if (r == -ENOENT || r == -ENOTDIR) {
                        *ret = NULL;
                        return 0;
                }
                return r;
        }

        if (fs->tree) {
                r = tree_list_dir(fs->tree, path, /* hidden= */ false, max, ret);
                if (r == -ENOENT || r == -ENOTDIR) {
                        *ret = NULL;
                        return 0;
                }
                return r;
        }
        if (fs->packed)
                return packed_list_dir(fs->packed, path, max, ret);

        r = opendir_in_root(fs->fd, path, &d);
        if (r == -ENOENT || r == -ENOTDIR) {
                *ret = NULL;
                return 0;
        }
        if (r < 0)
                return r;
        return dir_list(d, "", max, ret);
}

int image_fs_read_file(const ImageFS *fs, const char *path, size_t max, char **ret) {
        ImageFile f = IMAGE_FILE_NULL;
        int r;

        if (fs->n_layers > 0)
                return image_fs_read_file(stack_layer(fs, path, NULL), path, max, ret);

        if (fs->tree) {
                TreeNode n;

                r = image_tree_resolve(fs->tree, path, /* follow= */ true, &n);
                if (r < 0)
                        return r;
                return image_tree_read(fs->tree, &n, max, ret, NULL);
        }
        if (!fs->packed)
                return read_file_in_root(fs->fd, path, max, ret, NULL);

        r = packed_resolve(fs->packed, path, &f.entry);
        if (r < 0)
                return r;
        return image_file_read(&f, max, ret, NULL);
}

/* A unit file that is a symlink to target: 1 for a mask (to /dev/null), 2 for an alias (to a file
 * of another name, which goes to *ret_alias if not NULL), 0 if it points to a file of its own name. */
static int link_classify(const char *target, const char *name, char **ret_alias) {
        const char *base;

        if (streq(target, "/dev/null"))
                return 1;

        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        if (streq(base, name))
                return 0;
        if (ret_alias) {
                *ret_alias = strdup(base);
                if (!*ret_alias)
                        return -ENOMEM;
        }
        return 2;
}

static int open_unit_file_fd(int root_fd, const char *p, const char *name, ImageFile *ret, char **ret_alias) {
        _cleanup_free_ char *target = NULL;
        _cleanup_close_ int lfd = -EBADF, fd = -EBADF;
        struct stat st;
        ssize_t k;
        int r;

        lfd = open_in_root(root_fd, p, O_NOFOLLOW);
        if (lfd < 0)
                return lfd;
        if (fstat(lfd, &st) < 0)
                return -errno;

        if (S_ISLNK(st.st_mode)) {

                target = malloc(PATH_MAX);
                if (!target)
                        return -ENOMEM;
                k = readlinkat(lfd, "", target, PATH_MAX - 1);
                if (k < 0)
                        return -errno;
                target[k] = 0;

                r = link_classify(target, name, ret_alias);
                if (r != 0)
                        return r;
        }

        fd = open_in_root(root_fd, p, 0);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISCHR(st.st_mode))
                return 1;
        if (S_ISREG(st.st_mode) && st.st_size == 0)
                return 1;

        *ret = (ImageFile) { .fd = TAKE_FD(fd) };
        return 0;
}

static int open_unit_file_packed(const PackedTree *t, const char *p, const char *name, ImageFile *ret,
                                 char **ret_alias) {
        const PackedEntry *e = packed_tree_find(t, p);
        int r;

        if (!e)
                return -ENOENT;

        if (e->type == 'l') {
                r = link_classify(e->data, name, ret_alias);
                if (r != 0)
                        return r;
                r = packed_resolve(t, p, &e);
                if (r < 0)
                        return r;
        }

        if (e->type == 'f' && e->size == 0)
                return 1;

        *ret = (ImageFile) { .fd = -EBADF, .entry = e };
        return 0;
}

/* As open_unit_file_fd(), in a file system read in user space. */
static int open_unit_file_tree(const ImageTree *t, const char *p, const char *name, ImageFile *ret, char **ret_alias) {
        TreeNode n;
        int r;

        r = image_tree_resolve(t, p, /* follow= */ false, &n);
        if (r < 0)
                return r;

        if (n.type == TREE_NODE_SYMLINK) {
                _cleanup_free_ char *target = NULL;

                r = image_tree_readlink(t, &n, &target);
                if (r < 0)
                        return r;
                r = link_classify(target, name, ret_alias);
                if (r != 0)
                        return r;
                r = image_tree_resolve(t, p, /* follow= */ true, &n);
                if (r < 0)
                        return r;
        }

        if (n.type == TREE_NODE_CHAR)
                return 1;
        if (n.type == TREE_NODE_FILE && n.size == 0)
                return 1;

        *ret = (ImageFile) { .fd = -EBADF, .tree = t, .node = n };
        return 0;
}

int image_fs_open_unit_file(const ImageFS *fs, const char *dir, const char *name, ImageFile *ret, char **ret_alias) {
        _cleanup_free_ char *p = strjoin(dir, "/", name);

        if (!p)
                return -ENOMEM;
        if (fs->n_layers > 0)
                return image_fs_open_unit_file(stack_layer(fs, p, NULL), dir, name, ret, ret_alias);
        if (fs->tree)
                return open_unit_file_tree(fs->tree, p, name, ret, ret_alias);
        return fs->packed ? open_unit_file_packed(fs->packed, p, name, ret, ret_alias)
                          : open_unit_file_fd(fs->fd, p, name, ret, ret_alias);
}

/* An O_PATH fd of path below root_fd, not following a symlink at its end, and its stat. */
static int open_nofollow_stat(int root_fd, const char *path, struct stat *ret) {
        _cleanup_close_ int fd = -EBADF;

        fd = open_in_root(root_fd, path, O_NOFOLLOW);
        if (fd < 0)
                return fd;
        if (fstat(fd, ret) < 0)
                return -errno;
        return TAKE_FD(fd);
}

int image_fs_lstat(const ImageFS *fs, const char *path, TreeNode *ret) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        assert(fs);
        assert(path);
        assert(ret);

        if (fs->n_layers > 0)
                return image_fs_lstat(stack_layer(fs, path, NULL), path, ret);
        if (fs->tree)
                return image_tree_resolve(fs->tree, path, /* follow= */ false, ret);
        if (fs->packed)
                return -EOPNOTSUPP;

        fd = open_nofollow_stat(fs->fd, path, &st);
        if (fd < 0)
                return fd;

        *ret = (TreeNode) {
                .id = st.st_ino,
                .type = S_ISDIR(st.st_mode) ? TREE_NODE_DIR :
                        S_ISREG(st.st_mode) ? TREE_NODE_FILE :
                        S_ISLNK(st.st_mode) ? TREE_NODE_SYMLINK :
                        S_ISCHR(st.st_mode) ? TREE_NODE_CHAR : TREE_NODE_OTHER,
                .mode = st.st_mode & 07777,
                .uid = st.st_uid,
                .gid = st.st_gid,
                .size = st.st_size,
        };
        return 0;
}

int image_fs_readlink(const ImageFS *fs, const char *path, char **ret) {
        _cleanup_free_ char *target = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        ssize_t k;
        int r;

        assert(fs);
        assert(path);
        assert(ret);

        if (fs->n_layers > 0)
                return image_fs_readlink(stack_layer(fs, path, NULL), path, ret);
        if (fs->tree) {
                TreeNode n;

                r = image_tree_resolve(fs->tree, path, /* follow= */ false, &n);
                if (r < 0)
                        return r;
                return image_tree_readlink(fs->tree, &n, ret);
        }
        if (fs->packed)
                return -EOPNOTSUPP;

        fd = open_nofollow_stat(fs->fd, path, &st);
        if (fd < 0)
                return fd;
        if (!S_ISLNK(st.st_mode))
                return -EINVAL;
        target = malloc(PATH_MAX);
        if (!target)
                return -ENOMEM;
        k = readlinkat(fd, "", target, PATH_MAX - 1);
        if (k < 0)
                return -errno;
        target[k] = 0;
        *ret = TAKE_PTR(target);
        return 0;
}

int image_fs_list_all(const ImageFS *fs, const char *path, size_t max, char ***ret) {
        _cleanup_strv_free_ char **all = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        assert(fs);
        assert(path);
        assert(ret);

        if (fs->n_layers > 0)
                return stack_list(fs, path, max, /* all= */ true, ret);
        if (fs->tree)
                return tree_list_dir(fs->tree, path, /* hidden= */ true, max, ret);
        if (fs->packed)
                return -EOPNOTSUPP;

        r = opendir_in_root(fs->fd, path, &d);
        if (r < 0)
                return r;
        errno = 0;
        for (size_t n = 0; (de = readdir(d)); errno = 0) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (++n > max)
                        return -E2BIG;
                r = strv_extend(&all, de->d_name);
                if (r < 0)
                        return r;
        }
        if (errno != 0)
                return -errno;
        strv_sort(all);
        *ret = TAKE_PTR(all);
        return 0;
}
