/* cancel: a per-run cancel token. The caller owns it, hands it to a run
 * (cs_run_options.cancel) and may set it at any time, also from a signal
 * handler: the token is one lock-free atomic flag. The engine polls it
 * between blocks of trials and in the drivers and then stops with
 * CS_E_CANCELLED. There is no process-wide flag: two runs with two tokens
 * are independent. */
#ifndef CS_CANCEL_H
#define CS_CANCEL_H

#include <stdbool.h>

typedef struct cs_cancel cs_cancel;

/* A new token, not set, that the caller frees with cs_cancel_free; NULL on
 * out of memory. */
cs_cancel *cs_cancel_alloc(void);

/* Frees the token; NULL does nothing. No run may still use it. */
void cs_cancel_free(cs_cancel *c);

/* Sets the token. Async-signal-safe and thread-safe; NULL does nothing. */
void cs_cancel_request(cs_cancel *c);

/* True once the token was set (false for NULL). Thread-safe. */
bool cs_cancel_requested(const cs_cancel *c);

/* Clears the token so that it can serve another run. */
void cs_cancel_reset(cs_cancel *c);

#endif
