/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Differential: the same disk to lib/gpt-table.c and to libblkid's gpt prober alone (a memfd, so
 * a regular file with 512-byte sectors; superblocks off, partitions ONLYIN "gpt", entry details),
 * abort() on any difference in whether there is a GPT and, per partition, in number, start, size,
 * type, UUID, name and flags. systemd reads images with libblkid: this is what keeps our reading
 * of an image the same as the one that systemd mounts.
 *
 * Input: the disk, then one byte of flags: bit 0 rewrites the primary header's CRCs (entries, then
 * header) to match what is there, bit 1 the backup's, before both readers see it, so that the
 * fuzzer gets past the CRCs to the checks after them (libblkid checks the CRCs with its own
 * code: a wrong crc32.c still shows). Seeds: corpus/fuzz-gpt-table, made by make-gpt-corpus. */

#define _GNU_SOURCE 1
#include <sys/mman.h>

#include "blkid-dl.h"
#include "crc32.h"
#include "fuzz.h"
#include "gpt-table.h"
#include "macro.h"
#include "unaligned.h"

static void put_le32(uint8_t *p, uint32_t v) {
        for (unsigned i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

/* Makes the CRCs of the header at lba match, as far as its fields let that be computed. */
static void fix_crcs(uint8_t *disk, size_t size, uint64_t lba) {
        uint8_t *h;
        uint32_t hsz;
        uint64_t eoff, esz;

        if (lba >= size / 512)
                return;
        h = disk + lba * 512;
        hsz = unaligned_read_le32(h + 12);
        if (hsz < 92 || hsz > 512)
                return;
        eoff = unaligned_read_le64(h + 72) * 512;
        esz = (uint64_t) unaligned_read_le32(h + 80) * unaligned_read_le32(h + 84);
        if (esz > 0 && eoff < size && esz <= size - eoff)
                put_le32(h + 88, crc32_update(0, disk + eoff, (size_t) esz));
        put_le32(h + 16, 0);
        put_le32(h + 16, crc32_update(0, h, hsz));
}

typedef struct Mem {
        const uint8_t *data;
        size_t size;
} Mem;

static int mem_read(void *userdata, void *buf, size_t size, uint64_t offset) {
        const Mem *m = userdata;

        /* gpt-table.c must check bounds itself: a read outside is a bug */
        if (offset > m->size || size > m->size - offset)
                abort();
        memcpy(buf, m->data + offset, size);
        return 0;
}

typedef struct Ours {
        GptPartition p[512];
        size_t n;
} Ours;

static int collect(void *userdata, const GptPartition *p) {
        Ours *o = userdata;

        if (o->n >= ELEMENTSOF(o->p))
                return -E2BIG;
        o->p[o->n++] = *p;
        return 0;
}

static void differ(const char *what, long long a, long long b) {
        fprintf(stderr, "gpt-table and libblkid differ: %s: %lld (ours) != %lld (libblkid)\n", what, a, b);
        abort();
}

static void differ_str(const char *what, const char *a, const char *b) {
        fprintf(stderr, "gpt-table and libblkid differ: %s: '%s' (ours) != '%s' (libblkid)\n", what, a, b);
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *disk = NULL;
        _cleanup_free_ Ours *ours = NULL;
        blkid_probe b = NULL;
        blkid_partlist pl;
        const char *gpt_only[] = { "gpt", NULL };
        GptTable t;
        size_t n;
        int found, r;
        Mem m;

        fuzz_setup();
        if (size < 2 || size > 1024 * 1024)
                return 0;
        if (dlopen_libblkid() < 0)
                abort();

        n = size - 1;
        disk = malloc(n);
        ours = calloc(1, sizeof(Ours));
        if (!disk || !ours)
                abort();
        memcpy(disk, data, n);
        if (data[n] & 1)
                fix_crcs(disk, n, 1);
        if (data[n] & 2)
                fix_crcs(disk, n, n / 512 - (n >= 512));

        m = (Mem) { .data = disk, .size = n };
        found = gpt_table_read(mem_read, &m, n, 512, &t);
        if (found == -E2BIG)
                return 0;       /* an entry array we do not read (GPT_ENTRIES_SIZE_MAX): not compared */
        if (found < 0)
                abort();
        if (found > 0) {
                r = gpt_table_foreach_partition(&t, mem_read, &m, collect, ours);
                if (r == -E2BIG)
                        return 0;       /* more than we keep: not compared */
                if (r < 0)
                        abort();
        }

        fd = memfd_create("fuzz-gpt-table", MFD_CLOEXEC);
        if (fd < 0 || write(fd, disk, n) != (ssize_t) n)
                abort();

        b = sym_blkid_new_probe();
        if (!b)
                abort();
        if (sym_blkid_probe_set_device(b, fd, 0, 0) != 0 ||
            sym_blkid_probe_enable_superblocks(b, 0) != 0 ||
            sym_blkid_probe_enable_partitions(b, 1) != 0 ||
            sym_blkid_probe_filter_partitions_type(b, BLKID_FLTR_ONLYIN, (char **) gpt_only) != 0 ||
            sym_blkid_probe_set_partitions_flags(b, BLKID_PARTS_ENTRY_DETAILS) != 0)
                abort();

        pl = sym_blkid_probe_get_partitions(b);
        if (!!pl != (found > 0))
                differ("GPT found", found > 0, !!pl);
        if (pl) {
                int np = sym_blkid_partlist_numof_partitions(pl);

                if (np < 0 || (size_t) np != ours->n)
                        differ("number of partitions", (long long) ours->n, np);
                for (int i = 0; i < np; i++) {
                        blkid_partition pp = sym_blkid_partlist_get_partition(pl, i);
                        const GptPartition *o = ours->p + i;
                        const char *s;

                        if (!pp)
                                abort();
                        if (sym_blkid_partition_get_partno(pp) != o->partno)
                                differ("partno", o->partno, sym_blkid_partition_get_partno(pp));
                        if ((uint64_t) sym_blkid_partition_get_start(pp) != o->start)
                                differ("start", (long long) o->start, (long long) sym_blkid_partition_get_start(pp));
                        if ((uint64_t) sym_blkid_partition_get_size(pp) != o->size)
                                differ("size", (long long) o->size, (long long) sym_blkid_partition_get_size(pp));
                        if (sym_blkid_partition_get_flags(pp) != o->flags)
                                differ("flags", (long long) o->flags, (long long) sym_blkid_partition_get_flags(pp));
                        s = sym_blkid_partition_get_type_string(pp);
                        if (!s || strcmp(s, o->type_string) != 0)
                                differ_str("type", o->type_string, strna(s));
                        s = sym_blkid_partition_get_uuid(pp);
                        if (!s || strcmp(s, o->uuid_string) != 0)
                                differ_str("uuid", o->uuid_string, strna(s));
                        s = sym_blkid_partition_get_name(pp);
                        if (strcmp(strempty(s), o->label) != 0 || (s && !*s))
                                differ_str("name", o->label, strna(s));
                }
        }

        sym_blkid_free_probe(b);
        return 0;
}
