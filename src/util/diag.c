/* diag: collected problems with their places. See diag.h. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cs_diag {
    cs_diag_entry *entries;
    size_t count, capacity;
};

/* Room for the first entries from the start, so that running out of memory
 * later cannot drop the first error (and with it the verdict). */
cs_diag *cs_diag_alloc(void)
{
    cs_diag *d = calloc(1, sizeof *d);
    if (d && (d->entries = malloc(16 * sizeof *d->entries)) != NULL)
        d->capacity = 16;
    return d;
}

static void entry_free(cs_diag_entry *e)
{
    if (!e->fixed) {
        free(e->path);
        free(e->column);
        free(e->message);
    }
    free(e->text);
}

void cs_diag_truncate(cs_diag *d, size_t n)
{
    if (!d)
        return;
    for (size_t i = n; i < d->count; i++)
        entry_free(&d->entries[i]);
    if (n < d->count)
        d->count = n;
}

void cs_diag_clear(cs_diag *d) { cs_diag_truncate(d, 0); }

void cs_diag_free(cs_diag *d)
{
    if (!d)
        return;
    cs_diag_clear(d);
    free(d->entries);
    free(d);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void add(cs_diag *d, cs_severity severity, const char *path, int line,
                const char *column, const char *fmt, va_list ap)
{
    if (!d)
        return;
    if (d->count == d->capacity) {
        size_t cap = d->capacity ? d->capacity * 2 : 16;
        cs_diag_entry *grown = realloc(d->entries, cap * sizeof *grown);
        if (!grown)
            return; /* the entries we have stay; the caller still sees errors */
        d->entries = grown;
        d->capacity = cap;
    }
    va_list again;
    va_copy(again, ap);
    char *message = NULL;
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n >= 0 && (message = malloc((size_t)n + 1)) != NULL)
        vsnprintf(message, (size_t)n + 1, fmt, again);
    va_end(again);
    cs_diag_entry *e = &d->entries[d->count++];
    e->severity = severity;
    e->text = NULL;
    e->fixed = 0;
    e->path = dup_or_null(path ? path : "");
    e->line = line;
    e->column = dup_or_null(column);
    e->message = message;
    if (!e->path || (column && !e->column) || !message) {
        /* Out of memory: the entry still counts (an error is never lost),
         * with fixed text that needs no allocation. */
        free(e->path);
        free(e->column);
        free(message);
        *e = (cs_diag_entry){(char *)"", 0, NULL, (char *)"out of memory", severity, NULL, 1};
    }
}

void cs_diag_add(cs_diag *d, const char *path, int line, const char *column,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, CS_SEVERITY_ERROR, path, line, column, fmt, ap);
    va_end(ap);
}

void cs_diag_warn(cs_diag *d, const char *path, int line, const char *column,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, CS_SEVERITY_WARNING, path, line, column, fmt, ap);
    va_end(ap);
}

size_t cs_diag_count(const cs_diag *d) { return d ? d->count : 0; }

size_t cs_diag_errors(const cs_diag *d)
{
    size_t n = 0;
    for (size_t i = 0; d && i < d->count; i++)
        n += d->entries[i].severity == CS_SEVERITY_ERROR;
    return n;
}

const char *cs_diag_message(cs_diag *d, size_t i)
{
    if (!d || i >= d->count)
        return NULL;
    cs_diag_entry *e = &d->entries[i];
    if (!e->text)
        e->text = cs_diag_format(e);
    return e->text;
}

cs_severity cs_diag_severity(const cs_diag *d, size_t i)
{
    return d && i < d->count ? d->entries[i].severity : CS_SEVERITY_ERROR;
}

const cs_diag_entry *cs_diag_get(const cs_diag *d, size_t i)
{
    return d && i < d->count ? &d->entries[i] : NULL;
}

char *cs_diag_format(const cs_diag_entry *e)
{
    char line[32] = "";
    if (e->line > 0)
        snprintf(line, sizeof line, ":%d", e->line);
    const char *sep = e->column && e->line > 0 ? ":" : "";
    const char *column = e->column && e->line > 0 ? e->column : "";
    /* No place at all (a message about the whole operation): the message. */
    const char *colon = e->path[0] || e->line > 0 ? ": " : "";
    size_t n = strlen(e->path) + strlen(line) + strlen(sep) + strlen(column)
               + strlen(e->message) + 3;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s%s%s%s%s%s", e->path, line, sep, column, colon, e->message);
    return out;
}
