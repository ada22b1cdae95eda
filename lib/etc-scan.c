/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "etc-scan.h"
#include "fileio.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"

/* Trees in a listing, large ones included: more is an overflow. */
#define ETC_SCAN_TREES_MAX 512U
#define ETC_LISTING_SIZE_MAX (4U * 1024U * 1024U)

void image_etc_done(ImageEtc *e) {
        for (size_t k = 0; k < e->n_trees; k++) {
                EtcTree *t = e->trees + k;

                free(t->path);
                free(t->unreadable);
                free(t->owners);
                for (size_t j = 0; j < t->n_entries; j++) {
                        free(t->entries[j].path);
                        free(t->entries[j].target);
                        free(t->entries[j].content);
                }
                free(t->entries);
        }
        free(e->trees);
        *e = (ImageEtc) {};
}

static bool name_valid_n(const char *s, size_t n) {
        if (n == 0 || n > NAME_MAX || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
                return false;
        for (size_t k = 0; k < n; k++)
                if (!ascii_isdigit(s[k]) && !ascii_isalpha(s[k]) && !strchr("._+,=@~-", s[k]))
                        return false;
        return true;
}

bool etc_name_valid(const char *name) {
        return name_valid_n(name, strlen(name));
}

/* A symlink whose directory is depth levels below its tree's root: relative, ".." only leading and
 * never above the tree, valid names otherwise. Followed in the copy it stays inside the copy. */
static bool link_target_valid(const char *target, unsigned depth) {
        unsigned up = 0;
        bool leading = true;

        if (isempty(target) || target[0] == '/' || strlen(target) >= PATH_MAX)
                return false;
        for (const char *p = target;;) {
                const char *e = strchrnul(p, '/');
                size_t n = e - p;

                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        if (!leading || ++up > depth)
                                return false;
                } else if (name_valid_n(p, n))
                        leading = false;
                else
                        return false;
                if (!*e)
                        return true;
                p = e + 1;
        }
}

/* Components of path below /etc: 1 for /etc/X. 0 if path is not "/etc/" and valid names. */
static unsigned etc_path_depth(const char *path) {
        const char *p = startswith(path, "/etc/");
        unsigned n = 0;

        if (!p)
                return 0;
        for (;;) {
                const char *e = strchrnul(p, '/');

                if (!name_valid_n(p, e - p))
                        return 0;
                n++;
                if (!*e)
                        return n;
                p = e + 1;
        }
}

static int owners_add(EtcOwner **owners, size_t *n, size_t max, uint32_t uid, uint32_t gid) {
        EtcOwner *o;

        if (uid == 0 && gid == 0)
                return 0;
        for (size_t k = 0; k < *n; k++)
                if ((*owners)[k].uid == uid && (*owners)[k].gid == gid)
                        return 0;
        if (*n >= max)
                return 0;
        o = reallocarray(*owners, *n + 1, sizeof(EtcOwner));
        if (!o)
                return -ENOMEM;
        *owners = o;
        o[(*n)++] = (EtcOwner) { uid, gid };
        return 0;
}

/* ---- scanning the real file system ------------------------------------------------------------ */

typedef struct Scan {
        const ImageFS *fs;
        unsigned walked;        /* entries looked at below /etc */
        bool overflow;
} Scan;

typedef struct TreeScan {
        char *lines;
        size_t n_entries;
        uint64_t size;
        EtcOwner *owners;
        size_t n_owners;
} TreeScan;

static void tree_scan_done(TreeScan *t) {
        free(t->lines);
        free(t->owners);
        *t = (TreeScan) {};
}

/* The names in directory path of the image, sorted, at most as many as the walk may still look at
 * (*overflow beyond). */
static int scan_list(Scan *s, const char *path, char ***ret) {
        _cleanup_strv_free_ char **all = NULL, **l = NULL;
        int r;

        r = image_fs_list_all(s->fs, path, ETC_SCAN_ENTRIES_MAX - MIN(s->walked, ETC_SCAN_ENTRIES_MAX), &all);
        if (r == -ENOMEM)
                return r;
        if (r == -E2BIG)
                s->overflow = true;
        if (r < 0) {
                *ret = NULL;
                return 0;
        }
        STRV_FOREACH(a, all) {
                if (!etc_name_valid(*a))
                        continue;
                r = strv_extend(&l, *a);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* path and what is below it, depth levels below its tree's root, into t. */
static int scan_entry(Scan *s, TreeScan *t, const char *path, unsigned depth, bool parent_hidden) {
        _cleanup_free_ char *target = NULL;
        _cleanup_strv_free_ char **names = NULL;
        TreeNode st;
        bool hidden;
        char type;
        int r;

        if (++s->walked > ETC_SCAN_ENTRIES_MAX) {
                s->overflow = true;
                return 0;
        }

        r = image_fs_lstat(s->fs, path, &st);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;

        if (st.type == TREE_NODE_SYMLINK) {
                if (depth == 0)
                        return 0;       /* /etc/X itself: not a tree */
                r = image_fs_readlink(s->fs, path, &target);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || isempty(target))
                        return 0;
                if (!link_target_valid(target, depth - 1))
                        return 0;
                type = 'l';
                hidden = parent_hidden;
        } else if (st.type == TREE_NODE_FILE) {
                type = 'f';
                hidden = parent_hidden || !(st.mode & S_IROTH);
                t->size += st.size;
        } else if (st.type == TREE_NODE_DIR) {
                type = 'd';
                hidden = parent_hidden || !(st.mode & S_IXOTH);
        } else
                return 0;       /* device nodes, FIFOs, sockets: never */

        if (hidden && type != 'l') {
                r = owners_add(&t->owners, &t->n_owners, ETC_SCAN_OWNERS_MAX, st.uid, st.gid);
                if (r < 0)
                        return r;
        }
        /* Past the limit the tree is only counted: it is too large to be listed. */
        if (++t->n_entries <= ETC_COPY_ENTRIES_MAX) {
                r = strextendf(&t->lines, "%c %04o %u %u %s%s%s\n", type, (unsigned) (st.mode & 07777),
                               (unsigned) st.uid, (unsigned) st.gid, path, target ? " " : "", strempty(target));
                if (r < 0)
                        return r;
        }

        if (type != 'd' || depth >= ETC_SCAN_DEPTH_MAX)
                return 0;
        r = scan_list(s, path, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_free_ char *sub = strjoin(path, "/", *n);

                if (!sub)
                        return -ENOMEM;
                if (s->overflow)
                        return 0;
                r = scan_entry(s, t, sub, depth + 1, hidden);
                if (r < 0)
                        return r;
        }
        return 0;
}

int etc_scan(const ImageFS *fs, char **ret) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *out = strdup("");
        Scan s = { .fs = fs };
        size_t n_entries = 0, n_trees = 0;
        uint64_t size = 0;
        int r;

        assert(fs);
        assert(!fs->packed);
        assert(ret);

        if (!out)
                return -ENOMEM;
        r = scan_list(&s, "/etc", &names);
        if (r < 0)
                return r;

        STRV_FOREACH(n, names) {
                _cleanup_(tree_scan_done) TreeScan t = {};
                _cleanup_free_ char *path = strjoin("/etc/", *n);

                if (!path)
                        return -ENOMEM;
                if (!s.overflow) {
                        r = scan_entry(&s, &t, path, 0, false);
                        if (r < 0)
                                return r;
                }
                if (s.overflow) {
                        free(out);
                        out = strdup("! /etc overflow\n");
                        if (!out)
                                return -ENOMEM;
                        break;
                }
                if (t.n_owners == 0)
                        continue;       /* everyone may read all of it, or only root may */

                if (++n_trees > ETC_SCAN_TREES_MAX) {
                        s.overflow = true;
                        free(out);
                        out = strdup("! /etc overflow\n");
                        if (!out)
                                return -ENOMEM;
                        break;
                }
                if (n_entries + t.n_entries <= ETC_COPY_ENTRIES_MAX && size + t.size <= ETC_COPY_BYTES_MAX) {
                        n_entries += t.n_entries;
                        size += t.size;
                        if (!strextend(&out, t.lines))
                                return -ENOMEM;
                        continue;
                }

                if (!strextend(&out, "! ", path, " large"))
                        return -ENOMEM;
                for (size_t k = 0; k < t.n_owners; k++)
                        if (strextendf(&out, " %u:%u", t.owners[k].uid, t.owners[k].gid) < 0)
                                return -ENOMEM;
                if (!strextend(&out, "\n"))
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(out);
        return 0;
}

/* ---- the listing ------------------------------------------------------------------------------- */

static int parse_u32(const char *s, size_t n, unsigned base, uint32_t max, uint32_t *ret) {
        uint64_t v = 0;

        if (n == 0 || n > 11)
                return -EBADMSG;
        for (size_t k = 0; k < n; k++) {
                unsigned d = (unsigned) (s[k] - '0');

                if (!ascii_isdigit(s[k]) || d >= base)
                        return -EBADMSG;
                v = v * base + d;
        }
        if (v > max)
                return -EBADMSG;
        *ret = (uint32_t) v;
        return 0;
}

/* Takes one space-terminated field off *p (or the rest, if last). */
static const char *field(const char **p, size_t *ret_n, bool last) {
        const char *s = *p, *e;

        if (!s)
                return NULL;
        e = last ? s + strlen(s) : strchr(s, ' ');
        if (!e)
                return NULL;
        *ret_n = e - s;
        *p = *e ? e + 1 : NULL;
        return s;
}

static EtcTree *tree_new(ImageEtc *e, const char *path) {
        EtcTree *t;

        for (size_t k = 0; k < e->n_trees; k++)
                if (streq(e->trees[k].path, path))
                        return NULL;    /* twice */
        if (e->n_trees >= ETC_SCAN_TREES_MAX)
                return NULL;
        t = reallocarray(e->trees, e->n_trees + 1, sizeof(EtcTree));
        if (!t)
                return NULL;
        e->trees = t;
        t = e->trees + e->n_trees;
        *t = (EtcTree) { .path = strdup(path) };
        if (!t->path)
                return NULL;
        e->n_trees++;
        return t;
}

static int parse_large(ImageEtc *e, const char *line) {
        const char *p = line, *s;
        _cleanup_free_ char *path = NULL;
        EtcTree *t;
        size_t n;

        if (streq(line, "/etc overflow")) {
                e->overflow = true;
                return 0;
        }
        s = field(&p, &n, false);
        if (!s)
                return -EBADMSG;
        path = strndup(s, n);
        if (!path)
                return -ENOMEM;
        if (etc_path_depth(path) != 1)
                return -EBADMSG;
        s = field(&p, &n, !p || !strchr(p, ' '));
        if (!s || n != 5 || !strneq(s, "large", 5))
                return -EBADMSG;
        t = tree_new(e, path);
        if (!t)
                return -EBADMSG;
        t->large = true;
        while (p) {
                uint32_t uid, gid;
                const char *colon;

                s = field(&p, &n, !strchr(p, ' '));
                if (!s)
                        return -EBADMSG;
                colon = memchr(s, ':', n);
                if (!colon || parse_u32(s, colon - s, 10, UINT32_MAX - 1, &uid) < 0 ||
                    parse_u32(colon + 1, s + n - colon - 1, 10, UINT32_MAX - 1, &gid) < 0 ||
                    t->n_owners >= ETC_SCAN_OWNERS_MAX)
                        return -EBADMSG;
                if (owners_add(&t->owners, &t->n_owners, ETC_SCAN_OWNERS_MAX, uid, gid) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_entry(ImageEtc *e, const char *line, size_t *n_total) {
        _cleanup_free_ char *path = NULL, *target = NULL;
        const char *p = line, *s;
        uint32_t mode, uid, gid;
        size_t n, parent = SIZE_MAX;
        unsigned depth;
        EtcTree *t;
        EtcEntry *en;
        char type = line[0];
        bool hidden;

        if (!IN_SET(type, 'd', 'f', 'l') || line[1] != ' ')
                return -EBADMSG;
        p = line + 2;
        if (!(s = field(&p, &n, false)) || parse_u32(s, n, 8, 07777, &mode) < 0 ||
            !(s = field(&p, &n, false)) || parse_u32(s, n, 10, UINT32_MAX - 1, &uid) < 0 ||
            !(s = field(&p, &n, false)) || parse_u32(s, n, 10, UINT32_MAX - 1, &gid) < 0 ||
            !(s = field(&p, &n, type != 'l')))
                return -EBADMSG;
        path = strndup(s, n);
        if (!path)
                return -ENOMEM;
        depth = etc_path_depth(path);
        if (depth == 0 || depth - 1 > ETC_SCAN_DEPTH_MAX)
                return -EBADMSG;
        if (type == 'l') {
                if (!p || depth == 1)
                        return -EBADMSG;
                target = strdup(p);
                if (!target)
                        return -ENOMEM;
                if (!link_target_valid(target, depth - 2))
                        return -EBADMSG;
        } else if (p)
                return -EBADMSG;
        if (++*n_total > ETC_COPY_ENTRIES_MAX)
                return -EBADMSG;

        if (depth == 1) {
                t = tree_new(e, path);
                if (!t)
                        return -EBADMSG;
                hidden = false;
        } else {
                const char *rest, *slash = strrchr(path, '/');

                if (e->n_trees == 0)
                        return -EBADMSG;
                t = e->trees + e->n_trees - 1;
                rest = startswith(path, t->path);
                if (t->large || !rest || rest[0] != '/')
                        return -EBADMSG;
                for (size_t k = 0; k < t->n_entries; k++) {
                        if (streq(t->entries[k].path, path))
                                return -EBADMSG;
                        if (t->entries[k].type == 'd' && strlen(t->entries[k].path) == (size_t) (slash - path) &&
                            strneq(t->entries[k].path, path, slash - path))
                                parent = k;
                }
                if (parent == SIZE_MAX)
                        return -EBADMSG;
                hidden = t->entries[parent].hidden;
        }

        if (type == 'f')
                hidden = hidden || !(mode & S_IROTH);
        else if (type == 'd')
                hidden = hidden || !(mode & S_IXOTH);
        if (hidden && type != 'l' && owners_add(&t->owners, &t->n_owners, SIZE_MAX, uid, gid) < 0)
                return -ENOMEM;

        en = reallocarray(t->entries, t->n_entries + 1, sizeof(EtcEntry));
        if (!en)
                return -ENOMEM;
        t->entries = en;
        t->entries[t->n_entries++] = (EtcEntry) {
                .path = TAKE_PTR(path),
                .type = type,
                .mode = mode,
                .uid = uid,
                .gid = gid,
                .parent = parent,
                .hidden = hidden,
                .target = TAKE_PTR(target),
        };
        return 0;
}

int etc_listing_parse(const char *text, ImageEtc *ret) {
        _cleanup_(image_etc_done) ImageEtc e = {};
        _cleanup_free_ char *copy = NULL;
        size_t n_total = 0;
        int r;

        assert(text);
        assert(ret);

        if (strlen(text) > ETC_LISTING_SIZE_MAX)
                return -EBADMSG;
        copy = strdup(text);
        if (!copy)
                return -ENOMEM;

        for (char *line = copy, *nl; *line; line = nl + 1) {
                nl = strchr(line, '\n');
                if (!nl)
                        return -EBADMSG;
                *nl = 0;
                if (startswith(line, "! "))
                        r = parse_large(&e, line + 2);
                else
                        r = parse_entry(&e, line, &n_total);
                if (r < 0)
                        return r;
        }

        /* A tree of which no hidden entry has an owner but root:root is no tree of a listing. */
        for (size_t k = 0; k < e.n_trees; k++)
                if (e.trees[k].n_owners == 0)
                        return -EBADMSG;

        *ret = TAKE_STRUCT(e);
        return 0;
}

/* ---- reading, from a directory or a packed tree ------------------------------------------------ */

int etc_scan_pack(const ImageFS *fs, PackedBuilder *b) {
        _cleanup_(image_etc_done) ImageEtc e = {};
        _cleanup_free_ char *text = NULL;
        int r;

        assert(fs);
        assert(b);

        r = etc_scan(fs, &text);
        if (r < 0)
                return r;
        r = packed_builder_add(b, 'f', ETC_SCAN_PACKED_PATH, text);
        if (r < 0)
                return r;
        r = etc_listing_parse(text, &e);
        if (r < 0)
                return r;

        /* What cannot be read is left out: the planner finds it missing and says so, as it does
         * when it reads the image itself. */
        for (size_t k = 0; k < e.n_trees; k++)
                for (size_t j = 0; j < e.trees[k].n_entries; j++) {
                        const EtcEntry *en = e.trees[k].entries + j;
                        _cleanup_free_ char *content = NULL;

                        if (en->type != 'f')
                                continue;
                        r = image_fs_read_file(fs, en->path, ETC_COPY_BYTES_MAX, &content);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                continue;
                        r = packed_builder_add(b, 'f', en->path, content);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int image_etc_read(const ImageFS *fs, ImageEtc *ret) {
        _cleanup_(image_etc_done) ImageEtc e = {};
        _cleanup_free_ char *text = NULL;
        int r;

        assert(fs);
        assert(ret);

        if (fs->packed) {
                r = image_fs_read_file(fs, ETC_SCAN_PACKED_PATH, ETC_LISTING_SIZE_MAX, &text);
                if (r == -ENOENT) {
                        *ret = (ImageEtc) {};
                        return 0;
                }
        } else
                r = etc_scan(fs, &text);
        if (r < 0)
                return r;

        r = etc_listing_parse(text, &e);
        if (r < 0)
                return r;

        for (size_t k = 0; k < e.n_trees; k++) {
                EtcTree *t = e.trees + k;

                for (size_t j = 0; j < t->n_entries && !t->unreadable; j++) {
                        EtcEntry *en = t->entries + j;

                        if (en->type != 'f')
                                continue;
                        r = image_fs_read_file(fs, en->path, ETC_COPY_BYTES_MAX, &en->content);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                t->unreadable = strdup(en->path);
                                if (!t->unreadable)
                                        return -ENOMEM;
                                break;
                        }
                        en->size = strlen(en->content);
                        t->size += en->size;
                }
                if (t->size > ETC_COPY_BYTES_MAX)
                        t->large = true;
        }

        *ret = TAKE_STRUCT(e);
        return 0;
}
