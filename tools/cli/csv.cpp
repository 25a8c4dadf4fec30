#include "csv.hpp"

#include <charconv>
#include <system_error>

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

// Where a problem was found while splitting a line.
struct split_error {
    std::size_t column;
    std::string message;
};

// Splits one line (no line break in it) into fields, quotes removed, spaces around each
// field trimmed. `fields` is reused from line to line to keep its strings' capacity.
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

}  // namespace

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
    const std::string_view s = trim(text);
    if (s.empty()) return "empty field";
    std::size_t i = 0;
    const bool negative = s[0] == '-';
    if (s[0] == '+' || s[0] == '-') ++i;
    const std::string_view unsigned_part = s.substr(i);
    if (equals_lowercase(unsigned_part, "inf") || equals_lowercase(unsigned_part, "infinity") ||
        equals_lowercase(unsigned_part, "nan"))
        return quote_for_message(s) + ": infinities and NaN are not accepted";
    const std::string not_a_number = quote_for_message(s) + " is not a number";

    // The syntax, checked by hand: std::from_chars alone would accept "inf", "nan" and
    // stop silently at the first character it does not understand.
    // On the way, `lead`: the power of ten of the leading non-zero digit (value =
    // d.ddd x 10^(lead + exponent)), to tell overflow from underflow below.
    long long integer_digits = 0, fraction_digits = 0, lead = 0;
    bool nonzero = false;
    for (; i < s.size() && is_digit(s[i]); ++i) {
        ++integer_digits;
        if (!nonzero && s[i] != '0') {
            nonzero = true;
            lead = -integer_digits;  // becomes (digits after it) once the count is known
        }
    }
    if (nonzero) lead += integer_digits;  // the leading digit's power: digits after it
    if (i < s.size() && s[i] == '.') {
        for (++i; i < s.size() && is_digit(s[i]); ++i) {
            ++fraction_digits;
            if (!nonzero && s[i] != '0') {
                nonzero = true;
                lead = -fraction_digits;
            }
        }
    }
    if (integer_digits + fraction_digits == 0) return not_a_number;
    long long exponent = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool negative_exponent = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative_exponent = s[i++] == '-';
        const std::size_t exponent_start = i;
        for (; i < s.size() && is_digit(s[i]); ++i)
            if (exponent < 1000000000) exponent = exponent * 10 + (s[i] - '0');  // saturates
        if (i == exponent_start) return not_a_number;
        if (negative_exponent) exponent = -exponent;
    }
    if (i != s.size()) return not_a_number;

    const char* first = s.data() + (s[0] == '+' ? 1 : 0);
    const char* last = s.data() + s.size();
    float parsed = 0.0f;
    const std::from_chars_result r = std::from_chars(first, last, parsed);
    if (r.ec == std::errc() && r.ptr == last) {
        *value = parsed;
        return {};
    }
    if (r.ec == std::errc::result_out_of_range && nonzero) {
        if (lead + exponent >= 0) return quote_for_message(s) + " is beyond the range of a float";
        *value = negative ? -0.0f : 0.0f;  // too small for a float: it is zero to a float
        return {};
    }
    return not_a_number;
}

bool parse_csv(std::string_view text, header_mode header, csv_table* table, csv_error* error) {
    *table = csv_table{};
    std::vector<std::string> fields;
    std::size_t pos = 0, line = 0, first_line = 0;
    bool first_row = true;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // UTF-8 byte order mark

    while (pos < text.size()) {
        ++line;
        std::size_t end = pos;
        while (end < text.size() && text[end] != '\n' && text[end] != '\r') ++end;
        const std::string_view content = text.substr(pos, end - pos);
        pos = end;
        if (pos < text.size()) pos += text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n' ? 2 : 1;
        if (trim(content).empty()) continue;  // blank lines are skipped

        std::size_t count = 0;
        split_error split{};
        if (!split_line(content, fields, &count, &split)) {
            *error = {line, split.column, split.message};
            return false;
        }

        if (first_row) {
            first_row = false;
            first_line = line;
            table->columns = count;
            bool is_header = header == header_mode::present;
            if (header == header_mode::automatic) {
                float ignored;
                for (std::size_t c = 0; c < count && !is_header; ++c)
                    is_header = !parse_number(fields[c], &ignored).empty();
            }
            if (is_header) {
                table->header.assign(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(count));
                continue;
            }
        }

        if (count != table->columns) {
            *error = {line, 0, std::to_string(count) + (count == 1 ? " field" : " fields") + " where line " +
                                   std::to_string(first_line) + " has " + std::to_string(table->columns)};
            return false;
        }
        for (std::size_t c = 0; c < count; ++c) {
            float v = 0.0f;
            std::string problem = parse_number(fields[c], &v);
            if (!problem.empty()) {
                *error = {line, c + 1, std::move(problem)};
                return false;
            }
            table->values.push_back(v);
        }
        table->lines.push_back(line);
    }

    if (table->rows() == 0) {
        if (first_row)
            *error = {line == 0 ? 1 : line, 0, line == 0 ? "no data: the file is empty" : "no data: the file has only blank lines"};
        else
            *error = {first_line, 0, "no data: a header row and nothing after it"};
        return false;
    }
    return true;
}

}  // namespace microprop::cli
