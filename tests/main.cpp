// The test runner. With MICROPROP_TEST_TABLE set (ctest's host_suite_<table> tests), the
// whole suite runs on that kernel table; a table this CPU cannot run is reported as
// skipped (exit 77), not as passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

#include "microprop/kernels.hpp"

int main(int argc, char** argv) {
    if (const char* table = std::getenv("MICROPROP_TEST_TABLE")) {
        if (!microprop::select_kernels(table)) {
            std::printf("skipped: kernel table %s does not run on this CPU\n", table);
            return 77;
        }
        std::printf("suite on kernel table %s\n", microprop::active_kernels().name);
    }
    doctest::Context context(argc, argv);
    return context.run();
}
