// Fuzz target: the command-line tool's CSV reader (tools/cli/csv.hpp).
//
// The input: byte 0 chooses the header mode (automatic, present, absent: byte 0 % 3) and
// the reader's chunk and line limit (byte 0 / 3), the rest is the file. Whatever the
// bytes, the reader returns (time linear in the size: libFuzzer's -timeout catches a
// hang) and:
//   - read in small chunks (lines, line breaks and the byte order mark cut anywhere) it
//     gives exactly what it gives reading the whole text at once;
//   - refuses with a line number inside the file and a one-line message, or
//   - returns a table whose every row has `columns` finite numbers, on increasing lines;
//     the table written back as CSV (numbers with 9 significant digits, names quoted)
//     reads back to the same header and the same floats, bit for bit.
// parse_number() and quote_for_message() get the whole text as well.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "csv.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace microprop::cli;

bool one_printable_line(const std::string& s) {
    for (const char c : s)
        if (c == '\n' || c == '\r' || c == '\0') return false;
    return true;
}

std::size_t line_count(std::string_view text) {
    std::size_t lines = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        if (text[i] == '\n' || text[i] == '\r') ++lines;
    }
    return lines;
}

std::string quoted(const std::string& name) {
    std::string out = "\"";
    for (const char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string write_back(const csv_table& t) {
    std::string out;
    for (std::size_t c = 0; c < t.header.size(); ++c) out += (c > 0 ? "," : "") + quoted(t.header[c]);
    if (!t.header.empty()) out += "\r\n";
    char number[32];
    for (std::size_t r = 0; r < t.rows(); ++r) {
        for (std::size_t c = 0; c < t.columns; ++c) {
            std::snprintf(number, sizeof number, "%.9g", static_cast<double>(t.row(r)[c]));
            out += (c > 0 ? "," : "") + std::string(number);
        }
        out += '\n';
    }
    return out;
}

bool same_error(const csv_error& a, const csv_error& b) {
    return a.line == b.line && a.column == b.column && a.message == b.message;
}

bool same_floats(const csv_table& a, const csv_table& b) {
    return a.values.size() == b.values.size() &&
           (a.values.empty() || std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(float)) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static const header_mode modes[] = {header_mode::automatic, header_mode::present, header_mode::absent};
    static const std::size_t chunks[] = {1, 2, 3, 5, 8, 17, 64, 4096};
    const header_mode mode = modes[data[0] % 3];
    const std::size_t chunk = chunks[(data[0] / 3) % 8];
    const std::size_t max_line = data[0] / 24 % 2 == 0 ? csv_reader::default_max_line_bytes : 24;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    float number = 0.0f;
    if (parse_number(text, &number).empty()) MICROPROP_FUZZ_CHECK(std::isfinite(number));
    MICROPROP_FUZZ_CHECK(one_printable_line(quote_for_message(text)));

    csv_table table;
    csv_error error;
    const bool ok = parse_csv(text, mode, &table, &error, max_line);
    csv_table cut;
    csv_error cut_error;
    const bool cut_ok = parse_csv(text, mode, &cut, &cut_error, max_line, chunk);
    MICROPROP_FUZZ_CHECK(cut_ok == ok);
    MICROPROP_FUZZ_CHECK(cut.header == table.header && cut.columns == table.columns && cut.lines == table.lines);
    MICROPROP_FUZZ_CHECK(same_floats(cut, table));
    if (!ok) {
        MICROPROP_FUZZ_CHECK(same_error(cut_error, error));
        MICROPROP_FUZZ_CHECK(error.line >= 1 && error.line <= line_count(text));
        MICROPROP_FUZZ_CHECK(!error.message.empty() && one_printable_line(error.message));
        return 0;
    }
    MICROPROP_FUZZ_CHECK(table.columns >= 1 && table.rows() >= 1);
    MICROPROP_FUZZ_CHECK(table.values.size() == table.rows() * table.columns);
    MICROPROP_FUZZ_CHECK(table.header.empty() || table.header.size() == table.columns);
    MICROPROP_FUZZ_CHECK(mode != header_mode::present || !table.header.empty());
    MICROPROP_FUZZ_CHECK(mode != header_mode::absent || table.header.empty());
    for (const float v : table.values) MICROPROP_FUZZ_CHECK(std::isfinite(v));
    for (std::size_t r = 0; r < table.rows(); ++r) {
        MICROPROP_FUZZ_CHECK(table.lines[r] >= 1 && table.lines[r] <= line_count(text));
        MICROPROP_FUZZ_CHECK(r == 0 || table.lines[r] > table.lines[r - 1]);
    }

    const std::string again_text = write_back(table);
    csv_table again;
    csv_error again_error;
    const bool again_ok = parse_csv(again_text, table.header.empty() ? header_mode::absent : header_mode::present,
                                    &again, &again_error, 16 * text.size() + 64);  // 9 digits a number: longer lines
    if (!again_ok) std::fprintf(stderr, "write-back refused: line %zu: %s\n", again_error.line, again_error.message.c_str());
    MICROPROP_FUZZ_CHECK(again_ok);
    MICROPROP_FUZZ_CHECK(again.header == table.header && again.columns == table.columns);
    MICROPROP_FUZZ_CHECK(same_floats(again, table));
    return 0;
}
