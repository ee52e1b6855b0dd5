/* costsim: the public interface (include/costsim.h) over the internal
 * modules: input (loading), sim (the engine), core (compare and sweep),
 * report (writing). Holds no logic of its own beyond wrapping handles and
 * turning the internal return values into cs_status. Prints nothing. */
#include "costsim.h"

#include <gsl/gsl_errno.h>

void cs_init(void) { gsl_set_error_handler_off(); }
