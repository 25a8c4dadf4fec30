// Output for the firmware images: write() straight to the semihosting console, integers
// only. printf would make newlib allocate its stdio buffers (the heap is poisoned), and
// its "%f" allocates as well.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace firmware {

inline void print(const char* text) {
    const ssize_t ignored = write(1, text, std::strlen(text));
    (void)ignored;
}

inline void print(std::uint32_t value) {
    char text[12];
    std::size_t n = sizeof text - 1;
    text[n] = '\0';
    do {
        text[--n] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    print(text + n);
}

}  // namespace firmware
