/* outpaths: the checks of every output path of a run or comparison before
 * anything is simulated (docs/COMMANDS.md): --out names an existing writable
 * directory or one that can be created in an existing writable directory,
 * --report and --xlsx files go into existing writable directories and are
 * not directories themselves, no output is an input file (the scenario or
 * a model file, compared by device and inode, so links and other spellings
 * are caught) or another output of the same run (`--report X --xlsx X`,
 * `--out o --report o/summary.csv`), and the workbook fits a spreadsheet.
 * A failure is a usage error: the caller exits 2 with nothing simulated or
 * written. Writability is tested by creating and removing a hidden probe
 * directory, since permission bits do not tell (root, read-only mounts,
 * /proc). */
#ifndef CS_CLI_OUTPATHS_H
#define CS_CLI_OUTPATHS_H

#include <stdbool.h>

#include "model.h"

typedef struct {
    const char *out_dir;         /* --out, or NULL */
    const char *report;          /* --report, or NULL */
    const char *xlsx;            /* --xlsx, or NULL */
    bool trials_out;             /* --trials-out (the workbook gets a Trials sheet) */
    const char *const *managed;  /* the file names the run may write in out_dir */
} cs_cli_outputs;

/* Checks the outputs against the loaded models (1 for run, 2 for compare).
 * Prints every problem on stderr as "costsim COMMAND: ..." and returns 2,
 * or returns 0 when every check passes. */
int cs_cli_check_outputs(const char *command, const cs_cli_outputs *out,
                         const cs_model *const *models, int n_models);

#endif
