/* progress: how far a run is, on stderr: a bar redrawn in place on a
 * terminal; a log-friendly line every LOG_EVERY seconds when stderr is a
 * file or a pipe, or with --progress; then the writing phase. Short runs
 * print nothing. Part of the program, not of the library. */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <stdio.h>
#include <time.h>

#include "cmd.h"

enum { LOG_EVERY = 5 };


/* Whether the current run showed progress; then the writing phase is shown
 * too, so that a long write is not mistaken for a hang. */
static bool progress_was_shown;
static bool progress_log_lines;

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void cs_cli_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress_state *p = ctx;
    if (p->start.tv_sec == 0 && p->start.tv_nsec == 0)
        clock_gettime(CLOCK_MONOTONIC, &p->start); /* a run that starts later (compare's B) */
    double elapsed = seconds_since(&p->start);
    p->total = total;
    if (elapsed < 1.0 && !p->shown && !p->from_start)
        return; /* short runs print nothing */
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    if (p->log_lines) {
        /* The first line after a second, then one every LOG_EVERY seconds
         * and the last one at 100 %. */
        if (p->shown && elapsed - p->last_line < LOG_EVERY && done < total)
            return;
        p->shown = true;
        p->last_line = elapsed;
        fprintf(stderr, "costsim: %s: %llu/%llu trials (%.0f%%), %.0f s elapsed, %.0f s left\n",
                p->label, (unsigned long long)done, (unsigned long long)total,
                total ? 100.0 * (double)done / (double)total : 100.0, elapsed, left);
        return;
    }
    p->shown = true;
    int width = 30, filled = total ? (int)(width * (double)done / (double)total) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r%s [%s] %llu/%llu trials, %.0f/s, %.0fs left ", p->label, bar,
            (unsigned long long)done, (unsigned long long)total, rate, left);
    fflush(stderr);
}

void cs_cli_progress_end(progress_state *p, bool simulated)
{
    if (p->shown && !p->log_lines)
        fprintf(stderr, "\r%*s\r", 79, "");
    if (p->shown && p->log_lines && simulated)
        fprintf(stderr, "costsim: %s: %llu trials simulated in %.0f s\n", p->label,
                (unsigned long long)p->total, seconds_since(&p->start));
    if (p->shown)
        progress_was_shown = true;
}

/* "writing ..." after a run that showed progress. */
void cs_cli_progress_writing(const char *what)
{
    if (!progress_was_shown)
        return;
    if (progress_log_lines) {
        fputs("costsim: writing ", stderr);
        cs_cli_print_clean(stderr, what);
        fputc('\n', stderr);
    } else {
        fputs("\rwriting ", stderr);
        cs_cli_print_clean(stderr, what);
        fputs(" ...", stderr);
        fflush(stderr);
    }
}

void cs_cli_progress_writing_done(void)
{
    if (progress_was_shown && !progress_log_lines)
        fprintf(stderr, "\r%*s\r", 79, "");
}


void cs_cli_progress_mode(bool log_lines) { progress_log_lines = log_lines; }

bool cs_cli_progress_log_lines(void) { return progress_log_lines; }
