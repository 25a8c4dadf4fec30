#include "csv.hpp"

#include <charconv>
#include <cstring>
#include <system_error>

#include "csv_scan.hpp"

namespace microprop::cli {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
    std::size_t begin = 0, end = s.size();
    while (begin < end && is_blank(s[begin])) ++begin;
    while (end > begin && is_blank(s[end - 1])) --end;
    return s.substr(begin, end - begin);
}

bool equals_lowercase(std::string_view s, std::string_view lower) {
    if (s.size() != lower.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
        if (c != lower[i]) return false;
    }
    return true;
}

// The syntax of a number, read from `p` up to the first byte that cannot continue it.
// Decimal digits are gathered into a 64-bit integer m and a power of ten, so that most
// numbers convert with one float multiplication or division: when m <= 2^24 and the power
// is within +-10, both operands are exact floats and IEEE arithmetic rounds the one
// operation correctly (Clinger's fast path), which gives the bits std::from_chars gives.
// Other numbers (more digits, larger powers) go through std::from_chars.
//
// Digits are read eight at a time from a 64-bit load (SWAR): the count of leading digits
// from one add and one count of trailing zeros, their value from three multiplications
// (the method of fast_float's parse_eight_digits_unrolled). No branch depends on each
// digit, so fields of varying length ("0", "0.0625", "13") cost no mispredicted loops.
struct scanned_number {
    const char* end = nullptr;  // the first byte after the number
    bool valid = false;         // digits, and a complete exponent if there is one
    bool exact = false;         // `value` is the correctly rounded float
    float value = 0.0f;
};

constexpr float powers_of_ten[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
constexpr std::uint64_t integer_powers_of_ten[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

// The eight bytes at p as a little-endian word. `padded`: the caller guarantees eight
// readable bytes (the reader's buffer keeps zeros after its data); otherwise the bytes
// past `e` read as zeros.
template <bool padded>
std::uint64_t load_field_word(const char* p, const char* e) {
    return detail::load_eight(p, padded || e - p >= 8 ? 8 : static_cast<std::size_t>(e - p));
}

// Leading decimal digits of the word (0 to 8). After the XOR a digit byte is 0..9; adding
// 0x76 sets the top bit of any byte from 10 to 0x7f, and OR-ing the byte itself that of
// any byte from 0x80. A carry can only leave a byte that is already flagged and only
// disturb bytes after it, so the lowest flagged byte is the first non-digit.
unsigned leading_digits(std::uint64_t w) {
    const std::uint64_t x = w ^ 0x3030303030303030u;
    const std::uint64_t flags = ((x + 0x7676767676767676u) | x) & 0x8080808080808080u;
    return flags == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(flags)) >> 3;
}

// The value of the first n (1 to 8) digits of the word.
std::uint64_t digits_value(std::uint64_t w, unsigned n) {
    std::uint64_t v = (w ^ 0x3030303030303030u) << (8 * (8 - n));  // "00..0d1..dn": the same value
    v = v * 10 + (v >> 8);
    v = (((v & 0x000000FF000000FFu) * 0x000F424000000064u) + (((v >> 16) & 0x000000FF000000FFu) * 0x0000271000000001u)) >>
        32;
    return v & 0xFFFFFFFFu;
}

// Reads a run of digits at *s (before e) into m: the count. Digits beyond the 19th
// (m < 10^19 < 2^64) are counted but set *long_number.
template <bool padded>
std::size_t read_digits(const char** s, const char* e, std::uint64_t* m, std::size_t digits_before,
                        bool* long_number) {
    std::size_t count = 0;
    for (;;) {
        const std::uint64_t w = load_field_word<padded>(*s, e);
        unsigned n = leading_digits(w);
        if (static_cast<std::ptrdiff_t>(n) > e - *s) n = static_cast<unsigned>(e - *s);
        if (n == 0) return count;
        if (digits_before + count + n <= 19) *m = *m * integer_powers_of_ten[n] + digits_value(w, n);
        else *long_number = true;
        count += n;
        *s += n;
        if (n < 8) return count;
    }
}

template <bool padded>
scanned_number scan_number(const char* p, const char* e) {
    scanned_number r;
    const char* s = p;
    bool negative = false;
    if (s < e && (*s == '+' || *s == '-')) negative = *s++ == '-';
    std::uint64_t m = 0;
    bool long_number = false;  // more than 19 digits: from_chars converts it
    const std::size_t integer_digits = read_digits<padded>(&s, e, &m, 0, &long_number);
    std::size_t fraction_digits = 0;
    if (s < e && *s == '.') {
        ++s;
        fraction_digits = read_digits<padded>(&s, e, &m, integer_digits, &long_number);
    }
    if (integer_digits + fraction_digits == 0) return r;
    long long exponent = -static_cast<long long>(fraction_digits);
    if (s < e && (*s == 'e' || *s == 'E')) {
        ++s;
        bool negative_exponent = false;
        if (s < e && (*s == '+' || *s == '-')) negative_exponent = *s++ == '-';
        const char* start = s;
        long long x = 0;
        for (; s < e && is_digit(*s); ++s)
            if (x < 1000000000) x = x * 10 + (*s - '0');  // saturates: far beyond any float
        if (s == start) return r;
        exponent += negative_exponent ? -x : x;
    }
    r.end = s;
    r.valid = true;
    if (long_number) return r;
    if (m == 0) {
        r.exact = true;
        r.value = negative ? -0.0f : 0.0f;
    } else if (m <= (std::uint64_t{1} << 24) && exponent >= -10 && exponent <= 10) {
        const float f = static_cast<float>(m);
        const float v = exponent >= 0 ? f * powers_of_ten[exponent] : f / powers_of_ten[-exponent];
        r.exact = true;
        r.value = negative ? -v : v;
    }
    return r;
}

enum class number_problem { none, empty, not_a_number, non_finite, beyond_range };

// Converts the valid number `s` (scan_number's syntax, nothing around it) that the fast
// path left to std::from_chars.
number_problem convert_exactly(std::string_view s, float* value) {
    const bool negative = s[0] == '-';
    const char* first = s.data() + (s[0] == '+' ? 1 : 0);
    const char* last = s.data() + s.size();
    float parsed = 0.0f;
    const std::from_chars_result r = std::from_chars(first, last, parsed);
    if (r.ec == std::errc() && r.ptr == last) {
        *value = parsed;
        return number_problem::none;
    }
    if (r.ec != std::errc::result_out_of_range) return number_problem::not_a_number;
    // Overflow or underflow: `lead` is the power of ten of the leading non-zero digit
    // before the exponent (value = d.ddd x 10^(lead + exponent)).
    std::size_t i = s[0] == '+' || s[0] == '-' ? 1 : 0;
    long long integer_digits = 0, fraction_digits = 0, lead = 0;
    bool nonzero = false;
    for (; i < s.size() && is_digit(s[i]); ++i) {
        ++integer_digits;
        if (!nonzero && s[i] != '0') {
            nonzero = true;
            lead = -integer_digits;
        }
    }
    if (nonzero) lead += integer_digits;
    if (i < s.size() && s[i] == '.') {
        for (++i; i < s.size() && is_digit(s[i]); ++i) {
            ++fraction_digits;
            if (!nonzero && s[i] != '0') {
                nonzero = true;
                lead = -fraction_digits;
            }
        }
    }
    long long exponent = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool negative_exponent = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative_exponent = s[i++] == '-';
        for (; i < s.size() && is_digit(s[i]); ++i)
            if (exponent < 1000000000) exponent = exponent * 10 + (s[i] - '0');
        if (negative_exponent) exponent = -exponent;
    }
    if (!nonzero) return number_problem::not_a_number;  // zero never overflows
    if (lead + exponent >= 0) return number_problem::beyond_range;
    *value = negative ? -0.0f : 0.0f;  // too small for a float: it is zero to a float
    return number_problem::none;
}

// One field's text (spaces around it allowed): the number, or why it is not one. No
// allocation.
number_problem read_number(std::string_view text, float* value) {
    const std::string_view s = trim(text);
    if (s.empty()) return number_problem::empty;
    const scanned_number n = scan_number<false>(s.data(), s.data() + s.size());
    if (!n.valid || n.end != s.data() + s.size()) {
        const std::string_view unsigned_part = s.substr(s[0] == '+' || s[0] == '-' ? 1 : 0);
        if (equals_lowercase(unsigned_part, "inf") || equals_lowercase(unsigned_part, "infinity") ||
            equals_lowercase(unsigned_part, "nan"))
            return number_problem::non_finite;
        return number_problem::not_a_number;
    }
    if (n.exact) {
        *value = n.value;
        return number_problem::none;
    }
    return convert_exactly(s, value);
}

std::string describe(number_problem problem, std::string_view text) {
    const std::string_view s = trim(text);
    switch (problem) {
        case number_problem::none: break;
        case number_problem::empty: return "empty field";
        case number_problem::not_a_number: return quote_for_message(s) + " is not a number";
        case number_problem::non_finite: return quote_for_message(s) + ": infinities and NaN are not accepted";
        case number_problem::beyond_range: return quote_for_message(s) + " is beyond the range of a float";
    }
    return {};
}

// Where a problem was found while splitting a line.
struct split_error {
    std::size_t column;
    std::string message;
};

// Splits one line (no line break in it) into fields, quotes removed, spaces around each
// field trimmed. The slow path: for the first row, and for a row the fast path refused
// (to name its problem).
bool split_line(std::string_view line, std::vector<std::string>& fields, std::size_t* count,
                split_error* error) {
    std::size_t i = 0, n = line.size(), column = 0;
    for (;;) {
        ++column;
        if (fields.size() < column) fields.emplace_back();
        std::string& field = fields[column - 1];
        field.clear();
        while (i < n && is_blank(line[i])) ++i;
        if (i < n && line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < n) {
                if (line[i] == '"') {
                    if (i + 1 < n && line[i + 1] == '"') {  // "" stands for one quote
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    closed = true;
                    break;
                }
                field += line[i++];
            }
            if (!closed) {
                *error = {column, "quoted field not closed on its line (line breaks inside quotes are not supported)"};
                return false;
            }
            while (i < n && is_blank(line[i])) ++i;
            if (i < n && line[i] != ',') {
                *error = {column, "unexpected text after the closing quote"};
                return false;
            }
        } else {
            const std::size_t start = i;
            while (i < n && line[i] != ',') ++i;
            field.assign(trim(line.substr(start, i - start)));
        }
        if (i >= n) break;
        ++i;  // the comma; a comma at the end of the line opens an empty last field
    }
    *count = column;
    return true;
}

std::string fields_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " field" : " fields"); }

}  // namespace

std::size_t memory_source::read(char* data, std::size_t capacity) {
    std::size_t n = bytes_.size() < capacity ? bytes_.size() : capacity;
    if (n > chunk_) n = chunk_;
    if (n != 0) std::memcpy(data, bytes_.data(), n);
    bytes_.remove_prefix(n);
    return n;
}

std::string quote_for_message(std::string_view text, std::size_t limit) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    const std::size_t shown = text.size() < limit ? text.size() : limit;
    for (std::size_t i = 0; i < shown; ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    out += shown < text.size() ? "...\"" : "\"";
    return out;
}

std::string parse_number(std::string_view text, float* value) {
    return describe(read_number(text, value), text);
}

csv_reader::csv_reader(byte_source& source, header_mode header, std::size_t max_line_bytes,
                       std::size_t chunk_bytes)
    : source_(source),
      header_mode_(header),
      max_line_(max_line_bytes == 0 ? 1 : max_line_bytes),
      chunk_(chunk_bytes == 0 ? 1 : chunk_bytes),
      buffer_(new char[max_line_ + chunk_ + 1 + padding]),
      capacity_(max_line_ + chunk_ + 1) {
    static_assert(padding >= detail::scan_padding, "the buffer must cover the scans' loads past its data");
}

void csv_reader::restart() {
    begin_ = end_ = scanned_ = 0;
    at_end_of_input_ = false;
    skip_newline_ = false;
    at_start_ = true;
    line_ = row_line_ = first_line_ = 0;
    columns_ = 0;
    first_row_done_ = false;
    rows_ = bytes_read_ = 0;
    header_.clear();
    final_ = result::row;
    final_error_ = {};
}

bool csv_reader::next_line(std::string_view* line, csv_error* error) {
    for (;;) {
        char* const b = buffer_.get();
        if (skip_newline_ && begin_ < end_) {  // the \n of a \r\n cut by a read
            if (b[begin_] == '\n') ++begin_;
            skip_newline_ = false;
            scanned_ = begin_;
        }
        if (at_start_ && (end_ - begin_ >= 3 || at_end_of_input_)) {
            if (end_ - begin_ >= 3 && std::memcmp(b + begin_, "\xEF\xBB\xBF", 3) == 0) begin_ += 3;
            at_start_ = false;
            scanned_ = begin_;
        }
        if (!at_start_ && !skip_newline_) {
            // The line break: the first \n or \r from where the last search stopped.
            const std::size_t from = scanned_ > begin_ ? scanned_ : begin_;
            const std::size_t at = detail::find_line_break(b, from, end_);
            if (at < end_ || (at_end_of_input_ && begin_ < end_)) {
                const std::size_t length = at - begin_;
                ++line_;
                if (length > max_line_) break;
                *line = std::string_view(b + begin_, length);
                begin_ = at < end_ ? at + 1 : end_;
                if (at < end_ && b[at] == '\r') {
                    if (begin_ < end_) {
                        if (b[begin_] == '\n') ++begin_;
                    } else {
                        skip_newline_ = true;
                    }
                }
                scanned_ = begin_;
                return true;
            }
            scanned_ = end_;
            if (end_ - begin_ > max_line_) {
                ++line_;
                break;
            }
        }
        if (at_end_of_input_) return false;
        // Room for another read: the unread bytes (less than a line) go to the front.
        if (begin_ != 0) {
            std::memmove(b, b + begin_, end_ - begin_);
            end_ -= begin_;
            scanned_ -= begin_ < scanned_ ? begin_ : scanned_;
            begin_ = 0;
        }
        const std::size_t n = source_.read(b + end_, capacity_ - end_);
        if (n == 0) at_end_of_input_ = true;
        end_ += n;
        std::memset(b + end_, 0, padding);  // the scans and scan_number<true> load past a line's end
        bytes_read_ += n;
    }
    *error = {line_, 0,
              "line longer than " + std::to_string(max_line_) +
                  " bytes (the reader's limit): binary data, or not a CSV file of numbers"};
    return false;
}

csv_reader::result csv_reader::fail(csv_error* error) {
    final_ = result::error;
    final_error_ = *error;
    return result::error;
}

csv_reader::result csv_reader::next(csv_error* error) {
    if (final_ != result::row) {
        if (final_ == result::error) *error = final_error_;
        return final_;
    }
    error->message.clear();
    std::string_view line;
    for (;;) {
        if (!next_line(&line, error)) {
            if (!error->message.empty()) return fail(error);
            if (rows_ != 0) {
                final_ = result::end;
                return result::end;
            }
            if (!first_row_done_)
                *error = {line_ == 0 ? 1 : line_, 0,
                          line_ == 0 ? "no data: the file is empty" : "no data: the file has only blank lines"};
            else
                *error = {first_line_, 0, "no data: a header row and nothing after it"};
            return fail(error);
        }
        std::size_t i = 0;
        while (i < line.size() && is_blank(line[i])) ++i;
        if (i == line.size()) continue;  // blank lines are skipped
        if (!parse_row(line, error)) {
            if (!error->message.empty()) return fail(error);
            continue;  // the header
        }
        row_line_ = line_;
        ++rows_;
        return result::row;
    }
}

// The row on `line` into row_: true; false with *error empty for a header, filled for a
// problem. The fast path reads each field where it lies in the buffer.
bool csv_reader::parse_row(std::string_view line, csv_error* error) {
    error->message.clear();
    if (first_row_done_ && detail::read_plain_row(line.data(), line.size(), columns_, ends_.data(), row_.data()))
        return true;
    if (first_row_done_) {
        const char* p = line.data();
        const char* const e = p + line.size();
        std::size_t column = 0;
        bool ok = true;
        for (;;) {
            if (column == columns_) {
                ok = false;  // more fields than the first row
                break;
            }
            float value;
            while (p < e && is_blank(*p)) ++p;
            if (p < e && *p == '"') {
                // Quoted: the content (with "" as one quote) into quoted_, then read.
                quoted_.clear();
                const char* q = p + 1;
                bool closed = false;
                while (q < e) {
                    const char* quote = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(e - q)));
                    if (quote == nullptr) break;
                    quoted_.append(q, static_cast<std::size_t>(quote - q));
                    if (quote + 1 < e && quote[1] == '"') {
                        quoted_ += '"';
                        q = quote + 2;
                        continue;
                    }
                    q = quote + 1;
                    closed = true;
                    break;
                }
                while (closed && q < e && is_blank(*q)) ++q;
                if (!closed || (q < e && *q != ',') || read_number(quoted_, &value) != number_problem::none) {
                    ok = false;
                    break;
                }
                p = q;
            } else {
                const scanned_number n = scan_number<true>(p, e);  // the buffer is padded
                const char* q = n.valid ? n.end : p;
                while (q < e && is_blank(*q)) ++q;
                if (!n.valid || (q < e && *q != ',')) {
                    ok = false;
                    break;
                }
                if (n.exact) {
                    value = n.value;
                } else if (convert_exactly(std::string_view(p, static_cast<std::size_t>(n.end - p)), &value) !=
                           number_problem::none) {
                    ok = false;
                    break;
                }
                p = q;
            }
            row_[column++] = value;
            if (p == e) break;
            ++p;  // the comma; a comma at the end of the line opens an empty last field
            if (p == e) {
                ok = false;  // an empty last field
                break;
            }
        }
        if (ok && column == columns_) return true;
    }

    // The slow path: the first row, or a row with a problem to name. The order of the
    // checks: quoting, then the number of fields, then each field from the left.
    std::vector<std::string> fields;
    std::size_t count = 0;
    split_error split{};
    if (!split_line(line, fields, &count, &split)) {
        *error = {line_, split.column, split.message};
        return false;
    }
    if (!first_row_done_) {
        first_row_done_ = true;
        first_line_ = line_;
        columns_ = count;
        row_.assign(count, 0.0f);
        ends_.assign(count + 24, 0);
        bool is_header = header_mode_ == header_mode::present;
        if (header_mode_ == header_mode::automatic) {
            // A header holds no number at all; a row of numbers with one word is a mistake
            // in the data, named at that word.
            std::size_t numbers = 0, first_other = count;
            for (std::size_t c = 0; c < count; ++c) {
                float ignored;
                if (read_number(fields[c], &ignored) == number_problem::none) ++numbers;
                else if (first_other == count) first_other = c;
            }
            if (numbers == 0) {
                is_header = true;
            } else if (numbers != count) {
                float ignored;
                *error = {line_, first_other + 1,
                          describe(read_number(fields[first_other], &ignored), fields[first_other]) +
                              " (a header row holds no numbers; --header yes takes this row as one)"};
                return false;
            }
        }
        if (is_header) {
            header_.assign(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(count));
            return false;
        }
    }
    if (count != columns_) {
        *error = {line_, 0, fields_text(count) + " where line " + std::to_string(first_line_) + " has " +
                                std::to_string(columns_)};
        return false;
    }
    for (std::size_t c = 0; c < count; ++c) {
        const number_problem problem = read_number(fields[c], &row_[c]);
        if (problem != number_problem::none) {
            *error = {line_, c + 1, describe(problem, fields[c])};
            return false;
        }
    }
    return true;
}

bool parse_csv(std::string_view text, header_mode header, csv_table* table, csv_error* error,
               std::size_t max_line_bytes, std::size_t chunk) {
    *table = csv_table{};
    memory_source source(text, chunk);
    // No line of the text is longer than the text: a smaller buffer reads it the same.
    const std::size_t longest = max_line_bytes < text.size() + 1 ? max_line_bytes : text.size() + 1;
    const std::size_t buffer_chunk = chunk < csv_reader::default_chunk_bytes ? chunk : csv_reader::default_chunk_bytes;
    csv_reader reader(source, header, longest, buffer_chunk < text.size() + 1 ? buffer_chunk : text.size() + 1);
    for (;;) {
        switch (reader.next(error)) {
            case csv_reader::result::row:
                table->columns = reader.columns();
                table->values.insert(table->values.end(), reader.row(), reader.row() + reader.columns());
                table->lines.push_back(reader.line());
                break;
            case csv_reader::result::end:
                table->header = reader.header();
                return true;
            case csv_reader::result::error:
                table->header = reader.header();
                return false;
        }
    }
}

}  // namespace microprop::cli
