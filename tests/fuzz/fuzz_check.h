/* fuzz_check.h - CHECK(cond, fmt, ...) for the fuzz harnesses: a failed
 * check prints where and why, then aborts, so libFuzzer keeps the input. */
#ifndef PCSV_FUZZ_CHECK_H
#define PCSV_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

/* A harness may name more to print after a failed check: define
 * FUZZ_CHECK_MORE to a string expression (fuzz_parse: its configuration). */
#ifndef FUZZ_CHECK_MORE
#define FUZZ_CHECK_MORE ""
#endif

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n  ", __FILE__, __LINE__, #cond);             \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n%s", FUZZ_CHECK_MORE);                                              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
