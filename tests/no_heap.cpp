// Proof that the library never touches the heap: in this program, once main() has
// started, global operator new/delete and malloc, calloc, realloc, free, aligned_alloc and
// posix_memalign abort. It then trains both network forms to convergence.
//
// (Before main, the C and C++ runtimes of the host allocate for themselves, which is why
// the trap is armed at the top of main. On the Cortex-M boards the firmware goes further
// and has no heap at all.)
//
// Plain main, no test framework: doctest itself allocates.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "microprop/microprop.hpp"
#include "microprop/random.hpp"

extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);
extern "C" void __libc_free(void*);
extern "C" void* __libc_memalign(std::size_t, std::size_t);

namespace {

volatile bool heap_forbidden = false;

void say(const char* text) {
    const ssize_t ignored = write(2, text, std::strlen(text));
    (void)ignored;
}

void* trap(const char* what) {
    say("no_heap: the library called ");
    say(what);
    say("\n");
    std::abort();
}

}  // namespace

extern "C" {
void* malloc(std::size_t n) { return heap_forbidden ? trap("malloc") : __libc_malloc(n); }
void* calloc(std::size_t n, std::size_t s) { return heap_forbidden ? trap("calloc") : __libc_calloc(n, s); }
void* realloc(void* p, std::size_t n) { return heap_forbidden ? trap("realloc") : __libc_realloc(p, n); }
void free(void* p) {
    if (heap_forbidden && p != nullptr) trap("free");
    __libc_free(p);
}
void* aligned_alloc(std::size_t a, std::size_t n) { return heap_forbidden ? trap("aligned_alloc") : __libc_memalign(a, n); }
int posix_memalign(void** out, std::size_t a, std::size_t n) {
    if (heap_forbidden) trap("posix_memalign");
    *out = __libc_memalign(a, n);
    return *out != nullptr ? 0 : 12;
}
}

void* operator new(std::size_t n) { return heap_forbidden ? trap("operator new") : __libc_malloc(n); }
void* operator new[](std::size_t n) { return heap_forbidden ? trap("operator new[]") : __libc_malloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return heap_forbidden ? trap("operator new") : __libc_malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return heap_forbidden ? trap("operator new[]") : __libc_malloc(n); }
void* operator new(std::size_t n, std::align_val_t a) { return heap_forbidden ? trap("operator new") : __libc_memalign(static_cast<std::size_t>(a), n); }
void* operator new[](std::size_t n, std::align_val_t a) { return heap_forbidden ? trap("operator new[]") : __libc_memalign(static_cast<std::size_t>(a), n); }
void operator delete(void* p) noexcept { if (heap_forbidden && p) trap("operator delete"); __libc_free(p); }
void operator delete[](void* p) noexcept { if (heap_forbidden && p) trap("operator delete[]"); __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { if (heap_forbidden && p) trap("operator delete"); __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { if (heap_forbidden && p) trap("operator delete[]"); __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { if (heap_forbidden && p) trap("operator delete"); __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { if (heap_forbidden && p) trap("operator delete[]"); __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { if (heap_forbidden && p) trap("operator delete"); __libc_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { if (heap_forbidden && p) trap("operator delete[]"); __libc_free(p); }

namespace {

using namespace microprop;

// A 4-class stream in 8 dimensions (class c centred at +-2 on axis c).
struct stream {
    splitmix64 rng{2};
    std::uint32_t next(float* x) {
        const std::uint32_t c = static_cast<std::uint32_t>(rng.next() % 4);
        for (std::uint32_t i = 0; i < 8; ++i)
            x[i] = (rng.uniform() + rng.uniform() + rng.uniform() - 1.5f) + (i == c ? 2.0f : 0.0f);
        return c;
    }
};

// Trains online, then measures accuracy on fresh samples, in per mille.
template <class Net>
int train_and_score(Net& net) {
    stream s;
    float x[8], y[4];
    for (int i = 0; i < 4000; ++i) {
        const std::uint32_t c = s.next(x);
        if (net.train_step(x, c, 0.05f) != status::ok) return -1;
    }
    int correct = 0;
    for (int i = 0; i < 1000; ++i) {
        const std::uint32_t c = s.next(x);
        if (net.predict(x, y) != status::ok) return -1;
        std::uint32_t best = 0;
        for (std::uint32_t k = 1; k < 4; ++k) best = y[k] > y[best] ? k : best;
        correct += best == c;
    }
    return correct;
}

Mlp<8, Dense<16, Sigmoid>, Dense<4, Softmax>> fixed_net(1);
alignas(vector_alignment) unsigned char arena[8192];

// The trap must be live, or this program proves nothing: a child process that allocates
// after arming it has to die of SIGABRT.
bool trap_is_armed() {
    const pid_t child = fork();
    if (child == 0) {
        close(2);  // the trap's message is expected here, not news
        heap_forbidden = true;
        void* volatile p = std::malloc(16);
        (void)p;
        _exit(0);  // reached only if malloc did not trap
    }
    int st = 0;
    waitpid(child, &st, 0);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

}  // namespace

int main() {
    if (!trap_is_armed()) {
        say("no_heap: FAILED, the allocation trap does not fire\n");
        return 1;
    }
    // Kernel selection reads the environment once; do it before arming, as a program
    // would at start-up. (It does not allocate either; this keeps the proof about training.)
    const char* kernels = active_kernels().name;
    heap_forbidden = true;

    const int fixed_score = train_and_score(fixed_net);

    const network_shape shape{8, 3, {{16, activation::tanh}, {8, activation::sigmoid}, {4, activation::softmax}}};
    Network dynamic;
    const status created = Network::create(shape, arena, sizeof arena, &dynamic);
    const int dynamic_score = created == status::ok ? train_and_score(dynamic) : -1;

    heap_forbidden = false;
    std::printf("no_heap (%s kernels): Mlp accuracy %d/1000, Network accuracy %d/1000\n", kernels,
                fixed_score, dynamic_score);
    return fixed_score >= 950 && dynamic_score >= 950 ? 0 : 1;
}
