/* costsim.h: the public interface of the costsim library.
 *
 * costsim runs Monte Carlo cost and currency simulations of procurement
 * programs. A program that embeds it includes this header only and links
 * the core library (costsim_core). The library never prints and never
 * exits: every function that can fail returns a cs_status and adds
 * messages (errors and warnings, each with a severity) to a cs_diag list
 * that the caller owns.
 *
 * Call cs_init() once, before anything else, from one thread. */
#ifndef COSTSIM_H
#define COSTSIM_H

#ifdef __cplusplus
extern "C" {
#endif

/* What a library function reports. Only the command line maps these to
 * exit statuses (CS_OK 0, CS_E_INPUT 2, the others 1). */
typedef enum {
    CS_OK = 0,        /* done */
    CS_E_INPUT,       /* bad input or a usage error: nothing was simulated */
    CS_E_RUNTIME,     /* the input was valid but the run failed (e.g. a draw
                         put a cash flow before the base year, a write failed) */
    CS_E_NOMEM,       /* out of memory */
    CS_E_CANCELLED    /* the run's cancel token was set */
} cs_status;

/* The severity of one diagnostic message. */
typedef enum {
    CS_SEVERITY_ERROR = 0,   /* the operation failed because of it */
    CS_SEVERITY_WARNING      /* the operation went on; the caller may show it */
} cs_severity;

/* Prepares the library: turns off GSL's default error handler (which
 * aborts the process) so that numerical failures come back as statuses.
 * Call once before any other function, from one thread; calling it again
 * does no harm. */
void cs_init(void);

#ifdef __cplusplus
}
#endif

#endif
