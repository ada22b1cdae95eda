/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* An image's /etc/passwd or /etc/group (account-text.h), as the generator filters it and
 * portables-usermap formats the sandbox's files from it. The first byte picks the database. */

#include "account-text.h"
#include "fuzz.h"
#include "macro.h"
#include "string-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL, *out = NULL, *dropped = NULL, *again = NULL, *final = NULL;
        AccountDb db;

        fuzz_setup();
        if (size < 1)
                return 0;
        db = data[0] & 1 ? ACCOUNT_DB_GROUP : ACCOUNT_DB_PASSWD;
        s = fuzz_string(data + 1, size - 1);

        if (account_text_filter(s, db, "foo", &out, &dropped) < 0)
                return 0;
        /* Filtering is idempotent: the templates are filtered again at start. */
        if (account_text_filter(out, db, "foo", &again, NULL) < 0 || !streq(out, again))
                abort();

        if (db == ACCOUNT_DB_PASSWD)
                (void) account_text_passwd(out, dropped ?: s, "foo", 61184, 61184, &final);
        else
                (void) account_text_group(out, s, "foo", 61184, &final);
        return 0;
}
