/* costsim: the command line. All work is in cli.c and the core library. */
#include "cli.h"

int main(int argc, char **argv) { return cs_cli_main(argc, argv); }
