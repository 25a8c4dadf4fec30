// Linked into every firmware image: the heap is poisoned. The linker turns each call to a
// newlib allocator entry NAME into a call to __wrap_NAME (CMakeLists.txt: -Wl,--wrap=NAME,
// the reentrant _malloc_r family and _sbrk included, so newlib's own callers are caught
// too), and global operator new/delete are replaced: the first allocation, by anyone,
// ends the run with a failure.
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <new>

namespace {

[[noreturn]] void heap_used(const char* what) {
    const char* parts[] = {"firmware: FAILED, heap used through ", what, "\n"};
    for (const char* p : parts) {
        const ssize_t ignored = write(2, p, std::strlen(p));
        (void)ignored;
    }
    _exit(1);
}

}  // namespace

extern "C" {
void* __wrap_malloc(std::size_t) { heap_used("malloc"); }
void* __wrap_calloc(std::size_t, std::size_t) { heap_used("calloc"); }
void* __wrap_realloc(void*, std::size_t) { heap_used("realloc"); }
void __wrap_free(void*) { heap_used("free"); }
void* __wrap__malloc_r(void*, std::size_t) { heap_used("_malloc_r"); }
void* __wrap__calloc_r(void*, std::size_t, std::size_t) { heap_used("_calloc_r"); }
void* __wrap__realloc_r(void*, void*, std::size_t) { heap_used("_realloc_r"); }
void __wrap__free_r(void*, void*) { heap_used("_free_r"); }
void* __wrap__sbrk(std::ptrdiff_t) { heap_used("_sbrk"); }
}

void* operator new(std::size_t) { heap_used("operator new"); }
void* operator new[](std::size_t) { heap_used("operator new[]"); }
void operator delete(void*) noexcept { heap_used("operator delete"); }
void operator delete[](void*) noexcept { heap_used("operator delete[]"); }
void operator delete(void*, std::size_t) noexcept { heap_used("operator delete"); }
void operator delete[](void*, std::size_t) noexcept { heap_used("operator delete[]"); }
