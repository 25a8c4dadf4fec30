// The CSV reader's fast paths (csv_scan.cpp), over its buffer: the line breaks, and rows
// of plain numbers ("0", "0.0625", "-13.5": at most eight bytes with at most one point),
// which are most rows of most files. Everything else goes to the general path of csv.cpp,
// which also names every problem; these functions only say "not plain".
//
// The buffer must hold scan_padding readable bytes after `end` (the reader keeps zeros
// there): the scans load 16 bytes at a time, and a field its 8 bytes. Conversion is exact:
// a plain field has at most eight digits, so its value m < 10^8 and, when m <= 2^24, m and
// the power of ten are exact floats and one IEEE division gives the bits std::from_chars
// gives (Clinger's fast path); larger m is "not plain".
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace microprop::cli::detail {

inline constexpr std::size_t scan_padding = 16;

// The first `count` bytes at p (count <= 8) as a little-endian word, zeros above them:
// eight characters of a field at once.
inline std::uint64_t load_eight(const char* p, std::size_t count = 8) {
    unsigned char bytes[8] = {};
    std::memcpy(bytes, p, count);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    std::uint64_t w;
    std::memcpy(&w, bytes, 8);
#else
    std::uint64_t w = 0;
    for (int i = 7; i >= 0; --i) w = w << 8 | bytes[i];
#endif
    return w;
}

// The offset of the first \n or \r in [from, end) of `buffer`, or end.
std::size_t find_line_break(const char* buffer, std::size_t from, std::size_t end);

// The row [line, line + size) as `columns` plain fields into row: true. False if the row
// is anything else: another number of fields, a quote, a field that is not plain (row
// is then partly written). ends has room for columns + 24 offsets (the fields' bounds).
bool read_plain_row(const char* line, std::size_t size, std::size_t columns, std::uint32_t* ends, float* row);

}  // namespace microprop::cli::detail
