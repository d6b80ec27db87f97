#include "cli.h"

int main(int argc, char **argv)
{
    return os_cli_main(argc, argv);
}
