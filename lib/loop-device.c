/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "fileio.h"
#include "log.h"
#include "loop-device.h"
#include "string-util.h"

#define LOOP_MAJOR_NR 7U
#define LOOP_ATTEMPTS_MAX 64U

static void cleanup_clear_loop_close(int *fd) {
        if (*fd < 0)
                return;

        (void) ioctl(*fd, LOOP_CLR_FD);
        safe_close(*fd);
}

static bool errno_is_device_absent(int r) {
        return IN_SET(abs(r), ENODEV, ENXIO, ENOENT);
}

/* The device number of loopN as the kernel knows it (its minor depends on max_part), from sysfs.
 * Falls back to 7:N (max_part=0, the default) when sysfs has nothing. */
static int loop_devnum(int nr, dev_t *ret) {
        _cleanup_close_ int fd = -EBADF;
        char path[64], buf[32];
        unsigned ma, mi;
        ssize_t n;

        (void) snprintf(path, sizeof(path), "/sys/class/block/loop%i/dev", nr);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno != ENOENT)
                        return -errno;
                *ret = makedev(LOOP_MAJOR_NR, (unsigned) nr);
                return 0;
        }

        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;

        if (sscanf(buf, "%u:%u", &ma, &mi) != 2)
                return -EBADMSG;

        *ret = makedev(ma, mi);
        return 0;
}

/* Opens /dev/loopN read-only. Where the node does not exist (no udev, /dev a plain tmpfs in a
 * container) it is created, and the caller is told so that it can remove it again. */
static int loop_node_open(int nr, char **ret_node, dev_t *ret_devnum, bool *ret_created) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *node = NULL;
        bool created = false;
        struct stat st;
        dev_t devnum;
        int r;

        if (asprintf(&node, "/dev/loop%i", nr) < 0)
                return -ENOMEM;

        r = loop_devnum(nr, &devnum);
        if (r < 0)
                return log_debug_errno(r, "Failed to read device number of loop%i: %m", nr);

        fd = open(node, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0 && errno == ENOENT) {
                if (mknod(node, S_IFBLK | 0600, devnum) < 0) {
                        if (errno != EEXIST)
                                return log_debug_errno(errno, "Failed to create device node %s: %m", node);
                } else {
                        created = true;
                        log_debug("Created missing device node %s (%u:%u).", node, major(devnum), minor(devnum));
                }

                fd = open(node, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        }
        if (fd < 0) {
                r = -errno;
                if (created)
                        (void) unlink(node);
                return log_debug_errno(r, "Failed to open %s: %m", node);
        }

        /* Make sure the node is what it claims to be: a block device for exactly this loop device. */
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISBLK(st.st_mode) || st.st_rdev != devnum)
                r = -ENOTBLK;
        else
                r = 0;
        if (r < 0) {
                if (created)
                        (void) unlink(node);
                return log_debug_errno(r, "%s is not the loop block device %u:%u: %m",
                                       node, major(devnum), minor(devnum));
        }

        *ret_node = TAKE_PTR(node);
        *ret_devnum = devnum;
        *ret_created = created;
        return TAKE_FD(fd);
}

static int loop_is_bound(int fd) {
        struct loop_info64 info;

        if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0) {
                if (errno == ENXIO)
                        return false;
                return -errno;
        }
        return true;
}

static int loop_verify(int fd, const struct loop_config *c) {
        struct loop_info64 info = {}; /* initialized for valgrind, which does not know these ioctls */
        uint64_t size = 0;

        /* Kernel 5.8 did not propagate the size limit with LOOP_CONFIGURE. The device size is counted
         * in whole 512 byte sectors. */
        if (c->info.lo_sizelimit != 0) {
                if (ioctl(fd, BLKGETSIZE64, &size) < 0)
                        return log_debug_errno(errno, "BLKGETSIZE64 failed: %m");
                if (size != (c->info.lo_sizelimit & ~UINT64_C(511))) {
                        log_debug("LOOP_CONFIGURE did not apply the size limit (%llu != %llu).",
                                  (unsigned long long) size, (unsigned long long) c->info.lo_sizelimit);
                        return false;
                }
        }

        if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0)
                return log_debug_errno(errno, "LOOP_GET_STATUS64 failed: %m");
        if (!(info.lo_flags & LO_FLAGS_READ_ONLY))
                return log_debug_errno(EROFS, "Loop device is not read-only, refusing.");
        if ((c->info.lo_flags & LO_FLAGS_DIRECT_IO) && !(info.lo_flags & LO_FLAGS_DIRECT_IO))
                /* The kernel turns direct IO off by itself where the backing file system or the offset
                 * does not allow it; reading through the page cache is fine too. */
                log_debug("Direct IO not in effect for the loop device, using buffered IO.");

        return true;
}

static int loop_configure_fallback(int fd, const struct loop_config *c) {
        struct loop_info64 info = c->info;

        if (ioctl(fd, LOOP_SET_FD, c->fd) < 0)
                return log_debug_errno(errno, "LOOP_SET_FD failed: %m");

        /* From here on the caller's cleanup detaches again on failure. The read-only flag follows from
         * the read-only backing fd and loop fd; it cannot be set with LOOP_SET_STATUS64. */
        info.lo_flags &= LOOP_SET_STATUS_SETTABLE_FLAGS;

        /* LOOP_SET_STATUS64 gives EAGAIN while someone else (udev) has the device open and we change
         * the offset. We hold the BSD lock, so this is rare: wait a bit and retry. */
        for (unsigned n_attempts = 0;; n_attempts++) {
                if (ioctl(fd, LOOP_SET_STATUS64, &info) >= 0)
                        break;
                if (errno != EAGAIN || n_attempts >= LOOP_ATTEMPTS_MAX)
                        return log_debug_errno(errno, "LOOP_SET_STATUS64 failed: %m");
                (void) usleep(10 * 1000);
        }

        if (c->info.lo_flags & LO_FLAGS_DIRECT_IO)
                if (ioctl(fd, LOOP_SET_DIRECT_IO, 1UL) < 0)
                        log_debug_errno(errno, "Failed to enable direct IO, ignoring: %m");

        return 0;
}

/* Attaches the backing file to the loop device open at fd, under the BSD lock. Returns the fd
 * (taken over) now bound to the backing file, or a negative errno with nothing attached. */
static int loop_attach(int *fd, const char *node, const struct loop_config *c, bool *configure_broken) {
        _cleanup_(cleanup_clear_loop_close) int attached_fd = -EBADF; /* declared before lock_fd */
        _cleanup_close_ int lock_fd = -EBADF;
        int r;

        /* Take the BSD lock on a second fd, as systemd does: udev does not probe a locked device, and
         * it takes our close() of the lock fd as the moment to look at it. */
        lock_fd = open(node, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (lock_fd < 0)
                return log_debug_errno(errno, "Failed to open %s: %m", node);
        if (flock(lock_fd, LOCK_EX) < 0)
                return log_debug_errno(errno, "Failed to lock %s: %m", node);

        r = loop_is_bound(*fd);
        if (r < 0)
                return log_debug_errno(r, "LOOP_GET_STATUS64 on %s failed: %m", node);
        if (r > 0)
                return log_debug_errno(EBUSY, "%s is already bound, trying another one.", node);

        if (!*configure_broken) {
                if (ioctl(*fd, LOOP_CONFIGURE, c) >= 0) {
                        attached_fd = TAKE_FD(*fd);

                        r = loop_verify(attached_fd, c);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                return TAKE_FD(attached_fd);

                        /* LOOP_CONFIGURE is broken here. LOOP_CLR_FD is asynchronous when the device is
                         * busy: do not reuse this device, let the caller take a new one. */
                        *configure_broken = true;
                        return -EBUSY;
                }
                if (!IN_SET(errno, ENOTTY, EINVAL, EOPNOTSUPP))
                        return log_debug_errno(errno, "LOOP_CONFIGURE on %s failed: %m", node);

                log_debug_errno(errno, "LOOP_CONFIGURE not supported, using LOOP_SET_FD: %m");
                *configure_broken = true;
        }

        if (ioctl(*fd, LOOP_SET_FD, c->fd) < 0)
                return log_debug_errno(errno, "LOOP_SET_FD on %s failed: %m", node); /* EBUSY: lost a race */
        attached_fd = TAKE_FD(*fd);

        r = loop_configure_fallback(attached_fd, c);
        if (r < 0)
                return r;

        r = loop_verify(attached_fd, c);
        if (r < 0)
                return r;
        if (r == 0)
                return log_debug_errno(EIO, "Loop device %s does not have the requested size.", node);

        return TAKE_FD(attached_fd);
}

/* One attempt on loopN. -EBUSY, -EAGAIN and "device absent" errors mean: try another device. */
static int loop_configure(int nr, const struct loop_config *c, bool *configure_broken, LoopDevice **ret) {
        _cleanup_free_ LoopDevice *d = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *node = NULL;
        bool created = false;
        dev_t devnum = 0;
        int r;

        d = malloc(sizeof(LoopDevice));
        if (!d)
                return -ENOMEM;

        fd = loop_node_open(nr, &node, &devnum, &created);
        if (fd < 0)
                return fd;

        r = loop_attach(&fd, node, c, configure_broken);
        if (r < 0) {
                if (created)
                        (void) unlink(node);
                return r;
        }

        *d = (LoopDevice) {
                .fd = r,
                .nr = nr,
                .node = TAKE_PTR(node),
                .devnum = devnum,
                .node_created = created,
        };
        *ret = TAKE_PTR(d);
        return 0;
}

static bool direct_io_wanted(void) {
        const char *e = getenv("SYSTEMD_LOOP_DIRECT_IO");

        /* Like systemd: direct IO on unless $SYSTEMD_LOOP_DIRECT_IO says otherwise. */
        return !e || parse_boolean(e) != 0;
}

static void sleep_before_retry(unsigned n_attempts) {
        struct timespec ts;
        uint64_t usec;

        /* 10ms plus up to 240ms scaled by the number of failed attempts, some jitter from the clock so
         * that two racing processes do not keep colliding. */
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        usec = 10000 + ((uint64_t) ts.tv_nsec / 1000) % (1 + 240000ULL * n_attempts / LOOP_ATTEMPTS_MAX);
        (void) usleep((useconds_t) usec);
}

int loop_device_make(int fd, const char *name, uint64_t offset, uint64_t size, LoopDevice **ret) {
        _cleanup_close_ int backing_fd = -EBADF, control = -EBADF;
        bool configure_broken = false;
        struct loop_config config;
        struct stat st;
        uint32_t flags;
        int r;

        if (fd < 0 || !ret)
                return -EINVAL;

        if (fstat(fd, &st) < 0)
                return log_debug_errno(errno, "Failed to stat backing file: %m");
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return log_debug_errno(EBADFD, "Backing file is neither a regular file nor a block device.");

        flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;

        /* Our own read-only fd, with O_DIRECT where the file system supports it. */
        if (direct_io_wanted()) {
                backing_fd = fd_reopen(fd, O_RDONLY | O_NONBLOCK | O_DIRECT);
                if (backing_fd >= 0)
                        flags |= LO_FLAGS_DIRECT_IO;
                else
                        log_debug_errno(backing_fd, "Cannot reopen backing file with O_DIRECT, using buffered IO: %m");
        }
        if (backing_fd < 0) {
                backing_fd = fd_reopen(fd, O_RDONLY | O_NONBLOCK);
                if (backing_fd < 0)
                        return log_debug_errno(backing_fd, "Failed to reopen backing file read-only: %m");
        }

        /* The file might have been swapped under the path in /proc: check it is still the same one. */
        struct stat st2;
        if (fstat(backing_fd, &st2) < 0)
                return -errno;
        if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
                return log_debug_errno(ESTALE, "Backing file changed while reopening it.");

        config = (struct loop_config) {
                .fd = (uint32_t) backing_fd,
                .block_size = 0, /* kernel default: 512 */
                .info = {
                        .lo_offset = offset,
                        .lo_sizelimit = size,
                        .lo_flags = flags,
                },
        };
        if (name)
                strncpy((char *) config.info.lo_file_name, name, LO_NAME_SIZE - 1);

        control = open("/dev/loop-control", O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (control < 0)
                return log_debug_errno(errno, "Failed to open /dev/loop-control: %m");

        for (unsigned n_attempts = 0;;) {
                int nr;

                /* Serialize with other users of the same protocol (systemd, ourselves), so that racing
                 * allocations do not keep colliding. Lock order: control first, device second. */
                if (flock(control, LOCK_EX) < 0)
                        return log_debug_errno(errno, "Failed to lock /dev/loop-control: %m");

                nr = ioctl(control, LOOP_CTL_GET_FREE);
                if (nr < 0)
                        return log_debug_errno(errno, "LOOP_CTL_GET_FREE failed: %m");

                r = loop_configure(nr, &config, &configure_broken, ret);
                if (r >= 0)
                        break;
                if (!errno_is_device_absent(r) && !IN_SET(r, -EBUSY, -EAGAIN))
                        return r;

                if (flock(control, LOCK_UN) < 0)
                        return log_debug_errno(errno, "Failed to unlock /dev/loop-control: %m");

                if (++n_attempts >= LOOP_ATTEMPTS_MAX)
                        return log_debug_errno(EBUSY, "No free loop device after %u attempts.", n_attempts);

                sleep_before_retry(n_attempts);
        }

        log_debug("Attached %s read-only to %s, offset %llu, size %llu%s.",
                  (*ret)->node, strna(name), (unsigned long long) offset, (unsigned long long) size,
                  (flags & LO_FLAGS_DIRECT_IO) ? ", direct IO requested" : "");
        return 0;
}

LoopDevice *loop_device_free(LoopDevice *d) {
        struct stat st;

        if (!d)
                return NULL;

        if (d->fd >= 0) {
                /* Detaches right away when nothing else holds the device, else the kernel detaches it
                 * when the last user goes (autoclear). */
                if (ioctl(d->fd, LOOP_CLR_FD) < 0 && errno != ENXIO)
                        log_debug_errno(errno, "LOOP_CLR_FD on %s failed, relying on autoclear: %m", d->node);
                safe_close(d->fd);
        }

        if (d->node_created && lstat(d->node, &st) >= 0 && S_ISBLK(st.st_mode) && st.st_rdev == d->devnum)
                (void) unlink(d->node);

        free(d->node);
        free(d);
        return NULL;
}
