/* csvout: writes CSV that spreadsheets open cleanly (docs/OUTPUTS.md): RFC 4180
 * quoting, LF line ends, UTF-8 without BOM, numbers as the shortest of
 * %.15g/%.16g/%.17g that reads back to the same double, and text cells that
 * start with '=', '+', '-', '@', tab or CR prefixed with "'" so that no
 * spreadsheet runs them as a formula. Writes to a FILE*; errors are sticky
 * in the FILE (check ferror/fclose). */
#ifndef CS_CSVOUT_H
#define CS_CSVOUT_H

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    FILE *f;
    int fields;    /* fields written on the current row */
    bool terminal; /* f is a terminal (--format csv on one) */
} cs_csvout;

void cs_csvout_init(cs_csvout *w, FILE *f);
/* A text cell (neutralised and quoted as needed). NULL writes an empty cell.
 * Quoted when it holds , " CR or LF, or starts or ends with a space or tab
 * (readers trim unquoted cells). On a terminal, control characters other
 * than tab and LF (C0, DEL, and C1 as UTF-8) are written as '?', so a name
 * cannot move the cursor or recolour the screen; files and pipes get the
 * text exactly. */
void cs_csvout_text(cs_csvout *w, const char *s);
/* A number cell; a non-finite x writes an empty cell. */
void cs_csvout_number(cs_csvout *w, double x);
/* An integer cell. */
void cs_csvout_int(cs_csvout *w, long long x);
/* Ends the row with "\n". */
void cs_csvout_end_row(cs_csvout *w);
/* Writes a whole header row from a NULL-terminated list. */
void cs_csvout_header(cs_csvout *w, const char *const *names);

/* The text of a cell after neutralising (no quoting), into a new string
 * the caller frees; NULL s gives "". NULL on out of memory. */
char *cs_csvout_neutralise(const char *s);

#endif
