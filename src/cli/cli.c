/* cli: dispatch to the subcommands (cmd_*.c) and the top-level help.
 * Option parsing of each command lives with that command. */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "csvin.h"
#include "diag.h"
#include "opts.h"

static const char usage[] =
    "usage: costsim COMMAND [OPTIONS]\n"
    "\n"
    "Monte Carlo cost and currency simulation of procurement programs.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO        simulate one scenario and report its costs\n"
    "  compare A B         simulate two scenarios on common random numbers\n"
    "  sweep SCENARIO      run a grid of settings (--vary KEY=V1,V2,...)\n"
    "  check SCENARIO...   validate scenarios and their models, list every problem\n"
    "\n"
    "Run 'costsim COMMAND --help' for a command's options, 'costsim --version'\n"
    "for the version.\n"
    "Exit status: 0 success, 2 invalid input or usage, 1 any other failure.\n";

/* Length of the UTF-8 sequence a lead byte announces (0: not a lead). */
static size_t utf8_length(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
         : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
}

/* The code point of the valid UTF-8 sequence p of len bytes. */
static unsigned code_point(const unsigned char *p, size_t len)
{
    switch (len) {
    case 2:
        return (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu);
    case 3:
        return (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
    case 4:
        return (p[0] & 0x07u) << 18 | (p[1] & 0x3fu) << 12 | (p[2] & 0x3fu) << 6 |
               (p[3] & 0x3fu);
    default:
        return p[0];
    }
}

/* Whether the character is a space other than U+0020, or shows nothing:
 * no-break and other typographic spaces, zero-width characters, the byte
 * order mark, line and paragraph separators, the soft hyphen, Hangul
 * fillers. In a message each is written as \uXXXX. */
static bool invisible(const unsigned char *p, size_t len)
{
    if (len < 2)
        return false;
    unsigned c = code_point(p, len);
    return c == 0x00A0 || c == 0x00AD || c == 0x034F || c == 0x115F || c == 0x1160 ||
           c == 0x180E || (c >= 0x2000 && c <= 0x200F) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || (c >= 0x205F && c <= 0x2064) || c == 0x3000 || c == 0x3164 ||
           c == 0xFEFF || c == 0xFFA0;
}

char *cs_cli_clean_text(const char *text)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    size_t n = strlen((const char *)p);
    char *out = malloc(6 * n + 1), *o = out;
    if (!out)
        return NULL;
    while (*p) {
        size_t len = utf8_length(*p), avail = strnlen((const char *)p, 4);
        if (len == 0 || len > avail || !cs_csvin_utf8_valid((const char *)p, len)) {
            o += sprintf(o, "\\x%02x", *p); /* not UTF-8: never a raw byte */
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            o += sprintf(o, "\\x%02x", *p); /* ESC, BEL, CR, ... */
            p++;
        } else if (len == 2 && p[0] == 0xC2 && p[1] <= 0x9F) {
            o += sprintf(o, "\\u%04x", p[1]); /* C1 controls (U+0080-U+009F) */
            p += 2;
        } else if (cs_csvin_bidi_control((const char *)p) || invisible(p, len)) {
            /* U+202E and kin would reorder the message around them; a
             * no-break or zero-width space would look like a plain space
             * or like nothing ("'400 ' is not a number") */
            o += sprintf(o, "\\u%04x", code_point(p, len));
            p += len;
        } else {
            memcpy(o, p, len);
            o += len;
            p += len;
        }
    }
    *o = '\0';
    return out;
}

void cs_cli_print_clean(FILE *f, const char *text)
{
    /* Built whole and written at once: stderr is unbuffered, and one write
     * per byte makes a long list of messages crawl. */
    char *clean = cs_cli_clean_text(text);
    fputs(clean ? clean : "(out of memory)", f);
    free(clean);
}

void cs_cli_print_warning(const char *text)
{
    char *clean = cs_cli_clean_text(text);
    fprintf(stderr, "costsim: warning: %s\n", clean ? clean : "(out of memory)");
    free(clean);
}

/* At most this many errors, and as many warnings, are printed: a column
 * gone wrong in a 200 000-row file would otherwise bury the first message,
 * the one to fix, under as many lines. The rest are counted. */
#define MAX_PRINTED 100

void cs_cli_print_diag(const cs_diag *d, const char *warning_prefix)
{
    size_t shown[2] = {0, 0}, hidden[2] = {0, 0}; /* errors, warnings */
    for (size_t i = 0; i < cs_diag_count(d); i++) {
        const cs_diag_entry *e = cs_diag_get(d, i);
        bool warning = e->severity == CS_SEVERITY_WARNING;
        if (shown[warning] == MAX_PRINTED) {
            hidden[warning]++;
            continue;
        }
        shown[warning]++;
        char *line = warning ? NULL : cs_diag_format(e);
        char *clean = cs_cli_clean_text(warning ? e->message : line);
        if (warning)
            fprintf(stderr, "%s%s\n", warning_prefix, clean ? clean : "out of memory");
        else
            fprintf(stderr, "%s\n", clean && line ? clean : "out of memory");
        free(clean);
        free(line);
    }
    if (hidden[0])
        fprintf(stderr, "costsim: %zu more errors not shown (%zu in all)\n",
                hidden[0], hidden[0] + shown[0]);
    if (hidden[1])
        fprintf(stderr, "%s%zu more warnings not shown (%zu in all)\n", warning_prefix, hidden[1],
                hidden[1] + shown[1]);
}

int cs_cli_exit_status(cs_status status)
{
    switch (status) {
    case CS_OK:
        return 0;
    case CS_E_INPUT:
        return 2;
    case CS_E_RUNTIME:
    case CS_E_NOMEM:
    case CS_E_CANCELLED:
    default:
        return 1;
    }
}

static const char *const commands[] = {"run", "compare", "sweep", "check", NULL};

/* Runs the command with its arguments (argv[0] is the command): its exit
 * status, or -1 when there is no such command. */
static int run_command(const char *command, int argc, char **argv)
{
    if (!strcmp(command, "check"))
        return cs_cmd_check(argc, argv);
    if (!strcmp(command, "run"))
        return cs_cmd_run(argc, argv);
    if (!strcmp(command, "compare"))
        return cs_cmd_compare(argc, argv);
    if (!strcmp(command, "sweep"))
        return cs_cmd_sweep(argc, argv);
    return -1;
}

int cs_cli_main(int argc, char **argv)
{
    cs_init();
    /* A closed pipe on standard output makes a write fail with EPIPE, which
     * the commands report (exit 1, docs/COMMANDS.md), instead of killing the
     * program without a word. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *command = argv[1];
    /* "costsim help run" is "costsim run --help". */
    if (!strcmp(command, "help") && argc == 3) {
        char *help_argv[] = {argv[2], "--help", NULL};
        int status = run_command(argv[2], 2, help_argv);
        if (status >= 0)
            return status;
        command = argv[2]; /* "help nosuch": an unknown command, below */
    }
    if (!strcmp(command, "--help") || !strcmp(command, "-h") || !strcmp(command, "help"))
        return cs_cli_print_stdout(usage);
    if (!strcmp(command, "--version") || !strcmp(command, "-V")) {
        if (argc > 2) {
            fprintf(stderr, "costsim: %s stands alone (no command or option with it)\n", command);
            return 2;
        }
        return cs_cli_print_stdout("costsim " COSTSIM_VERSION "\n");
    }
    int status = run_command(command, argc - 1, argv + 1);
    if (status >= 0)
        return status;
    char *clean = cs_cli_clean_text(command);
    if (command[0] == '-')
        fprintf(stderr, "costsim: unknown option '%s'; before a command only --help and "
                        "--version are allowed\n", clean ? clean : "?");
    else {
        const char *hint = cs_csvin_closest(command, commands);
        fprintf(stderr, "costsim: unknown command '%s'; %s%s%scommands are run, compare, sweep, "
                        "check\n", clean ? clean : "?", hint ? "did you mean '" : "",
                hint ? hint : "", hint ? "'? " : "");
    }
    free(clean);
    return 2;
}
