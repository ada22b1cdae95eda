/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The GPT reader on disks built here byte by byte: which header is taken, which entries count, how
 * names are decoded. (That it agrees with libblkid on everything: test/fuzz/fuzz-gpt-table.c, whose
 * seed corpus holds sfdisk-made tables.) */

#include <errno.h>

#include "crc32.h"
#include "gpt-table.h"
#include "tests.h"
#include "unaligned.h"

#define SECTORS 128U
#define ENTRIES 8U

static uint8_t disk[SECTORS * 512];

static void put_le32(uint8_t *p, uint32_t v) {
        for (unsigned i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v) {
        for (unsigned i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static void header_crc(uint8_t *h) {
        put_le32(h + 16, 0);
        put_le32(h + 16, crc32_update(0, h, 92));
}

/* Header at lba, its entries at entries_lba. */
static void put_header(uint64_t lba, uint64_t alt, uint64_t entries_lba) {
        uint8_t *h = disk + lba * 512;

        memset(h, 0, 512);
        memcpy(h, "EFI PART", 8);
        put_le32(h + 8, 0x00010000);
        put_le32(h + 12, 92);
        put_le64(h + 24, lba);
        put_le64(h + 32, alt);
        put_le64(h + 40, 34);                   /* first usable */
        put_le64(h + 48, SECTORS - 34);         /* last usable */
        for (unsigned i = 0; i < 16; i++)
                h[56 + i] = (uint8_t) (0xA0 + i);
        put_le64(h + 72, entries_lba);
        put_le32(h + 80, ENTRIES);
        put_le32(h + 84, 128);
        put_le32(h + 88, crc32_update(0, disk + entries_lba * 512, ENTRIES * 128));
        header_crc(h);
}

static uint8_t *entry(uint64_t entries_lba, unsigned i) {
        return disk + entries_lba * 512 + i * 128;
}

static void put_entry(unsigned i, uint8_t type_byte, uint64_t start, uint64_t end, uint64_t attrs, const char *name) {
        for (uint64_t lba = 2; lba != 0; lba = lba == 2 ? SECTORS - 33 : 0) {
                uint8_t *e = entry(lba, i);

                memset(e, 0, 128);
                if (type_byte) {
                        /* type GUID 0x33221100-5544-7766-8899-aabbccddeeff + type_byte in the last */
                        for (unsigned k = 0; k < 16; k++)
                                e[k] = (uint8_t) (k * 0x11);
                        e[15] = type_byte;
                }
                for (unsigned k = 0; k < 16; k++)
                        e[16 + k] = (uint8_t) (i + k);
                put_le64(e + 32, start);
                put_le64(e + 40, end);
                put_le64(e + 48, attrs);
                for (unsigned k = 0; name && name[k] && k < 36; k++)
                        e[56 + 2 * k] = (uint8_t) name[k];
        }
}

static void make_disk(void) {
        memset(disk, 0, sizeof(disk));
        /* protective MBR: one partition of type 0xEE */
        disk[446 + 4] = 0xEE;
        disk[510] = 0x55;
        disk[511] = 0xAA;

        put_entry(0, 0x01, 34, 40, 0, "root-x86-64");
        put_entry(1, 0, 41, 50, 0, NULL);                       /* unused: number 2 skipped */
        put_entry(2, 0x03, 41, 50, UINT64_C(1) << 63, "data  \t");
        put_entry(3, 0x04, 20, 50, 0, "before first usable");  /* ignored, number 4 skipped */
        put_entry(4, 0x05, 51, SECTORS - 33, 0, "past last usable");
        put_entry(5, 0x06, 60, 59, 0, "empty");                 /* end = start - 1: size 0, as libblkid */

        put_header(1, SECTORS - 1, 2);
        put_header(SECTORS - 1, 1, SECTORS - 33);
}

static int disk_read(void *userdata, void *buf, size_t size, uint64_t offset) {
        size_t *n_reads = userdata;

        if (offset > sizeof(disk) || size > sizeof(disk) - offset)
                return -EIO;
        memcpy(buf, disk + offset, size);
        if (n_reads)
                (*n_reads)++;
        return 0;
}

typedef struct Seen {
        GptPartition p[ENTRIES];
        unsigned n;
} Seen;

static int collect(void *userdata, const GptPartition *p) {
        Seen *s = userdata;

        if (s->n < ENTRIES)
                s->p[s->n++] = *p;
        return 0;
}

TEST(primary) {
        GptTable t;
        Seen s = {};

        make_disk();
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 1);
        CHECK_INT(t.header_lba, 1);
        CHECK_INT(t.n_entries, ENTRIES);
        CHECK_INT(t.entries_offset, 1024);
        CHECK_INT(t.disk_guid[0], 0xA3);        /* the first field is little endian */
        CHECK_INT(gpt_table_foreach_partition(&t, disk_read, NULL, collect, &s), 0);
        CHECK_INT(s.n, 3);

        CHECK_INT(s.p[0].partno, 1);
        CHECK_STR(s.p[0].type_string, "33221100-5544-7766-8899-aabbccddee01");
        CHECK_STR(s.p[0].uuid_string, "03020100-0504-0706-0809-0a0b0c0d0e0f");
        CHECK_INT(s.p[0].type[0], 0x33);
        CHECK_INT(s.p[0].start, 34);
        CHECK_INT(s.p[0].size, 7);
        CHECK_STR(s.p[0].label, "root-x86-64");

        CHECK_INT(s.p[1].partno, 3);
        CHECK_STR(s.p[1].label, "data");        /* trailing whitespace trimmed */
        CHECK(s.p[1].flags == UINT64_C(1) << 63);

        CHECK_INT(s.p[2].partno, 6);
        CHECK_INT(s.p[2].size, 0);
}

TEST(backup) {
        GptTable t;
        Seen s = {};

        /* primary header corrupted (CRC): the backup at the last LBA, with its own entry array */
        make_disk();
        disk[512 + 40] ^= 1;
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 1);
        CHECK_INT(t.header_lba, SECTORS - 1);
        CHECK_INT(t.entries_offset, (SECTORS - 33) * 512);
        CHECK_INT(gpt_table_foreach_partition(&t, disk_read, NULL, collect, &s), 0);
        CHECK_INT(s.n, 3);

        /* primary entries corrupted: the backup too */
        make_disk();
        entry(2, 0)[100] ^= 1;
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 1);
        CHECK_INT(t.header_lba, SECTORS - 1);

        /* both corrupted: no GPT */
        entry(SECTORS - 33, 7)[0] = 1;
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 0);

        /* a valid primary is taken even if the backup is broken */
        make_disk();
        disk[(SECTORS - 1) * 512] = 0;
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 1);
        CHECK_INT(t.header_lba, 1);
}

TEST(invalid) {
        GptTable t;

        /* no protective MBR: nothing, even with valid headers */
        make_disk();
        disk[446 + 4] = 0x83;
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 0);
        make_disk();
        disk[511] = 0;
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 0);
        /* PMBR in the fourth slot (a hybrid MBR) is fine */
        make_disk();
        disk[446 + 4] = 0x83;
        disk[446 + 48 + 4] = 0xEE;
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 1);

        /* MyLBA wrong, in both: nothing */
        make_disk();
        put_le64(disk + 512 + 24, 2);
        header_crc(disk + 512);
        put_le64(disk + (SECTORS - 1) * 512 + 24, 7);
        header_crc(disk + (SECTORS - 1) * 512);
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 0);

        /* entry size other than 128 (primary), header size out of bounds (backup) */
        make_disk();
        put_le32(disk + 512 + 84, 256);
        put_le32(disk + 512 + 80, ENTRIES / 2);
        header_crc(disk + 512);
        put_le32(disk + (SECTORS - 1) * 512 + 12, 513);
        header_crc(disk + (SECTORS - 1) * 512);
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 0);

        /* last usable LBA past the disk */
        make_disk();
        put_le64(disk + 512 + 48, SECTORS);
        header_crc(disk + 512);
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 1);
        CHECK_INT(t.header_lba, SECTORS - 1);

        /* the device is cut: the backup is not where it says, the primary still is */
        make_disk();
        CHECK_INT(gpt_table_read(disk_read, NULL, 64 * 512, 512, &t), 0);   /* last usable past the end */
        CHECK_INT(gpt_table_read(disk_read, NULL, 100, 512, &t), 0);        /* smaller than a sector */

        /* sector sizes that are not */
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 1000, &t), -EINVAL);
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 256, &t), -EINVAL);
}

TEST(names) {
        static const uint8_t utf16[] = {
                'a', 0, 0xE4, 0x00,             /* ä: 2 bytes of UTF-8 */
                0xAC, 0x20,                     /* €: 3 */
                0x3D, 0xD8, 0x00, 0xDE,         /* U+1F600 as a surrogate pair: 4 */
                0x00, 0xD8, 'b', 0,             /* an unpaired high surrogate: encoded as it is */
                ' ', 0, 0, 0, 'c', 0,           /* NUL ends it */
        };
        GptTable t;
        Seen s = {};

        make_disk();
        memset(entry(2, 0) + 56, 0, 72);
        memcpy(entry(2, 0) + 56, utf16, sizeof(utf16));
        put_header(1, SECTORS - 1, 2);
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 1);
        CHECK_INT(t.header_lba, 1);
        CHECK_INT(gpt_table_foreach_partition(&t, disk_read, NULL, collect, &s), 0);
        CHECK_STR(s.p[0].label, "a\xC3\xA4\xE2\x82\xAC\xF0\x9F\x98\x80\xED\xA0\x80" "b");
}

TEST(changed) {
        GptTable t;
        Seen s = {};

        make_disk();
        CHECK_INT(gpt_table_read(disk_read, NULL, sizeof(disk), 512, &t), 1);
        entry(2, 7)[0] = 1;
        CHECK_INT(gpt_table_foreach_partition(&t, disk_read, NULL, collect, &s), -EBADMSG);
}

TEST(reads) {
        size_t n = 0;
        GptTable t;

        /* MBR, header, entries: three reads (the caller's window makes it one pread()) */
        make_disk();
        CHECK_INT(gpt_table_read(disk_read, &n, sizeof(disk), 512, &t), 1);
        CHECK_INT(n, 3);
}

int main(void) {
        RUN(primary);
        RUN(backup);
        RUN(invalid);
        RUN(names);
        RUN(changed);
        RUN(reads);
        return tests_finish();
}
