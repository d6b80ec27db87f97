#ifndef OS_CLI_H
#define OS_CLI_H
/* Entry point of the `osteosim` command; returns the exit code. */
int os_cli_main(int argc, char **argv);
#endif
