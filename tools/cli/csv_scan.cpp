#include "csv_scan.hpp"

#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
// Four plain fields at a time with AVX2, chosen at run time (x86-64 with GCC or clang).
#if defined(__x86_64__) && defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(MICROPROP_CSV_NO_AVX2)
#define MICROPROP_CSV_AVX2 1
#include <immintrin.h>
#else
#define MICROPROP_CSV_AVX2 0
#endif

namespace microprop::cli::detail {

namespace {

constexpr float powers_of_ten[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f};

#if !defined(__SSE2__)
// The bytes of the word equal to zero, as their top bits (exact: no carry crosses bytes).
std::uint64_t zero_bytes(std::uint64_t x) {
    const std::uint64_t low7 = 0x7F7F7F7F7F7F7F7Fu;
    return ~(((x & low7) + low7) | x | low7);
}
#endif

// The common field [s, end), in the reader's padded buffer: an optional minus, then at
// most eight bytes of digits with at most one point among them ("0", "0.0625", "-13.5",
// ".5", "2."). False for anything else (csv.cpp's general path reads it). One 64-bit load: the
// digits after the point are moved one byte down over it, so that the digits sit side by
// side, and all are converted at once. Without branches but the last check (which nearly
// always passes) and the sign: every choice is a mask, so rows that mix "0" and "0.0625"
// cost no mispredictions. Independent of the other fields of the row, so the processor
// works on several fields at once.
inline bool read_plain_field(const char* s, const char* end, float* value) {
    const std::uint64_t negative = *s == '-' ? 1 : 0;
    s += negative;
    const std::uint64_t length = static_cast<std::uint64_t>(end - s);
    const std::uint64_t w = load_eight(s);  // the padding makes eight bytes readable
    // The non-digit bytes of the field (after the XOR a digit is 0..9: adding 0x76 sets
    // the top bit of 10..0x7f, OR-ing the byte that of 0x80..0xff): none, or one point.
    const std::uint64_t x = w ^ 0x3030303030303030u;
    const std::uint64_t in_field = length >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * length)) - 1;
    const std::uint64_t others = ((x + 0x7676767676767676u) | x) & 0x8080808080808080u & in_field;
    const std::uint64_t point_at = static_cast<std::uint64_t>(__builtin_ctzll(others | (std::uint64_t{1} << 63))) >> 3;
    const std::uint64_t has_point = others != 0 ? 1 : 0;
    // The bytes after the point one place down over it (no point: low is all ones).
    const std::uint64_t low = (others >> 7) - 1;
    const std::uint64_t digits_word = (x & low) | ((x >> 8) & ~low);
    const std::uint64_t digits = length - has_point;
    // The first `digits` bytes at the top of the word ("00..0ddd": the same value), then
    // fast_float's parse_eight_digits_unrolled: pairs, then quads, then all eight.
    std::uint64_t v = digits_word << ((8 * (8 - digits)) & 63);
    v = v * 10 + (v >> 8);
    v = (((v & 0x000000FF000000FFu) * 0x000F424000000064u) + (((v >> 16) & 0x000000FF000000FFu) * 0x0000271000000001u)) >>
        32;
    const std::uint64_t m = v & 0xFFFFFFFFu;
    const bool valid = (length - 1 < 8) & (digits != 0) & ((others & (others - 1)) == 0) &
                       (((w >> ((8 * point_at) & 63)) & 0xFF) == '.' || has_point == 0) & (m <= (std::uint64_t{1} << 24));
    if (!valid) return false;
    const std::uint64_t fraction_digits = (length - point_at - 1) & (0 - has_point);
    const float f = static_cast<float>(m) / powers_of_ten[fraction_digits & 7];  // exact operands: one rounding
    *value = negative ? -f : f;
    return true;
}

#if defined(__SSE2__)
// For each byte of a bit mask, the offsets of its set bits (padded with zeros) and their
// count: the positions of the commas of eight bytes in one load (simdjson's method).
struct bit_positions {
    alignas(8) unsigned char offsets[256][8];
    unsigned char counts[256];
};
constexpr bit_positions make_bit_positions() {
    bit_positions t{};
    for (unsigned mask = 0; mask < 256; ++mask) {
        unsigned n = 0;
        for (unsigned bit = 0; bit < 8; ++bit)
            if (mask >> bit & 1) t.offsets[mask][n++] = static_cast<unsigned char>(bit);
        t.counts[mask] = static_cast<unsigned char>(n);
    }
    return t;
}
constexpr bit_positions positions_of_bits = make_bit_positions();

// Appends base + the offset of each set bit of the 8-bit mask to `out` (eight values
// always written: room for them is the caller's); the count.
unsigned append_positions(unsigned mask, std::uint32_t base, std::uint32_t* out) {
    const __m128i zero = _mm_setzero_si128();
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(positions_of_bits.offsets[mask]));
    const __m128i halves = _mm_unpacklo_epi8(bytes, zero);
    const __m128i start = _mm_set1_epi32(static_cast<int>(base));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_add_epi32(_mm_unpacklo_epi16(halves, zero), start));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 4), _mm_add_epi32(_mm_unpackhi_epi16(halves, zero), start));
    return positions_of_bits.counts[mask];
}
#endif

#if MICROPROP_CSV_AVX2
// read_plain_field on four fields at once, one per 64-bit lane (the same steps: AVX2 has
// per-lane variable shifts; the final multiplications become 32 x 32-bit products, and
// the division is the same IEEE division). Field c of the row is [ends[c] + 1, ends[c + 1])
// (ends[0] is -1). True, with the four floats at out, if all four are plain.
__attribute__((target("avx2"), always_inline)) inline bool read_four_plain_fields(const char* begin,
                                                                                   const std::uint32_t* ends,
                                                                                   float* out) {
    // The words and lengths go to the vector registers from general registers: built in
    // memory and loaded as one vector, they would stall on store forwarding.
    std::int64_t words[4], lengths[4];
    unsigned signs = 0;
    for (int k = 0; k < 4; ++k) {
        const char* s = begin + static_cast<std::uint32_t>(ends[k] + 1);
        const unsigned negative = *s == '-' ? 1 : 0;
        signs |= negative << k;
        s += negative;
        std::memcpy(&words[k], s, 8);  // the padding covers the last field
        lengths[k] = static_cast<std::int64_t>(begin + ends[k + 1] - s);
    }
    const __m256i w = _mm256_set_epi64x(words[3], words[2], words[1], words[0]);
    const __m256i length = _mm256_set_epi64x(lengths[3], lengths[2], lengths[1], lengths[0]);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i ones = _mm256_set1_epi64x(-1);
    const __m256i x = _mm256_xor_si256(w, _mm256_set1_epi8(0x30));
    // The field's bytes (sllv gives 0 for a shift of 64: all eight bytes).
    const __m256i in_field = _mm256_xor_si256(_mm256_sllv_epi64(ones, _mm256_slli_epi64(length, 3)), ones);
    const __m256i others = _mm256_and_si256(
        _mm256_and_si256(_mm256_or_si256(_mm256_add_epi64(x, _mm256_set1_epi8(0x76)), x), _mm256_set1_epi8(-128)),
        in_field);
    const __m256i low = _mm256_sub_epi64(_mm256_srli_epi64(others, 7), _mm256_set1_epi64x(1));
    const __m256i digits_word =
        _mm256_or_si256(_mm256_and_si256(x, low), _mm256_andnot_si256(low, _mm256_srli_epi64(x, 8)));
    const __m256i no_point = _mm256_cmpeq_epi64(others, zero);      // all ones: no point
    const __m256i digits = _mm256_add_epi64(length, _mm256_andnot_si256(no_point, ones));  // length - has_point
    __m256i v = _mm256_sllv_epi64(digits_word, _mm256_slli_epi64(_mm256_sub_epi64(_mm256_set1_epi64x(8), digits), 3));
    v = _mm256_add_epi64(_mm256_add_epi64(_mm256_slli_epi64(v, 3), _mm256_slli_epi64(v, 1)), _mm256_srli_epi64(v, 8));
    const __m256i pair_mask = _mm256_set1_epi64x(0x000000FF000000FF);
    const __m256i a = _mm256_and_si256(v, pair_mask);                         // pairs 0 and 2
    const __m256i b = _mm256_and_si256(_mm256_srli_epi64(v, 16), pair_mask);  // pairs 1 and 3
    const __m256i m = _mm256_add_epi64(
        _mm256_add_epi64(_mm256_mul_epu32(a, _mm256_set1_epi64x(1000000)), _mm256_mul_epu32(b, _mm256_set1_epi64x(10000))),
        _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), _mm256_set1_epi64x(100)), _mm256_srli_epi64(b, 32)));
    // The checks: 1 to 8 bytes, a digit, at most one non-digit and it a point, m exact.
    const __m256i points = _mm256_cmpeq_epi8(w, _mm256_set1_epi8('.'));
    __m256i bad = _mm256_or_si256(_mm256_cmpgt_epi64(_mm256_set1_epi64x(1), length),
                                  _mm256_cmpgt_epi64(length, _mm256_set1_epi64x(8)));
    bad = _mm256_or_si256(bad, _mm256_cmpeq_epi64(digits, zero));
    bad = _mm256_or_si256(bad, _mm256_xor_si256(_mm256_cmpeq_epi64(_mm256_and_si256(others, _mm256_add_epi64(others, ones)),
                                                                    zero),
                                                ones));
    bad = _mm256_or_si256(bad, _mm256_xor_si256(_mm256_cmpeq_epi64(_mm256_andnot_si256(points, others), zero), ones));
    bad = _mm256_or_si256(bad, _mm256_cmpgt_epi64(m, _mm256_set1_epi64x(std::int64_t{1} << 24)));
    if (_mm256_movemask_epi8(bad) != 0) return false;
    // Digits after the point: the digits less those below it (bytes of `low`, 8 if none).
    const __m256i below = _mm256_sad_epu8(_mm256_and_si256(low, _mm256_set1_epi8(1)), zero);
    const __m256i fraction = _mm256_andnot_si256(no_point, _mm256_sub_epi64(digits, below));
    // The low halves of the four lanes, as four 32-bit values.
    const __m256i gather_low = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const __m128i m32 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(m, gather_low));
    const __m128i f32 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(fraction, gather_low));
    const __m256 powers = _mm256_setr_ps(1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f);
    const __m128 divisor = _mm256_castps256_ps128(_mm256_permutevar8x32_ps(powers, _mm256_castsi128_si256(f32)));
    __m128 f = _mm_div_ps(_mm_cvtepi32_ps(m32), divisor);  // exact operands: one rounding each
    const __m128i sign = _mm_slli_epi32(_mm_setr_epi32(static_cast<int>(signs & 1), static_cast<int>(signs >> 1 & 1),
                                                       static_cast<int>(signs >> 2 & 1), static_cast<int>(signs >> 3 & 1)),
                                        31);
    f = _mm_xor_ps(f, _mm_castsi128_ps(sign));
    _mm_storeu_ps(out, f);
    return true;
}

// The fields of a row four at a time, from the first: how many were read (a multiple of
// four), fewer than `count` rounded down if one of a group is not plain.
__attribute__((target("avx2"))) std::size_t read_plain_fields_avx2(const char* begin, const std::uint32_t* ends,
                                                                    std::size_t count, float* out) {
    std::size_t c = 0;
    for (; c + 4 <= count; c += 4)
        if (!read_four_plain_fields(begin, ends + c, out + c)) break;
    return c;
}

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2");
    return has;
}
#endif

}  // namespace

std::size_t find_line_break(const char* b, std::size_t from, std::size_t end) {
#if defined(__SSE2__)
    const __m128i newline = _mm_set1_epi8('\n');
    const __m128i carriage_return = _mm_set1_epi8('\r');
    for (std::size_t at = from; at < end; at += 16) {  // the padding covers the last block
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + at));
        const unsigned mask = static_cast<unsigned>(
            _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(bytes, newline), _mm_cmpeq_epi8(bytes, carriage_return))));
        if (mask != 0) {
            const std::size_t found = at + static_cast<std::size_t>(__builtin_ctz(mask));
            return found < end ? found : end;
        }
    }
    return end;
#else
    const void* newline = std::memchr(b + from, '\n', end - from);
    const std::size_t limit = newline != nullptr ? static_cast<std::size_t>(static_cast<const char*>(newline) - b) : end;
    const void* carriage_return = std::memchr(b + from, '\r', limit - from);
    return carriage_return != nullptr ? static_cast<std::size_t>(static_cast<const char*>(carriage_return) - b) : limit;
#endif
}

// The commas are found first, 16 bytes at a time (SSE2, their offsets from a table) or 8
// (elsewhere), so that each field's bounds are known before it is read; then the fields,
// four at a time with AVX2 where the CPU has it.
bool read_plain_row(const char* line, std::size_t size, std::size_t columns, std::uint32_t* ends, float* row) {
    const char* const begin = line;
    const char* const e = begin + size;
    // ends[0] is -1, the field before the first; ends[1..] the commas, then the line's end.
    ends[0] = static_cast<std::uint32_t>(-1);
    std::uint32_t* const commas = ends + 1;
    std::size_t found = 0;
    bool quoted = false;
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i quote = _mm_set1_epi8('"');
    for (const char* at = begin; at < e; at += 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));  // the padding covers it
        unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, comma)));
        unsigned quotes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, quote)));
        if (e - at < 16) {  // the line's last bytes: what follows is not the line's
            const unsigned inside = (1u << (e - at)) - 1;
            mask &= inside;
            quotes &= inside;
        }
        quoted = quoted || quotes != 0;
        if (found >= columns) return false;  // more fields than the first row
        const std::uint32_t base = static_cast<std::uint32_t>(at - begin);
        found += append_positions(mask & 0xFF, base, commas + found);
        found += append_positions(mask >> 8, base + 8, commas + found);
    }
#else
    for (const char* at = begin; at < e; at += 8) {
        const std::uint64_t w = load_eight(at);
        std::uint64_t mask = zero_bytes(w ^ 0x2C2C2C2C2C2C2C2Cu);
        std::uint64_t quotes = zero_bytes(w ^ 0x2222222222222222u);
        if (e - at < 8) {
            const std::uint64_t inside = (std::uint64_t{1} << (8 * (e - at))) - 1;
            mask &= inside;
            quotes &= inside;
        }
        quoted = quoted || quotes != 0;
        if (found >= columns) return false;
        const std::uint32_t base = static_cast<std::uint32_t>(at - begin);
        for (; mask != 0; mask &= mask - 1)
            commas[found++] = base + (static_cast<std::uint32_t>(__builtin_ctzll(mask)) >> 3);
    }
#endif
    if (found + 1 != columns || quoted) return false;
    commas[found] = static_cast<std::uint32_t>(size);
    // Field c is [ends[c] + 1, ends[c + 1]).
    std::size_t c = 0;
#if MICROPROP_CSV_AVX2
    if (cpu_has_avx2()) {
        c = read_plain_fields_avx2(begin, ends, columns, row);
        if (columns - c >= 4) return false;  // a group with a field that is not plain
    }
#endif
    bool ok = true;
    for (; c < columns; ++c)
        ok &= read_plain_field(begin + static_cast<std::uint32_t>(ends[c] + 1), begin + ends[c + 1], &row[c]);
    return ok;
}


}  // namespace microprop::cli::detail
