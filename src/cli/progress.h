/* progress: the command line's progress report on stderr (progress.c). */
#ifndef CS_CLI_PROGRESS_H
#define CS_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* One run's progress (a scenario, or one side of a comparison). Zero it,
 * set label, log_lines and from_start, and start (or leave start zero to
 * start the clock at the first call). */
typedef struct {
    struct timespec start;
    bool shown;
    bool log_lines;     /* lines instead of a bar */
    bool from_start;    /* --progress: lines even in the first second */
    double last_line;   /* seconds since start of the last line */
    const char *label;
    uint64_t total;     /* trials of the run, once known */
} progress_state;

/* Lines (log_lines) or a bar for the runs that follow; read back by
 * cs_cli_progress_log_lines. */
void cs_cli_progress_mode(bool log_lines);
bool cs_cli_progress_log_lines(void);

/* The engine's progress callback: ctx is a progress_state. */
void cs_cli_progress(void *ctx, uint64_t done, uint64_t total);

/* Ends a run's progress: clears the bar, or with lines says how long the
 * simulation took (when simulated). */
void cs_cli_progress_end(progress_state *p, bool simulated);

/* "writing WHAT" after a run that showed progress, and its end. */
void cs_cli_progress_writing(const char *what);
void cs_cli_progress_writing_done(void);

#endif
