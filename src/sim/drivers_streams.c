/* engine drivers streams: the keys of the named random streams
 * (docs/COMMANDS.md). An input's uniforms depend only on (seed, its kind, its
 * stream name, the trial), so inputs of one kind and stream share random
 * numbers across scenarios (common random numbers) and inputs on different
 * streams never do. A second, independent key per stream serves the
 * attribution's re-drawn sources. */
#include "engine_internal.h"

cs_rng_key cs_sim_stream_key(uint64_t seed, cs_input_kind kind, const char *stream, bool second)
{
    static const char *const tags[] = {"element", "risk", "slip", "inflation", "fx"};
    static const char *const second_tags[] = {"element/redraw", "risk/redraw", "slip/redraw",
                                              "inflation/redraw", "fx/redraw"};
    const char *tag = second ? second_tags[kind] : tags[kind];
    /* Version 1 keyed the slip by ("slip", ""); the default stream keeps
     * those numbers. Stream names are never empty, so nothing collides. */
    if (kind == CS_INPUT_SLIP && (!stream || !strcmp(stream, "slip")))
        stream = "";
    return cs_rng_key_make(seed, tag, stream ? stream : "");
}
