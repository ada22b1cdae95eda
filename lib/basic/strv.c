/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "string-util.h"
#include "strv.h"

char **strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **k = l; *k; k++)
                free(*k);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;

        if (l)
                while (l[n])
                        n++;
        return n;
}

bool strv_contains(char *const *l, const char *s) {
        assert(s);

        STRV_FOREACH(k, l)
                if (streq(*k, s))
                        return true;
        return false;
}

int strv_consume(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **c;

        assert(l);

        if (!value)
                return -ENOMEM;

        c = reallocarray(*l, n + 2, sizeof(char *));
        if (!c) {
                free(value);
                return -ENOMEM;
        }
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        assert(value);

        return strv_consume(l, strdup(value));
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void strv_sort(char **l) {
        size_t n = strv_length(l);

        if (n > 1)
                qsort(l, n, sizeof(char *), cmp_str);
}

int strv_split_words(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = s;
        int r;

        assert(ret);

        for (;;) {
                char *w;

                r = extract_first_word(&p, &w);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = strv_consume(&l, w);
                if (r < 0)
                        return r;
        }

        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

char *strv_join(char *const *l, const char *sep) {
        char *r = strdup("");

        if (!r)
                return NULL;
        STRV_FOREACH(k, l)
                if ((k != l && !strextend(&r, sep)) || !strextend(&r, *k))
                        return mfree(r);
        return r;
}

void strv_remove(char **l, const char *s) {
        char **w = l;

        assert(s);

        if (!l)
                return;
        for (char **r = l; *r; r++) {
                if (streq(*r, s))
                        free(*r);
                else
                        *w++ = *r;
        }
        *w = NULL;
}
