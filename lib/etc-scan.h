/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image-fs.h"

/* The files below an image's /etc that "other" cannot read, owned by a package's user or group.
 *
 * Debian packages ship configuration only their own user may read (/etc/redis 2770 redis:redis,
 * /etc/redis/redis.conf 0640 redis:redis, owned by the image's uid and gid of "redis"). A service
 * with DynamicUser=yes runs as another uid, and the image is read-only: it cannot read them. The
 * generator gives such a service readable copies of the top-level /etc/X trees holding them
 * (etc-copy.h). This file finds those trees, where the real file system is: the image's root
 * directory, or, when the extraction cache packs a raw image, its mount. What it finds is a
 * listing, one line per entry, which the cache stores in the packed tree (ETC_SCAN_PACKED_PATH)
 * with the files' contents at their own paths; the planner reads both through ImageFS, the same
 * way for a cached and a live image.
 *
 * A listing line: "TYPE MODE UID GID PATH[ TARGET]", TYPE 'd', 'f' or 'l', MODE octal, PATH
 * absolute ("/etc/redis/redis.conf"), TARGET a symlink's; each tree's root first, parents before
 * children. Or "! PATH large UID:GID..." for a tree over the limits (with the owners of its hidden
 * entries), or "! /etc overflow" when /etc has too many entries to look at.
 *
 * Only what is safe to copy and to name in a unit file is listed: regular files, directories and
 * symlinks (no device nodes, FIFOs, sockets), every name of [A-Za-z0-9._+,=@~-] only, at most
 * ETC_SCAN_DEPTH_MAX levels below /etc/X, symlinks only when relative and staying inside their
 * /etc/X (leading ".." only, never above the tree), and trees only while all of them together
 * hold at most ETC_COPY_ENTRIES_MAX entries and ETC_COPY_BYTES_MAX bytes. A top-level /etc/X
 * that is a symlink is not a tree. */

#define ETC_SCAN_PACKED_PATH "/.portables-etc-scan"
#define ETC_SCAN_DEPTH_MAX 8U
#define ETC_SCAN_ENTRIES_MAX 16384U
#define ETC_COPY_ENTRIES_MAX 256U
#define ETC_COPY_BYTES_MAX (1024U * 1024U)
#define ETC_SCAN_OWNERS_MAX 16U

typedef struct EtcEntry {
        char *path;             /* "/etc/redis/redis.conf" */
        char type;              /* 'd', 'f', 'l' */
        uint32_t mode, uid, gid;
        size_t parent;          /* index in the tree's entries, SIZE_MAX for the tree's root */
        bool hidden;            /* "other" cannot read it (or a directory on the way) */
        char *target;           /* 'l' */
        char *content;          /* 'f', by image_etc_read() */
        size_t size;
} EtcEntry;

typedef struct EtcOwner {
        uint32_t uid, gid;
} EtcOwner;

typedef struct EtcTree {
        char *path;             /* "/etc/redis" */
        bool large;             /* over the limits: not listed, not copied */
        char *unreadable;       /* a file of it that cannot be read from the image, or NULL */
        EtcOwner *owners;       /* of its hidden entries, not root:root; no duplicates */
        size_t n_owners;
        EtcEntry *entries;
        size_t n_entries;
        size_t size;            /* its files' contents together */
} EtcTree;

typedef struct ImageEtc {
        EtcTree *trees;
        size_t n_trees;
        bool overflow;          /* /etc has more than ETC_SCAN_ENTRIES_MAX entries: not looked at */
} ImageEtc;

void image_etc_done(ImageEtc *e);

/* Whether name is one component of what the listing holds ([A-Za-z0-9._+,=@~-], not "." or ".."). */
bool etc_name_valid(const char *name);

/* The listing of the image fs, a directory or a user-space tree (empty if it has no /etc). */
int etc_scan(const ImageFS *fs, char **ret);

/* Parses a listing (-EBADMSG if it is not one; contents are not read). */
int etc_listing_parse(const char *text, ImageEtc *ret);

/* For image_pack(): the listing of the image fs (as etc_scan()), and the contents of its files,
 * into b. */
int etc_scan_pack(const ImageFS *fs, PackedBuilder *b);

/* The listing of the image (a directory: scanned; packed: what etc_scan_pack() stored), with the
 * contents of its files read through fs. A file that cannot be read marks its tree unreadable. */
int image_etc_read(const ImageFS *fs, ImageEtc *ret);
