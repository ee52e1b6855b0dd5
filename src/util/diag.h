/* diag: a list of messages, each pointing at a place and carrying a
 * severity: errors (the operation failed) and warnings (it went on).
 *
 * Library code never prints; it adds entries here and returns a status
 * (cs_status, costsim.h). The command line prints them as
 * "path:line:column: message". It does not decide exit codes or stop at
 * the first problem. */
#ifndef CS_DIAG_H
#define CS_DIAG_H

#include <stddef.h>

#include "costsim.h"

typedef struct {
    char *path;    /* file as opened, or "--set KEY" style label */
    int line;      /* 1-based physical line; 0 when nothing in the file is meant */
    char *column;  /* column name or 1-based field number; NULL when none */
    char *message; /* "what is wrong; what is allowed" */
    cs_severity severity; /* CS_SEVERITY_ERROR unless added by cs_diag_warn */
    char *text;    /* cs_diag_message's formatted copy, made on first use */
    int fixed;     /* path and message are the fixed out-of-memory entry's
                      (not allocated, never freed) */
} cs_diag_entry;

typedef struct cs_diag cs_diag;

/* Returns a new empty list the caller owns (NULL on out of memory). */
cs_diag *cs_diag_alloc(void);
/* Frees the list and its entries; NULL does nothing. */
void cs_diag_free(cs_diag *d);

/* Adds one error. path is copied; column may be NULL; message is printf-style.
 * On out of memory the entry is replaced by a fixed "out of memory" one. */
void cs_diag_add(cs_diag *d, const char *path, int line, const char *column,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Adds one warning, otherwise as cs_diag_add. */
void cs_diag_warn(cs_diag *d, const char *path, int line, const char *column,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Number of entries (errors and warnings); 0 for NULL. */
size_t cs_diag_count(const cs_diag *d);
/* Number of errors among them; 0 for NULL. */
size_t cs_diag_errors(const cs_diag *d);
/* Entry i, or NULL when i >= count. */
const cs_diag_entry *cs_diag_get(const cs_diag *d, size_t i);
/* Entry i formatted as cs_diag_format does, owned by d (valid until d is
 * cleared or freed); NULL when i >= count or out of memory. */
const char *cs_diag_message(cs_diag *d, size_t i);
/* Severity of entry i; CS_SEVERITY_ERROR when i >= count. */
cs_severity cs_diag_severity(const cs_diag *d, size_t i);

/* Writes entry i as "path:line:column: message" (parts that are absent are
 * left out; with no path and no line, the message alone) into a new string
 * the caller frees. */
char *cs_diag_format(const cs_diag_entry *e);

/* Removes all entries. */
void cs_diag_clear(cs_diag *d);

/* Removes the entries after the first n (none when n >= count). */
void cs_diag_truncate(cs_diag *d, size_t n);

#endif
