// Chooses the kernel table once, among the tables the port lists (best first).
#include <cstdlib>
#include <cstring>

// Hosted systems have a stderr a person reads; bare-metal firmware has none (and no
// environment: getenv returns null there).
#if defined(__unix__) || defined(__APPLE__) || defined(_WIN32)
#define MICROPROP_KERNELS_WARN_ON_STDERR 1
#include <cstdio>
#else
#define MICROPROP_KERNELS_WARN_ON_STDERR 0
#endif

#include "microprop/kernels.hpp"

namespace microprop {
namespace {

constexpr std::size_t max_tables = 8;

struct table_list {
    const kernel_table* tables[max_tables];
    std::size_t count;
};

// Plain globals, filled on first use: no function-local statics, whose thread-safe
// guards would pull the C++ exception runtime (and its heap-allocated emergency pool)
// into bare-metal firmware.
table_list tables;                      // count == 0 until listed
const kernel_table* active = nullptr;  // null until chosen

const table_list& runnable_tables() {
    if (tables.count == 0) {
        tables.count = detail::port_kernel_tables(tables.tables, max_tables);
    }
    return tables;
}

const kernel_table* find_table(const char* name) {
    const table_list& l = runnable_tables();
    for (std::size_t i = 0; i < l.count; ++i)
        if (std::strcmp(l.tables[i]->name, name) == 0) return l.tables[i];
    return nullptr;
}

// One line on stderr when MICROPROP_KERNELS names no table this CPU runs (a typo, another
// case, a table of another instruction set): the default is used, and the user is told
// which names would have worked.
void warn_unknown_table(const char* wanted) {
#if MICROPROP_KERNELS_WARN_ON_STDERR
    const table_list& l = runnable_tables();
    std::fputs("microprop: MICROPROP_KERNELS=\"", stderr);
    std::fputs(wanted, stderr);
    std::fputs("\" names no kernel table this CPU runs (", stderr);
    for (std::size_t i = 0; i < l.count; ++i) {
        if (i > 0) std::fputs(", ", stderr);
        std::fputs(l.tables[i]->name, stderr);
    }
    std::fputs("); using ", stderr);
    std::fputs(l.tables[0]->name, stderr);
    std::fputs("\n", stderr);
#else
    (void)wanted;
#endif
}

const kernel_table* initial_table() {
    const char* wanted = std::getenv("MICROPROP_KERNELS");
    if (wanted != nullptr && *wanted != '\0') {
        if (const kernel_table* t = find_table(wanted)) return t;
        warn_unknown_table(wanted);
    }
    return runnable_tables().tables[0];
}

}  // namespace

std::size_t kernel_table_count() { return runnable_tables().count; }

const kernel_table& kernel_table_at(std::size_t index) {
    const table_list& l = runnable_tables();
    return *l.tables[index < l.count ? index : l.count - 1];
}

const kernel_table& active_kernels() {
    if (active == nullptr) active = initial_table();
    return *active;
}

namespace {
// Chosen during static initialisation, before main() can start a thread, so the first
// choice is never raced; a static constructor elsewhere that trains early still works.
// (A function, not `&active_kernels() != nullptr`: clang rightly calls that comparison
// always true and warns.)
bool choose_now() {
    active_kernels();
    return true;
}
const bool chosen_before_main = choose_now();
}  // namespace

bool select_kernels(const char* name) {
    const kernel_table* t = name != nullptr ? find_table(name) : nullptr;
    if (t == nullptr) return false;
    active = t;
    return true;
}

}  // namespace microprop
