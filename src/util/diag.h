/* diag: a list of problems found in the input, each pointing at a place.
 *
 * Library code never prints; it adds entries here and returns a status.
 * The command line prints them as "path:line:column: message".
 * It does not decide exit codes or stop at the first problem. */
#ifndef CS_DIAG_H
#define CS_DIAG_H

#include <stddef.h>

typedef struct {
    char *path;    /* file as opened, or "--set KEY" style label */
    int line;      /* 1-based physical line; 0 when nothing in the file is meant */
    char *column;  /* column name or 1-based field number; NULL when none */
    char *message; /* "what is wrong; what is allowed" */
} cs_diag_entry;

typedef struct cs_diag cs_diag;

/* Returns a new empty list the caller owns (NULL on out of memory). */
cs_diag *cs_diag_alloc(void);
/* Frees the list and its entries; NULL does nothing. */
void cs_diag_free(cs_diag *d);

/* Adds one entry. path is copied; column may be NULL; message is printf-style.
 * On out of memory the entry is replaced by a fixed "out of memory" one. */
void cs_diag_add(cs_diag *d, const char *path, int line, const char *column,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

size_t cs_diag_count(const cs_diag *d);
const cs_diag_entry *cs_diag_get(const cs_diag *d, size_t i);

/* Writes entry i as "path:line:column: message" (parts that are absent are
 * left out) into a new string the caller frees. */
char *cs_diag_format(const cs_diag_entry *e);

/* Removes all entries. */
void cs_diag_clear(cs_diag *d);

#endif
