/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "crc32.h"
#include "gpt-table.h"
#include "macro.h"
#include "unaligned.h"

/* struct gpt_header (little endian), as far as it is defined: 92 bytes */
#define GPT_HEADER_MIN_SIZE 92U
#define GPT_HEADER_CRC_OFFSET 16U
#define GPT_ENTRY_SIZE 128U
#define GPT_ENTRY_NAME_OFFSET 56U
#define GPT_ENTRY_NAME_SIZE 72U

static const uint8_t gpt_signature[8] = { 'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T' };

/* [offset, offset + size) within the device, as blkid_probe_get_buffer() demands (else: nothing
 * there, which is not an error). */
static bool in_device(uint64_t device_size, uint64_t offset, uint64_t size) {
        return size > 0 && offset <= UINT64_MAX - size && offset + size <= device_size;
}

/* An EFI GUID (time_low, time_mid, time_hi little endian, then 8 bytes as they are) in UUID byte
 * order, as libblkid's swap_efi_guid(). */
static void guid_to_uuid(const uint8_t *g, uint8_t u[static 16]) {
        u[0] = g[3]; u[1] = g[2]; u[2] = g[1]; u[3] = g[0];
        u[4] = g[5]; u[5] = g[4];
        u[6] = g[7]; u[7] = g[6];
        memcpy(u + 8, g + 8, 8);
}

static void uuid_unparse(const uint8_t u[static 16], char s[static 37]) {
        static const char hex[] = "0123456789abcdef";
        size_t j = 0;

        for (size_t i = 0; i < 16; i++) {
                if (IN_SET(i, 4, 6, 8, 10))
                        s[j++] = '-';
                s[j++] = hex[u[i] >> 4];
                s[j++] = hex[u[i] & 15];
        }
        s[j] = 0;
}

/* libblkid's ul_encode_to_utf8(UL_ENCODE_UTF16LE, dest, len, src, count), bug for bug (surrogate
 * pairs only when i + 2 < count; unpaired surrogates encoded as they are; stops at NUL or when
 * the next character does not fit), then blkid_rtrim_whitespace() (isspace() of the C locale). */
static void utf16le_to_utf8(const uint8_t *src, size_t count, char *dest, size_t len) {
        size_t i, j;

        for (j = i = 0; i < count; i++) {
                uint32_t c;

                if (i + 2 > count)
                        break;
                c = (uint32_t) src[i + 1] << 8 | src[i];
                i++;
                if (c >= 0xD800 && c <= 0xDBFF && i + 2 < count) {
                        uint16_t c2 = (uint16_t) (src[i + 2] << 8 | src[i + 1]);

                        if (c2 >= 0xDC00 && c2 <= 0xDFFF) {
                                c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
                                i += 2;
                        }
                }
                if (c == 0)
                        break;

                if (c < 0x80) {
                        if (j + 1 >= len)
                                break;
                        dest[j++] = (char) c;
                } else if (c < 0x800) {
                        if (j + 2 >= len)
                                break;
                        dest[j++] = (char) (0xC0 | (c >> 6));
                        dest[j++] = (char) (0x80 | (c & 0x3F));
                } else if (c < 0x10000) {
                        if (j + 3 >= len)
                                break;
                        dest[j++] = (char) (0xE0 | (c >> 12));
                        dest[j++] = (char) (0x80 | ((c >> 6) & 0x3F));
                        dest[j++] = (char) (0x80 | (c & 0x3F));
                } else {
                        if (j + 4 >= len)
                                break;
                        dest[j++] = (char) (0xF0 | (c >> 18));
                        dest[j++] = (char) (0x80 | ((c >> 12) & 0x3F));
                        dest[j++] = (char) (0x80 | ((c >> 6) & 0x3F));
                        dest[j++] = (char) (0x80 | (c & 0x3F));
                }
        }
        /* rtrim: ' ', '\t', '\n', '\v', '\f', '\r' (the C locale's isspace()) */
        while (j > 0 && (dest[j - 1] == ' ' || (dest[j - 1] >= '\t' && dest[j - 1] <= '\r')))
                j--;
        dest[j] = 0;
}

/* Streams the entry array through its CRC, and through f if not NULL. */
static int entries_walk(const GptTable *t, GptReadFunc read, void *userdata, GptPartitionFunc f, void *f_userdata,
                        uint32_t *ret_crc) {
        uint8_t buf[GPT_READ_CHUNK];
        uint64_t total = (uint64_t) t->n_entries * GPT_ENTRY_SIZE, done = 0;
        uint32_t crc = 0, index = 0;
        int r;

        while (done < total) {
                size_t n = (size_t) MIN((uint64_t) sizeof(buf), total - done);

                r = read(userdata, buf, n, t->entries_offset + done);
                if (r < 0)
                        return r;
                crc = crc32_update(crc, buf, n);
                done += n;

                for (size_t o = 0; f && o < n; o += GPT_ENTRY_SIZE, index++) {
                        static const uint8_t zero[16] = {};
                        const uint8_t *e = buf + o;
                        GptPartition p;
                        uint64_t start, end;

                        /* all-zero type: unused; outside the usable range: ignored. Either way
                         * the number is used up. */
                        if (memcmp(e, zero, 16) == 0)
                                continue;
                        start = unaligned_read_le64(e + 32);
                        end = unaligned_read_le64(e + 40);
                        /* libblkid: size = end - start + 1; start + size - 1 > last_usable,
                         * where start + size - 1 is end, modulo 2^64 */
                        if (start < t->first_usable_lba || end > t->last_usable_lba)
                                continue;

                        p = (GptPartition) {
                                .partno = (int) index + 1,
                                .start = start * (t->sector_size / 512),
                                .size = (end - start + 1) * (t->sector_size / 512),
                                .flags = unaligned_read_le64(e + 48),
                        };
                        guid_to_uuid(e, p.type);
                        guid_to_uuid(e + 16, p.uuid);
                        uuid_unparse(p.type, p.type_string);
                        uuid_unparse(p.uuid, p.uuid_string);
                        utf16le_to_utf8(e + GPT_ENTRY_NAME_OFFSET, GPT_ENTRY_NAME_SIZE, p.label, sizeof(p.label));

                        r = f(f_userdata, &p);
                        if (r < 0)
                                return r;
                }
        }

        *ret_crc = crc;
        return 0;
}

/* libblkid's get_gpt_header(): 1 and *ret filled if the header at lba and its entries are valid,
 * 0 if not, negative errno on read errors. */
static int header_read(GptReadFunc read, void *userdata, uint64_t device_size, uint32_t ssz, uint64_t lba,
                       uint64_t last_lba, GptTable *ret) {
        static const uint8_t zero_crc[4] = {};
        _cleanup_free_ uint8_t *h = NULL;
        uint32_t hsz, crc, entry_size, n_entries;
        uint64_t fu, lu, esz;
        GptTable t;
        int r;

        /* the whole sector is read, as libblkid does */
        if (lba > UINT64_MAX / ssz || !in_device(device_size, lba * ssz, ssz))
                return 0;
        h = malloc(ssz);
        if (!h)
                return -ENOMEM;
        r = read(userdata, h, ssz, lba * ssz);
        if (r < 0)
                return r;

        if (memcmp(h, gpt_signature, sizeof(gpt_signature)) != 0)
                return 0;

        hsz = unaligned_read_le32(h + 12);
        if (hsz > ssz || hsz < GPT_HEADER_MIN_SIZE)
                return 0;

        crc = crc32_update(0, h, GPT_HEADER_CRC_OFFSET);
        crc = crc32_update(crc, zero_crc, sizeof(zero_crc));
        crc = crc32_update(crc, h + GPT_HEADER_CRC_OFFSET + 4, hsz - GPT_HEADER_CRC_OFFSET - 4);
        if (crc != unaligned_read_le32(h + GPT_HEADER_CRC_OFFSET))
                return 0;

        if (unaligned_read_le64(h + 24) != lba)         /* MyLBA */
                return 0;

        fu = unaligned_read_le64(h + 40);
        lu = unaligned_read_le64(h + 48);
        if (lu < fu || fu > last_lba || lu > last_lba)
                return 0;
        if (fu < lba && lba < lu)                       /* the header inside the usable range */
                return 0;

        n_entries = unaligned_read_le32(h + 80);
        entry_size = unaligned_read_le32(h + 84);
        esz = (uint64_t) n_entries * entry_size;
        if (esz == 0 || esz >= UINT32_MAX || entry_size != GPT_ENTRY_SIZE)
                return 0;
        /* libblkid reads the array with one read(), which Linux cuts at 2 GiB - 4 KiB (MAX_RW_COUNT):
         * a larger array is a short read, no GPT */
        if (esz > 0x7FFFF000U)
                return 0;

        t = (GptTable) {
                .sector_size = ssz,
                .header_lba = lba,
                .first_usable_lba = fu,
                .last_usable_lba = lu,
                /* libblkid computes sector size × LBA in uint64_t: it wraps, and so does this */
                .entries_offset = unaligned_read_le64(h + 72) * ssz,
                .n_entries = n_entries,
                .entries_crc32 = unaligned_read_le32(h + 88),
        };
        guid_to_uuid(h + 56, t.disk_guid);

        if (!in_device(device_size, t.entries_offset, esz))
                return 0;
        /* Not read past GPT_ENTRIES_SIZE_MAX (libblkid would: 2 GiB of zeros with the right CRC cost
         * every reload seconds, for one image). */
        if (esz > GPT_ENTRIES_SIZE_MAX)
                return -E2BIG;

        r = entries_walk(&t, read, userdata, NULL, NULL, &crc);
        if (r < 0)
                return r;
        if (crc != t.entries_crc32)
                return 0;

        *ret = t;
        return 1;
}

int gpt_table_read(GptReadFunc read, void *userdata, uint64_t device_size, uint32_t sector_size, GptTable *ret) {
        uint8_t mbr[512];
        uint64_t last_lba;
        bool pmbr = false;
        int r;

        assert(read);
        assert(ret);

        if (sector_size < 512 || sector_size > 65536 || (sector_size & (sector_size - 1)) != 0)
                return -EINVAL;

        if (device_size < sector_size)
                return 0;
        last_lba = device_size / sector_size - 1;

        /* The protective MBR: always the first 512 bytes, whatever the sector size. */
        if (!in_device(device_size, 0, sizeof(mbr)))
                return 0;
        r = read(userdata, mbr, sizeof(mbr), 0);
        if (r < 0)
                return r;
        if (mbr[510] != 0x55 || mbr[511] != 0xAA)
                return 0;
        for (size_t i = 0; i < 4; i++)
                if (mbr[446 + 16 * i + 4] == 0xEE)
                        pmbr = true;
        if (!pmbr)
                return 0;

        r = header_read(read, userdata, device_size, sector_size, 1, last_lba, ret);
        if (r != 0)
                return r;
        return header_read(read, userdata, device_size, sector_size, last_lba, last_lba, ret);
}

int gpt_table_foreach_partition(const GptTable *t, GptReadFunc read, void *userdata, GptPartitionFunc f, void *f_userdata) {
        uint32_t crc;
        int r;

        assert(t);
        assert(read);
        assert(f);

        r = entries_walk(t, read, userdata, f, f_userdata, &crc);
        if (r < 0)
                return r;
        if (crc != t->entries_crc32)
                return -EBADMSG;
        return 0;
}
