// The build is the target of ports/targets.json it was configured for: the port lists the
// entry's kernel_tables, in that order (best first). tests/CMakeLists.txt passes them as
// MICROPROP_TEST_KERNEL_TABLES on a registry target's build and disables this test
// elsewhere (on the host the tables depend on the CPU, which host_suite_<table> covers).
#include <doctest/doctest.h>

#include <cstddef>
#include <string>

#include "microprop/kernels.hpp"

#ifdef MICROPROP_TEST_KERNEL_TABLES
TEST_CASE("the port lists the registry's kernel tables, best first") {
    const char* const expected[] = {MICROPROP_TEST_KERNEL_TABLES};
    const std::size_t count = sizeof expected / sizeof expected[0];
    REQUIRE(microprop::kernel_table_count() == count);
    for (std::size_t i = 0; i < count; ++i) {
        CAPTURE(i);
        CHECK(std::string(microprop::kernel_table_at(i).name) == expected[i]);
    }
}
#endif
