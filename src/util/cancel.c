/* cancel: the per-run cancel token (see cancel.h): one lock-free atomic
 * flag, so that a signal handler may set it. */
#include "cancel.h"

#include <stdatomic.h>
#include <stdlib.h>

_Static_assert(ATOMIC_INT_LOCK_FREE == 2,
               "the cancel token must be lock-free to be set from a signal handler");

struct cs_cancel {
    atomic_int flag;
};

cs_cancel *cs_cancel_alloc(void)
{
    cs_cancel *c = malloc(sizeof *c);
    if (c)
        atomic_init(&c->flag, 0);
    return c;
}

void cs_cancel_free(cs_cancel *c) { free(c); }

void cs_cancel_request(cs_cancel *c)
{
    if (c)
        atomic_store(&c->flag, 1);
}

bool cs_cancel_requested(const cs_cancel *c)
{
    return c && atomic_load(&((cs_cancel *)c)->flag) != 0;
}

void cs_cancel_reset(cs_cancel *c)
{
    if (c)
        atomic_store(&c->flag, 0);
}
