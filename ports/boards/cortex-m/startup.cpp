// Reset and fault handling shared by every Cortex-M board (ports/boards/cortex-m).
//
// The reset handler grants the FPU (and, on Armv8.1-M, Helium) full access, prepares the
// C and C++ runtime of newlib and calls main; semihosting (librdimon, --specs=rdimon.specs)
// carries stdio, the command line and the exit status to the host.
//
// Why not newlib's own _start (rdimon-crt0)? It takes the stack and the heap limit from the
// semihosting call SYS_HEAPINFO, whose answer depends on the QEMU machine: on mps3-an547 it
// is the 512 KB ITCM the code is in, so malloc always failed there. Here the linker script
// alone decides the memory layout (cortex-m.ld), the same way on every board.
//
// .data is not copied: QEMU loads every ELF segment where it runs. A board that boots from
// flash needs the copy loop here.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" {

// From cortex-m.ld.
extern std::uint32_t __bss_start__[], __bss_end__[];
extern char __heap_end[], __stack_limit[], __stack_top[];

// From newlib and librdimon.
void initialise_monitor_handles();  // opens stdin, stdout, stderr on the host console
void __libc_init_array();           // static constructors
void __libc_fini_array();           // static destructors
extern char* __heap_limit;          // _sbrk fails rather than grow the heap past this
// The program's main, named through its symbol: ISO C++ forbids calling ::main.
int microprop_program_main(int argc, char** argv) __asm__("main");

}  // extern "C"

namespace {

// Semihosting operations (Arm "Semihosting for AArch32 and AArch64", version 2).
constexpr std::uint32_t sys_write0 = 0x04;
constexpr std::uint32_t sys_get_cmdline = 0x15;
constexpr std::uint32_t sys_exit = 0x18;
constexpr std::uint32_t adp_stopped_run_time_error_unknown = 0x20023;

std::uint32_t semihosting(std::uint32_t operation, const void* argument) {
    register std::uint32_t r0 __asm__("r0") = operation;
    register const void* r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

// The host command line (QEMU: the image name, then -append's text), split at spaces.
constexpr std::size_t max_args = 16;
char command_line[256];
char* arguments[max_args + 1];

int split_command_line() {
    struct {
        char* buffer;
        std::size_t size;
    } block{command_line, sizeof command_line - 1};
    if (semihosting(sys_get_cmdline, &block) != 0) return 0;
    command_line[block.size < sizeof command_line ? block.size : sizeof command_line - 1] = '\0';
    int argc = 0;
    for (char* p = command_line; *p != '\0' && argc < static_cast<int>(max_args);) {
        while (*p == ' ') *p++ = '\0';
        if (*p == '\0') break;
        arguments[argc++] = p;
        while (*p != '\0' && *p != ' ') ++p;
    }
    arguments[argc] = nullptr;
    return argc;
}

}  // namespace

extern "C" {

[[noreturn]] void microprop_reset() {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    // CPACR: CP10 and CP11 (FPU and MVE) full access, before any floating-point code.
    auto& cpacr = *reinterpret_cast<volatile std::uint32_t*>(0xE000ED88u);
    cpacr = cpacr | (0xFu << 20);
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
    // Armv8-M checks the stack limit in hardware: an overflow faults instead of
    // silently overwriting the heap.
    __asm__ volatile("msr msplim, %0" : : "r"(__stack_limit));
#endif
    for (std::uint32_t* p = __bss_start__; p < __bss_end__; ++p) *p = 0;
    __heap_limit = __heap_end;
    initialise_monitor_handles();
    const int argc = split_command_line();
    std::atexit(__libc_fini_array);
    __libc_init_array();
    std::exit(microprop_program_main(argc, arguments));
}

// Any fault ends the run with a failure (QEMU exits with status 1) instead of spinning
// until the test times out. Prints the exception number and the fault status registers.
[[noreturn]] void microprop_fault() {
    std::uint32_t exception;
    __asm__ volatile("mrs %0, ipsr" : "=r"(exception));
    const auto cfsr = *reinterpret_cast<volatile std::uint32_t*>(0xE000ED28u);
    const auto hfsr = *reinterpret_cast<volatile std::uint32_t*>(0xE000ED2Cu);
    char text[] = "microprop: fault, exception 0x??, CFSR 0x????????, HFSR 0x????????\n";
    const auto put_hex = [&text](std::size_t at, std::uint32_t value, int digits) {
        for (int d = digits - 1; d >= 0; --d, value >>= 4)
            text[at + static_cast<std::size_t>(d)] = "0123456789abcdef"[value & 0xF];
    };
    put_hex(30, exception & 0x1FF, 2);
    put_hex(41, cfsr, 8);
    put_hex(58, hfsr, 8);
    semihosting(sys_write0, text);
    semihosting(sys_exit, reinterpret_cast<const void*>(adp_stopped_run_time_error_unknown));
    for (;;) {
    }
}

// Initial stack pointer and reset, then NMI, HardFault, MemManage, BusFault, UsageFault
// and SecureFault (Armv8-M): every fault ends the run. Interrupts are never enabled.
using vector = void (*)();
__attribute__((section(".vectors"), used)) const vector microprop_vectors[] = {
    reinterpret_cast<vector>(__stack_top), microprop_reset, microprop_fault, microprop_fault,
    microprop_fault, microprop_fault, microprop_fault, microprop_fault};

}  // extern "C"
