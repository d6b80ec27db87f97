#ifndef OS_FLOOR_H
#define OS_FLOOR_H
/* `osteosim floor`: the benchmark's lower bound (scripts/bench.sh). */
int os_cmd_floor(int argc, char **argv);
#endif
