// The check every fuzz harness stops on: a failed oracle prints which one and aborts, and
// libFuzzer saves the input that did it as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>

#define MICROPROP_FUZZ_CHECK(cond)                                                        \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: fuzz oracle failed: %s\n", __FILE__, __LINE__,  \
                         #cond);                                                          \
            std::abort();                                                                 \
        }                                                                                 \
    } while (0)
