// Lists the xsimd tables this CPU can execute, best first. Compiled with the default
// flags: it must run anywhere, and only ever takes the address of the other tables.
// kernel_select.cpp chooses among them.
#include <cstdint>

#include "kernels_xsimd.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

namespace microprop {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
// xsimd 8.1 reads only CPUID. The OS must also save the wide registers on a context
// switch (XCR0), or the first AVX instruction faults; virtual machines can hide them.
std::uint64_t os_saved_state() {
#if defined(__GNUC__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0 || (ecx & bit_OSXSAVE) == 0) return 0;
    std::uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<std::uint64_t>(hi) << 32) | lo;
#else
    return ~std::uint64_t{0};  // trust CPUID
#endif
}

constexpr std::uint64_t xcr0_avx = 0x6;      // XMM and YMM state
constexpr std::uint64_t xcr0_avx512 = 0xe6;  // plus opmask and the upper ZMM state

// For xsimd::dispatch: the table of the architecture it selects.
struct table_of {
    template <class Arch>
    const kernel_table* operator()(Arch) const {
        return &xsimd_port::xsimd_kernels<Arch>();
    }
};
#endif

}  // namespace

namespace detail {

std::size_t port_kernel_tables(const kernel_table** tables, std::size_t capacity) {
    std::size_t count = 0;
    const auto add = [&](const kernel_table& t) {
        if (count < capacity) tables[count++] = &t;
    };
#if defined(__x86_64__) || defined(_M_X64)
    // xsimd::dispatch names the best of our instruction sets that the CPU reports; the
    // tables from it downwards are listed if the CPU and the OS (XCR0) both run them.
    using x86_tables = xsimd::arch_list<xsimd::avx512f, xsimd::fma3<xsimd::avx2>, xsimd::sse2>;
    const kernel_table* best = xsimd::dispatch<x86_tables>(table_of{})();
    const auto cpu = xsimd::available_architectures();
    const std::uint64_t os = os_saved_state();
    const struct {
        const kernel_table& table;
        bool runs;
    } candidates[] = {
        {xsimd_port::xsimd_kernels<xsimd::avx512f>(),
         cpu.avx512f && cpu.avx512dq && (os & xcr0_avx512) == xcr0_avx512},
        {xsimd_port::xsimd_kernels<xsimd::fma3<xsimd::avx2>>(),
         cpu.fma3_avx2 && (os & xcr0_avx) == xcr0_avx},
        {xsimd_port::xsimd_kernels<xsimd::sse2>(), cpu.sse2 != 0},
    };
    bool reached_best = false;
    for (const auto& c : candidates) {
        reached_best = reached_best || &c.table == best;
        if (reached_best && c.runs) add(c.table);
    }
#elif defined(__aarch64__) || defined(_M_ARM64)
    add(xsimd_port::xsimd_kernels<xsimd::neon64>());
#endif
    add(scalar_kernels());  // the reference, last: selectable for comparisons
    return count;
}

}  // namespace detail
}  // namespace microprop
