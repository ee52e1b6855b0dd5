/* cli: the costsim command line: picks the subcommand, prints help. */
#ifndef CS_CLI_H
#define CS_CLI_H

/* Runs costsim with argv as given to main; returns the exit status. */
int cs_cli_main(int argc, char **argv);

#endif
